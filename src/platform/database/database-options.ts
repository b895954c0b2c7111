import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseEnvironment } from '../config/environment.schema';
import { databaseTls } from './database-tls';

/**
 * One definition for the app and for the migration CLI, so both always talk to
 * the same database the same way. Schema changes go through migrations only.
 */
export function databaseOptions(env: DatabaseEnvironment): DataSourceOptions {
  return {
    type: 'mysql',
    host: env.DB_HOST,
    port: env.DB_PORT,
    username: env.DB_USER,
    password: env.DB_PASSWORD,
    database: env.DB_NAME,
    // Every table is read and written with plain SQL (BoundedSql); the schema lives in migrations/.
    entities: [],
    migrations: [join(__dirname, '..', '..', '..', 'migrations', '*.{js,ts}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: env.DB_CONNECT_TIMEOUT_MS,
    // TLS (DB_TLS, DB_TLS_*_FILE), for the app and the migrations alike; undefined = plain.
    ssl: databaseTls(env),
    poolSize: env.DB_POOL_SIZE,
    extra: {
      // Fail fast instead of queueing forever when every connection is busy or MySQL is gone.
      connectionLimit: env.DB_POOL_SIZE,
      maxIdle: env.DB_POOL_SIZE,
      // A bounded queue: past it a request is refused at once (503) rather than waiting behind thousands.
      queueLimit: env.DB_POOL_QUEUE_LIMIT,
      enableKeepAlive: true,
    },
    logging: ['error'],
  };
}
