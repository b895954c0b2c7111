import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_KEY_SCHEME, ADMIN_TOKEN_SCHEME } from '../../admin/auth/admin-only.decorator';
import { BOOKING_SECRET_SCHEME } from '../../domain/bookings/booking-access';
import { QUEUE_SECRET_SCHEME } from '../../domain/waiting-room/waiting-room.controller';
import { RETRY_AFTER_HEADER } from '../../platform/openapi/api-error-responses';
import { packageInfo } from './package-info';

/**
 * The one place the OpenAPI document is made: the running app serves it at
 * /docs-json and `npm run openapi` writes it to openapi.json, so the two are
 * the same document by construction (a test holds them to it).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const { version, license } = packageInfo();
  const builder = new DocumentBuilder()
    .setTitle('seatguard')
    .setDescription(
      'Ticket booking that never oversells. Every booking gets a definite answer: seats (201) or SOLD_OUT (409). ' +
        'Errors are `{statusCode, error, message, code}`; each error response lists the `code`s it can carry; ' +
        'every 503 and 429 carries `Retry-After`.',
    )
    .setVersion(version)
    .setLicense(license, LICENSE_URLS[license] ?? '')
    .addServer('/', 'The server this document is served from (the API under /api/v1, probes and metrics at the root)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'ADMIN_TOKEN',
        description: 'The bootstrap admin token (the ADMIN_TOKEN setting): every admin scope',
      },
      ADMIN_TOKEN_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'sgk_ + 43 base64url characters',
        description:
          'A named admin key (POST /api/v1/admin/keys, shown once), good for the operations its scopes allow: `read` for admin ' +
          'reads, `events` for changes to events and to bookings, holds and waiting-list entries, `strategy`, `webhooks`, `keys`. ' +
          'Revoked keys are refused at once.',
      },
      ADMIN_KEY_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: '43 base64url characters',
        description: "The `secret` of a booking, a hold or a waiting-list entry, returned once in its 201: its owner's key to it",
      },
      BOOKING_SECRET_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: '32 base64url characters',
        description: "A queue ticket's `secret`, returned once when joining the waiting room",
      },
      QUEUE_SECRET_SCHEME,
    );
  for (const [name, description] of Object.entries(TAG_DESCRIPTIONS)) builder.addTag(name, description);
  const config = builder.build();
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

/** Where a licence named in package.json is published (an OpenAPI licence needs a url to link to). */
const LICENSE_URLS: Record<string, string> = { MIT: 'https://opensource.org/licenses/MIT' };

/**
 * One line per tag, in the order readers meet them. A tag an operation uses
 * must be here (the document test checks), so no group of routes goes undescribed.
 */
export const TAG_DESCRIPTIONS: Record<string, string> = {
  events:
    'Events on sale: anyone lists and reads them (cached: ETag, 304 on If-None-Match); an admin creates, changes, cancels ' +
    'them, switches their strategy and rebuilds their inventory',
  bookings:
    "Book seats (201 with the seats, or SOLD_OUT); read or cancel a booking by its reference, as its owner (the booking's " +
    "secret) or an admin; an admin pages through an event's bookings",
  checkout: 'Hold seats while the buyer pays, then confirm or release the hold; unconfirmed holds expire and their seats return',
  waitlist: 'The waiting list of a sold-out event: seats that come back are offered in order, as holds',
  'waiting room':
    'A queue in front of a busy sale: join, poll the ticket (ETag, 304 on If-None-Match) until admitted, then book or hold ' +
    'with the admission',
  admin: 'Named admin keys with scopes, and the audit log of admin changes',
  health: 'Liveness and readiness probes for the orchestrator',
  operations: 'Prometheus metrics, for a scraper holding ADMIN_TOKEN or an admin key (any scope)',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
