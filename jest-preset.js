// What the unit and e2e jest configs share. Nest 12 ships ESM only; jest on
// Node 20 cannot require() it, so swc compiles those packages to CommonJS too.
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|file-type|strtok3|token-types|peek-readable|@tokenizer|uint8array-extras)/)'],
};
