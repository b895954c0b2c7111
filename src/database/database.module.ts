import { Global, Module } from '@nestjs/common';
import { BoundedSql } from './bounded-sql';

/** Bounded MySQL access for every repository (the pool itself comes from TypeOrmModule). */
@Global()
@Module({
  providers: [BoundedSql],
  exports: [BoundedSql],
})
export class DatabaseModule {}
