import { assertTestDatabase, testEnvironment } from './test-settings';

// Before any module reads configuration.
Object.assign(process.env, testEnvironment());
assertTestDatabase(process.env.DB_NAME ?? '');
