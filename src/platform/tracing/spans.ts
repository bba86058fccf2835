import { type Attributes, type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';

/**
 * Runs `work` in a span made the active one, so the client spans of the store it calls (MongoDB,
 * gRPC) nest inside it. A failure marks the span with the error's class name only: messages may
 * quote what a caller sent, and a recorded exception would carry its stack too.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** As `inSpan`, for synchronous work that calls nothing traced: a child of the active span, not made active. */
export function inLeafSpan<T>(tracer: Tracer, name: string, attributes: Attributes, work: () => T): T {
  const span = tracer.startSpan(name, { attributes });
  try {
    return work();
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

function failed(span: Span, error: unknown): void {
  const type = error instanceof Error ? error.name : typeof error;
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
