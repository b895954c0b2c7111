import { Global, Module } from '@nestjs/common';
import { AdminKeysController } from './admin-keys.controller';
import { AdminKeys } from './admin-keys.service';
import { AdminToken } from './admin-token';
import { AdminTokenGuard } from './admin-token.guard';
import { OptionalAdminGuard } from './optional-admin.guard';
import { AdminKeysRepository } from './persistence/admin-keys.repository';
import { MysqlAdminKeysRepository } from './persistence/admin-keys.repository.mysql';

/** ADMIN_TOKEN and the named admin keys, for the guard on admin routes and for routes an admin may also use. */
@Global()
@Module({
  controllers: [AdminKeysController],
  providers: [
    AdminToken,
    AdminKeys,
    AdminTokenGuard,
    OptionalAdminGuard,
    { provide: AdminKeysRepository, useClass: MysqlAdminKeysRepository },
  ],
  exports: [AdminToken, AdminKeys, AdminTokenGuard, OptionalAdminGuard, AdminKeysRepository],
})
export class AuthModule {}
