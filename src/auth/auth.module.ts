import { Global, Module } from '@nestjs/common';
import { AdminToken } from './admin-token';
import { AdminTokenGuard } from './admin-token.guard';

/** The admin token, for the guard on admin routes and for routes an admin may also use. */
@Global()
@Module({
  providers: [AdminToken, AdminTokenGuard],
  exports: [AdminToken, AdminTokenGuard],
})
export class AuthModule {}
