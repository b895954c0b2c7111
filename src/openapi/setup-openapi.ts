import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_SECURITY_SCHEME } from '../auth/admin-only.decorator';
import { BOOKING_SECRET_SCHEME } from '../bookings/booking-access';

/** UI at /docs, JSON at /docs-json. Operation ids are `<Controller>_<method>` without the suffix. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('seatguard')
    .setDescription(
      'Ticket booking that never oversells. Every booking gets a definite answer: seats (201) or SOLD_OUT (409). ' +
        'Errors are `{statusCode, error, message, code?}`.',
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, ADMIN_SECURITY_SCHEME)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "The booking's `secret`, returned once in its 201" },
      BOOKING_SECRET_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
