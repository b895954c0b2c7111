import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_SECURITY_SCHEME } from '../../admin/auth/admin-only.decorator';
import { BOOKING_SECRET_SCHEME } from '../../domain/bookings/booking-access';
import { QUEUE_SECRET_SCHEME } from '../../domain/waiting-room/waiting-room.controller';
import { RETRY_AFTER_HEADER } from '../../platform/openapi/api-error-responses';

/**
 * The one place the OpenAPI document is made: the running app serves it at
 * /docs-json and `npm run openapi` writes it to openapi.json, so the two are
 * the same document by construction (a test holds them to it).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('seatguard')
    .setDescription(
      'Ticket booking that never oversells. Every booking gets a definite answer: seats (201) or SOLD_OUT (409). ' +
        'Errors are `{statusCode, error, message, code?}`; every 503 and 429 carries `Retry-After`.',
    )
    .setVersion('1.0')
    .addServer('/', 'The server this document is served from (the API under /api/v1, probes and metrics at the root)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'ADMIN_TOKEN, or an admin key (`sgk_…`, POST /api/v1/admin/keys) with the scope the operation names',
      },
      ADMIN_SECURITY_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "The booking's `secret`, returned once in its 201" },
      BOOKING_SECRET_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "A queue ticket's `secret`, returned once when joining" },
      QUEUE_SECRET_SCHEME,
    )
    .build();
  // As package.json says: private, no licence granted. DocumentBuilder.setLicense would add an empty url.
  config.info.license = { name: 'UNLICENSED' };
  const document = SwaggerModule.createDocument(app, config, {
    // `<Controller>_<method>` without the suffix: stable, readable names in generated clients.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return markPublicOperations(documentNotReadyRetryAfter(document));
}

/**
 * terminus's @HealthCheck() documents the 503 of /health/ready (its report
 * schema included) without the Retry-After the filter sets on it; another
 * 503 decorator would replace that schema, so the header is added here.
 */
function documentNotReadyRetryAfter(document: OpenAPIObject): OpenAPIObject {
  const notReady = document.paths['/health/ready']?.get?.responses?.['503'] as { headers?: Record<string, unknown> } | undefined;
  if (notReady) notReady.headers = { ...notReady.headers, ...RETRY_AFTER_HEADER };
  return document;
}

/**
 * An operation that declares no security requirement is open to anyone. Say so
 * with `security: []`, the explicit "no auth" that linters and client
 * generators read, rather than by the absence of a key.
 */
function markPublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
  return document;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
