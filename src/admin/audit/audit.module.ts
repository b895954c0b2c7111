import { Global, Module } from '@nestjs/common';
import { EventsModule } from '../../domain/events/events.module';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditSnapshots } from './audit-snapshots';
import { AuditLogRepository } from './persistence/audit-log.repository';
import { MysqlAuditLogRepository } from './persistence/audit-log.repository.mysql';

/** The audit log of admin changes: the interceptor (see @Audited) any admin route can use, and the route that reads it. */
@Global()
@Module({
  imports: [EventsModule],
  controllers: [AuditController],
  providers: [AuditInterceptor, AuditSnapshots, { provide: AuditLogRepository, useClass: MysqlAuditLogRepository }],
  exports: [AuditInterceptor, AuditSnapshots, AuditLogRepository],
})
export class AuditModule {}
