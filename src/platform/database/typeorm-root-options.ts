import type { TypeOrmModuleAsyncOptions } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { environment } from '../config/configuration';
import { databaseOptions } from './database-options';
import { DatabaseTlsError, explainDatabaseTlsFailure } from './database-tls';

/**
 * TypeOrmModule.forRootAsync's options for the app. MySQL down at start-up is
 * retried (Nest's default); TLS settings that do not match the server are not,
 * and stop the start with a message naming the setting.
 */
export const typeOrmRootOptions: TypeOrmModuleAsyncOptions = {
  useFactory: () => ({ ...databaseOptions(environment()), toRetry: (error: unknown) => !(error instanceof DatabaseTlsError) }),
  dataSourceFactory: async (options?: DataSourceOptions) => {
    try {
      return await new DataSource(options!).initialize();
    } catch (error) {
      throw (await explainDatabaseTlsFailure(error, environment())) ?? error;
    }
  },
};
