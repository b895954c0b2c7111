// Layer rules for seatguard, checked by `npm run depcruise` (and by test/static-checks.spec.ts in
// `npm test` / `npm run test:all`, which also proves each rule can fail). Paths are relative to the
// repository root, and the rules name places, not file names:
//   src/main.ts, src/app/   start-up: picks the HTTP adapter, wires the modules, assembles the OpenAPI document
//   src/domain/             the features (bookings, events, event admin, inventory, waiting list, waiting room)
//   src/admin/              who may administer (auth) and what they changed (audit): used by domain and platform
//   src/platform/           Redis, MySQL, config, HTTP edge, metrics, logging, health, ...: knows no feature
//   src/shared/             the vocabulary every layer speaks (domain errors, pagination, the ETag tag)
//   test/, bench/, tools/   tools/ holds what test/ and bench/ share (servers, invariant checker, queue client)

/** The HTTP edge: exception filter, pipes, middleware, error bodies and their OpenAPI shapes. */
const HTTP_EDGE = '^src/platform/http/';
/** Express itself, at run time or as types only. */
const EXPRESS = '(^|/)node_modules/(@types/express|express|@nestjs/platform-express)/';
/** Either HTTP stack (Express or Fastify), their middleware and plugins, at run time or as types only. */
const HTTP_STACK =
  '(^|/)node_modules/(@types/express|express|@nestjs/platform-express|helmet|fastify|@fastify/[^/]+|@nestjs/platform-fastify)/';
/** The bootstrap files that choose and set up the HTTP adapter (HTTP_ADAPTER); nothing else knows which runs. */
const HTTP_BOOTSTRAP = '^src/app/(http-adapter|setup-express|setup-fastify)\\.ts$';
/** The Redis seat layout and the raw Redis seat access: inventory's own business. */
const SEAT_INTERNALS = '^src/domain/inventory/(seat-keys|seat-pool)\\.ts$';
/** Inside a feature folder, the files that are its HTTP edge: controllers and their interceptors. */
const FEATURE_EDGE = '\\.(controller|interceptor)\\.ts$';

const { join } = require('node:path');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular-in-src',
      severity: 'error',
      comment: 'src/ has no import cycles; keep it that way (a cycle hides which layer is below which).',
      from: { path: '^src/' },
      to: { path: '^src/', circular: true },
    },
    {
      name: 'src-not-to-test-support',
      severity: 'error',
      comment: 'Production code never imports the test harness, the bench or the tools.',
      from: { path: '^src/' },
      to: { path: '^(test|tools|bench)/' },
    },
    {
      name: 'unit-test-data-only-in-specs',
      severity: 'error',
      comment: 'src/domain/testing/ (fakes and test data of the unit specs) is left out of the build: only specs may import it.',
      from: { path: '^src/', pathNot: ['\\.spec\\.ts$', '^src/domain/testing/'] },
      to: { path: '^src/domain/testing/' },
    },
    {
      name: 'seat-internals-only-in-inventory',
      severity: 'error',
      comment:
        'Only src/domain/inventory/ knows how seats are laid out in Redis and touches them directly; everybody else ' +
        'goes through the inventory port. The test harness and the bench may look underneath.',
      from: { path: '^src/', pathNot: '^src/domain/inventory/' },
      to: { path: SEAT_INTERNALS },
    },
    {
      name: 'inventory-below-bookings-and-events',
      severity: 'error',
      comment: 'Inventory is the lower layer: the other features use it, never the other way round.',
      from: { path: '^src/domain/inventory/' },
      to: { path: '^src/domain/(bookings|events|event-admin|waitlist|waiting-room)/' },
    },
    {
      name: 'no-http-below-the-edge',
      severity: 'error',
      comment:
        'Domain, admin and shared code return domain results; status codes, error bodies, pipes, express and the ' +
        "platform adapter belong to the HTTP edge (src/platform/http/) and to a feature's controllers and interceptors.",
      from: { path: '^src/(domain|admin|shared)/', pathNot: FEATURE_EDGE },
      to: { path: [HTTP_EDGE, EXPRESS] },
    },
    {
      name: 'platform-knows-no-feature',
      severity: 'error',
      comment: 'The platform (Redis, MySQL, config, HTTP, metrics, ...) serves the features and never imports one, nor start-up.',
      from: { path: '^src/platform/' },
      to: { path: '^src/(domain|app)/' },
    },
    {
      name: 'shared-at-the-bottom',
      severity: 'error',
      comment: 'src/shared/ is the vocabulary every layer speaks, so it imports none of them (its specs may).',
      from: { path: '^src/shared/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^src/(domain|admin|platform|app)/' },
    },
    {
      name: 'only-start-up-imports-app',
      severity: 'error',
      comment: 'src/app/ wires everything together; only src/main.ts and src/app/ itself import it.',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/main\\.ts$'] },
      to: { path: '^src/app/' },
    },
    {
      name: 'bench-and-tools-not-to-test',
      severity: 'error',
      comment:
        'The bench and the shared tools (servers, invariant checker, queue client) stand on their own: what both ' +
        'test/ and bench/ need lives in tools/, never in test/.',
      from: { path: '^(bench|tools)/' },
      to: { path: '^test/' },
    },
    {
      name: 'http-stack-only-in-bootstrap',
      severity: 'error',
      comment:
        'Only src/app/http-adapter.ts and the setup-express/setup-fastify files beside it import express, fastify, their ' +
        'platform adapters or plugins; everything else (the exception filter, middleware, the test harness) speaks to ' +
        "Nest's INestApplication and HttpAdapterHost, so it runs the same on either adapter.",
      from: { path: ['^src/', '^test/support/'], pathNot: [HTTP_BOOTSTRAP, '\\.spec\\.ts$'] },
      to: { path: HTTP_STACK },
    },
    {
      name: 'typeorm-only-in-database',
      severity: 'error',
      comment: 'TypeORM is one adapter: only src/platform/database/ (and the migrations) may import it.',
      from: { path: '^src/', pathNot: '^src/platform/database/' },
      to: { path: '(^|/)node_modules/typeorm/' },
    },
    {
      name: 'no-orphans-in-src',
      severity: 'warn',
      comment: 'A src/ file nobody imports is dead code, or an entry point that should be listed here.',
      from: {
        orphan: true,
        path: '^src/',
        pathNot: ['\\.d\\.ts$', '\\.spec\\.ts$', '^src/main\\.ts$', '^src/platform/database/data-source\\.ts$'],
      },
      to: {},
    },
  ],
  options: {
    // `import type { Response } from 'express'` speaks HTTP as much as a value import does.
    tsPreCompilationDeps: true,
    // Absolute, so the rules can also be run from a scratch tree (test/static-checks.spec.ts does).
    tsConfig: { fileName: join(__dirname, 'tsconfig.json') },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|\\.run)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
  },
};
