import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { ADMIN_SCOPES, AdminScope } from '../admin-scopes';
import type { AdminKey } from '../persistence/admin-keys.repository';

export class CreateAdminKeyDto {
  @ApiProperty({ example: 'deploy-bot', maxLength: 100 })
  @IsString()
  @MaxLength(100)
  @Matches(/^[A-Za-z0-9 ._@-]+$/, { message: 'name may hold letters, digits, spaces and . _ @ - only' })
  name: string;

  @ApiProperty({ enum: ADMIN_SCOPES, enumName: 'AdminScope', isArray: true, example: ['read', 'strategy'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ADMIN_SCOPES.length)
  @IsIn(ADMIN_SCOPES, { each: true, message: `each scope must be one of ${ADMIN_SCOPES.join(', ')}` })
  scopes: AdminScope[];
}

export class AdminKeyResponse {
  @ApiProperty({ type: 'integer' }) id: number;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ADMIN_SCOPES, enumName: 'AdminScope', isArray: true }) scopes: AdminScope[];
  @ApiProperty({ example: 'ADMIN_TOKEN' }) createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;

  static from(k: AdminKey): AdminKeyResponse {
    return { ...k, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null };
  }
}

export class CreatedAdminKeyResponse extends AdminKeyResponse {
  @ApiProperty({ example: 'sgk_Xq3…', description: 'The key, shown this once: only its SHA-256 is stored' }) key: string;
}

export class AdminKeyPageResponse {
  @ApiProperty({ type: [AdminKeyResponse] }) items: AdminKeyResponse[];
  @ApiProperty({ nullable: true, type: String, example: 'MjA', description: 'Pass as ?cursor= for the next page; null on the last page' })
  nextCursor: string | null;
}
