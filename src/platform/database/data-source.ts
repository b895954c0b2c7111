import 'reflect-metadata';
import 'dotenv/config';
import { DataSource } from 'typeorm';
import { validateDatabaseEnvironment } from '../config/validate-environment';
import { databaseOptions } from './database-options';

/** Used by the TypeORM CLI (`npm run migration:*`); the app builds its own from the same options. */
export default new DataSource(databaseOptions(validateDatabaseEnvironment(process.env)));
