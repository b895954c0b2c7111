import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from '../admin/audit/audit.module';
import { AuthModule } from '../admin/auth/auth.module';
import { BookingsModule } from '../domain/bookings/bookings.module';
import { AllExceptionsFilter } from '../platform/http/all-exceptions.filter';
import { createValidationPipe } from '../platform/http/validation.pipe';
import { appConfig, bookingConfig, databaseConfig, redisConfig, waitingRoomConfig, webhookConfig } from '../platform/config/configuration';
import { validateEnvironment } from '../platform/config/validate-environment';
import { DatabaseModule } from '../platform/database/database.module';
import { typeOrmRootOptions } from '../platform/database/typeorm-root-options';
import { EventsModule } from '../domain/events/events.module';
import { HealthModule } from '../platform/health/health.module';
import { loggerOptions } from '../platform/logging/logger-options';
import { MetricsModule } from '../platform/metrics/metrics.module';
import { RedisModule } from '../platform/redis/redis.module';
import { WaitingRoomModule } from '../domain/waiting-room/waiting-room.module';
import { WebhooksModule } from '../domain/webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      validate: validateEnvironment,
      load: [appConfig, redisConfig, databaseConfig, bookingConfig, waitingRoomConfig, webhookConfig],
    }),
    // imports/providers spelled out: nestjs-pino 4's types see Nest 12's ModuleMetadata as any (deep import).
    LoggerModule.forRootAsync({ imports: [], providers: [], inject: [appConfig.KEY], useFactory: loggerOptions }),
    TypeOrmModule.forRootAsync(typeOrmRootOptions),
    DatabaseModule,
    AuthModule,
    MetricsModule,
    RedisModule,
    HealthModule,
    EventsModule,
    BookingsModule,
    AuditModule,
    WaitingRoomModule,
    WebhooksModule,
  ],
  providers: [
    // Registered here, not in main.ts, so e2e tests run exactly the production pipeline.
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class AppModule {}
