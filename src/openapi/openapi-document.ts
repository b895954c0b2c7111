import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_SECURITY_SCHEME } from '../auth/admin-only.decorator';
import { BOOKING_SECRET_SCHEME } from '../bookings/booking-access';

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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, ADMIN_SECURITY_SCHEME)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "The booking's `secret`, returned once in its 201" },
      BOOKING_SECRET_SCHEME,
    )
    .build();
  // As package.json says: private, no licence granted. DocumentBuilder.setLicense would add an empty url.
  config.info.license = { name: 'UNLICENSED' };
  const document = SwaggerModule.createDocument(app, config, {
    // `<Controller>_<method>` without the suffix: stable, readable names in generated clients.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return markPublicOperations(dropAuthorizationParameters(documentNotReadyRetryAfter(document)));
}

/** terminus's @HealthCheck() documents the 503 of /health/ready without the Retry-After the filter sets on it. */
function documentNotReadyRetryAfter(document: OpenAPIObject): OpenAPIObject {
  const notReady = document.paths['/health/ready']?.get?.responses?.['503'] as { headers?: Record<string, unknown> } | undefined;
  if (notReady) {
    notReady.headers = {
      ...notReady.headers,
      'Retry-After': { description: 'Seconds before asking again', schema: { type: 'integer', minimum: 1, example: 5 } },
    };
  }
  return document;
}

/**
 * The owner routes read `Authorization` with @Headers(), which the scanner lists as a required header
 * parameter. OpenAPI says such a parameter is ignored (the security schemes describe that header), but
 * generators still make callers pass it, even where the header is optional: leave it out.
 */
function dropAuthorizationParameters(document: OpenAPIObject): OpenAPIObject {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!operation?.parameters) continue;
      operation.parameters = operation.parameters.filter(
        (p) => !('in' in p && p.in === 'header' && p.name.toLowerCase() === 'authorization'),
      );
    }
  }
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
