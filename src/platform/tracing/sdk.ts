import { trace } from '@opentelemetry/api';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { core, NodeSDK, resources } from '@opentelemetry/sdk-node';
import { nameRequestSpans, serverSpanAttributes, untraced } from './request-spans';
import { inLeafSpan } from './spans';
import { TracedEventStore } from './traced-event-store';
import { TracedReadStore } from './traced-read-store';
import type { Tracing } from './tracing';

/** `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` says otherwise. */
const SERVICE_NAME = 'airisk-identity';

/**
 * The OpenTelemetry SDK for traces: the exporter, sampler, batch processor, propagators and
 * resource are the SDK's own reading of the standard `OTEL_*` variables (OTLP over HTTP, protobuf
 * unless `OTEL_EXPORTER_OTLP_PROTOCOL` says `http/json`). Metrics stay Prometheus' and logs stay
 * stdout's: no OpenTelemetry metric reader or log exporter is started. Loaded only through
 * `startTracing`, which is what keeps every package imported here out of a process that does not
 * export traces.
 */
export function startSdk(): Tracing {
  const sdk = new NodeSDK({
    // The SDK merges what OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES say over this.
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': SERVICE_NAME })),
    metricReaders: [],
    logRecordProcessors: [],
    // W3C trace context only, unless OTEL_PROPAGATORS says otherwise: the SDK's default adds W3C
    // baggage, which would carry whatever a caller put in its `baggage` header on to EventStoreDB.
    ...(process.env.OTEL_PROPAGATORS ? {} : { textMapPropagator: new core.W3CTraceContextPropagator() }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: untraced,
        startIncomingSpanHook: serverSpanAttributes,
      }),
      // Statements are reported with their values replaced (the instrumentation's default): no email or id leaves.
      new MongoDBInstrumentation(),
      // EventStoreDB's client speaks gRPC: its calls become client spans.
      new GrpcInstrumentation(),
      // trace_id and span_id on each log line written inside a span; the lines stay on stdout only.
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();
  const tracer = trace.getTracer(SERVICE_NAME);
  return {
    eventStore: (store, kind) => new TracedEventStore(store, tracer, kind),
    readStore: (store, kind) => new TracedReadStore(store, tracer, kind),
    span: (name, attributes, work) => inLeafSpan(tracer, name, attributes, work),
    nameRequestSpans,
    shutdown: (withinMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, withinMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        // An exporter that cannot reach its collector loses the spans, never the exit.
        sdk.shutdown().then(done, done);
      }),
  };
}
