import { Global, Module } from '@nestjs/common';
import { BoundedSql } from './bounded-sql';
import { LostCommitSettler } from './lost-commit-settler';

/** Bounded MySQL access for every repository (the pool itself comes from TypeOrmModule), and settling lost COMMITs. */
@Global()
@Module({
  providers: [BoundedSql, LostCommitSettler],
  exports: [BoundedSql, LostCommitSettler],
})
export class DatabaseModule {}
