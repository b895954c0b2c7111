import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_TARGET_TYPES, AuditEntry } from '../persistence/audit-log.repository';

export class AuditEntryResponse {
  @ApiProperty({ type: 'integer' }) id: number;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ example: 'key:3:deploy-bot', description: '`ADMIN_TOKEN` or `key:<id>:<name>`' }) actor: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The admin key used; null for ADMIN_TOKEN' }) actorKeyId: number | null;
  @ApiProperty({ example: 'strategy.switch' }) action: string;
  @ApiProperty({ enum: AUDIT_TARGET_TYPES }) targetType: string;
  @ApiProperty({ type: String, nullable: true, example: '12' }) targetId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'X-Request-Id of the request that made the change' }) requestId: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The target before the change (null for a create)',
  })
  before: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The target after the change' })
  after: unknown;

  static from(e: AuditEntry): AuditEntryResponse {
    return { ...e, at: e.at.toISOString() };
  }
}

export class AuditPageResponse {
  @ApiProperty({ type: [AuditEntryResponse] }) items: AuditEntryResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'MjA',
    description: 'Pass as ?cursor= for the next (older) page; null on the last page',
  })
  nextCursor: string | null;
}
