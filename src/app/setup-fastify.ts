import helmet from '@fastify/helmet';
import { BadRequestException, INestApplication, UnsupportedMediaTypeException } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../platform/config/configuration';
import type { TrustProxySetting } from '../platform/config/trust-proxy';
import { bodyMustBeJson, NOT_JSON_REFUSAL, parseJsonBody } from '../platform/http/json-body';
import { ROUTE_PATTERN, WithRoutePattern } from '../platform/http/route-pattern';
import { enterRequestId } from '../platform/logging/request-context';
import { REQUEST_ID_HEADER, requestIdFrom } from '../platform/logging/request-id';

/**
 * HTTP_ADAPTER=fastify; see http-adapter.ts. Fastify has no X-Powered-By;
 * prototype poisoning is refused by the JSON parser below (it replaces
 * Fastify's own), in the words Express uses.
 */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // request.ip (and so the rate limiter's key) comes from X-Forwarded-For only through these proxies.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Express bounds a path parameter only by Node's header size (16 KiB); Fastify's router answers
    // 414 above 100 characters, before the route could answer its own 400/404.
    routerOptions: { maxParamLength: 16 * 1024 },
    // request.id: the caller's X-Request-Id if sane, else a UUID, as on Express.
    genReqId: (req: IncomingMessage) => (req as { id?: string }).id ?? requestIdFrom(req.headers),
  });
}

/**
 * TRUST_PROXY as Express reads it. A hop count becomes Express's own rule
 * (believe the n nearest hops): Fastify 5 reads a bare number as "trust nobody".
 */
function fastifyTrustProxy(setting: TrustProxySetting): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

export function setupFastify(nestApp: INestApplication, config: AppConfig): void {
  const app = nestApp as NestFastifyApplication;
  const fastify = app.getHttpAdapter().getInstance();
  // Registered, not awaited: Fastify loads plugins in order before it listens.
  void app.register(helmet, { contentSecurityPolicy: false });
  useJsonOnlyBodies(fastify, config.bodyLimitBytes);
  fastify.addHook('onRequest', (request, reply, done) => {
    (request.raw as WithRoutePattern)[ROUTE_PATTERN] = request.routeOptions.url;
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  // Right before the route runs (the body is read by then, from the socket's events, outside any context set earlier):
  // the handler is called from this hook's done(), so everything it starts runs under the request's id.
  fastify.addHook('preHandler', (request, _reply, done) => {
    enterRequestId(request.id);
    done();
  });
}

/**
 * Only JSON bodies, read as the Express stack reads them (parseJsonBody: strict,
 * prototype keys refused, same messages); any other body on POST/PUT/PATCH is a
 * 415, and on other methods it is ignored, as body-parser ignores it.
 */
function useJsonOnlyBodies(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, text, done) => {
    // No body at all reaches the route as no body, as with body-parser.
    if (text === '') return done(null, undefined);
    try {
      done(null, parseJsonBody(text as string));
    } catch (error) {
      done(new BadRequestException((error as Error).message, { cause: error }), undefined);
    }
  });
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload, done) => {
    if (!bodyMustBeJson(request.method, request.headers)) return done(null, undefined);
    const { message, code } = NOT_JSON_REFUSAL;
    done(new UnsupportedMediaTypeException({ message, code }), undefined);
  });
}
