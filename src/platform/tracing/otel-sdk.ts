import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ClientRequest, IncomingMessage } from 'node:http';
import { requestIdFrom } from '../logging/request-id';

/** Probes and scrapes every few seconds would bury the requests worth reading. */
const UNTRACED = /^\/(health|metrics)(\/|$|\?)/;

/**
 * Traces of HTTP requests (server spans, on Express and Fastify alike, with
 * the request id as `http.request.id`), every MySQL statement (mysql2, under TypeORM's pool) and
 * every Redis command (ioredis), batched and sent over OTLP/HTTP to
 * OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads it and the other OTEL_*
 * variables itself). Only loaded when that variable is set (tracing.ts).
 */
export function startTracing(serviceName: string): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED.test(req.url ?? ''),
        // The request's id is given here, before the adapter sees the request (which keeps it): a trace
        // is found from a log line or an error body's requestId, and the other way round.
        requestHook: (span, request: ClientRequest | IncomingMessage) => {
          if (!(request instanceof IncomingMessage)) return;
          const incoming = request as IncomingMessage & { id?: string };
          incoming.id ??= requestIdFrom(incoming.headers);
          span.setAttribute('http.request.id', incoming.id);
        },
      }),
      // Commands outside any request (the pub/sub subscriber, sweeps) start no trace of their own.
      new IORedisInstrumentation({ requireParentSpan: true }),
      new MySQL2Instrumentation(),
    ],
  });
  return provider;
}
