import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseEnvironment } from '../config/environment.schema';
import { EventEntity } from '../events/persistence/event.entity';
import { BookingEntity } from '../bookings/persistence/booking.entity';
import { TicketEntity } from '../bookings/persistence/ticket.entity';

export const ENTITIES = [EventEntity, BookingEntity, TicketEntity];

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
    entities: ENTITIES,
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{js,ts}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: env.DB_CONNECT_TIMEOUT_MS,
    poolSize: env.DB_POOL_SIZE,
    extra: {
      // Fail fast instead of queueing forever when every connection is busy or MySQL is gone.
      connectionLimit: env.DB_POOL_SIZE,
      maxIdle: env.DB_POOL_SIZE,
      enableKeepAlive: true,
    },
    logging: ['error'],
  };
}
