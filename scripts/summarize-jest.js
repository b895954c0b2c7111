// Prints "N passed, N failed" from jest --json result files. Exits 1 if any
// test failed, a suite failed to run, or a result file is missing.
const { existsSync, readFileSync } = require('node:fs');

let passed = 0;
let failed = 0;
let broken = false;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`missing jest results: ${file}`);
    broken = true;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A suite that could not even load counts its failure here, not in numFailedTests.
  if (r.numRuntimeErrorTestSuites > 0) {
    failed += r.numRuntimeErrorTestSuites;
    broken = true;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken || passed === 0 ? 1 : 0);
