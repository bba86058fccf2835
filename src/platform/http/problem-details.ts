import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '../domain/domain-error';
import { WrongExpectedRevisionError } from '../event-store/event-store';
import { StaleRevisionError } from '../event-store/decide-on-stream';
import { InvalidCursorError } from '../read-store/read-store';
import { StoreUnavailableError } from '../store-unavailable';

/** Seconds a client is asked to wait when a store does not answer (RFC 9110 §10.2.3). */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** RFC 9457 problem details, with the request id as `traceId` (the AIRisk error shape). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  traceId: string;
  code?: string;
  errors?: ReadonlyArray<{ field: string; messages: string[] }>;
}

/** An HTTP error carrying a stable `code` and, for validation, per-field messages. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    detail: string,
    readonly code?: string,
    readonly errors?: ProblemDetails['errors'],
  ) {
    super(detail, status);
  }
}

const DOMAIN_STATUS: Record<DomainError['kind'], number> = {
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  invalid: HttpStatus.BAD_REQUEST,
};

/**
 * Every error on admin and resource routes becomes problem+json. A 5xx says only that something
 * failed and which request it was: details go to the log, never to the client (architecture §8).
 *
 * Paths whose errors take another shape name the filter that gives it (`shapedElsewhere`): Nest
 * applies a controller's own filters only to what its handler throws, and errors raised before the
 * handler (an unparsable, oversized or unsupported body) reach this global filter alone.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(private readonly shapedElsewhere: ReadonlyMap<string, ExceptionFilter> = new Map()) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = request.url.split('?')[0];
    if (clientWentAway(exception, request)) {
      // Not a failure of the server: no error line, and no answer anyone could read.
      this.logger.warn(
        `${request.method} ${path}: the connection closed before the request had arrived (${request.id})`,
      );
      void reply.status(HttpStatus.BAD_REQUEST).send();
      return;
    }
    const elsewhere = this.shapedElsewhere.get(path);
    if (elsewhere) {
      elsewhere.catch(exception, host);
      return;
    }
    const problem = this.toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error(
        `${request.method} ${request.url.split('?')[0]} failed (${request.id}): ${describe(exception)}`,
      );
    }
    if (problem.status === (HttpStatus.UNAUTHORIZED as number))
      reply.header('WWW-Authenticate', 'Bearer realm="airisk-identity"');
    if (exception instanceof StoreUnavailableError) reply.header('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
    void reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDetails {
    const base = { instance: request.url.split('?')[0], traceId: request.id };
    if (exception instanceof DomainError) {
      return { ...problem(DOMAIN_STATUS[exception.kind], exception.message), code: exception.code, ...base };
    }
    if (exception instanceof WrongExpectedRevisionError) {
      return {
        ...problem(HttpStatus.CONFLICT, 'the resource was changed by another request; read it again and retry'),
        code: 'concurrent_modification',
        ...base,
      };
    }
    if (exception instanceof StaleRevisionError) {
      return {
        ...problem(
          HttpStatus.PRECONDITION_FAILED,
          `If-Match names revision ${exception.expected}; the resource is at ${exception.actual}`,
        ),
        code: 'stale_revision',
        ...base,
      };
    }
    if (exception instanceof StoreUnavailableError) {
      // Which store, never the client library's message: that stays in the log.
      const store = exception.store === 'eventStore' ? 'event store' : 'read store';
      return {
        ...problem(HttpStatus.SERVICE_UNAVAILABLE, `the ${store} is not answering; retry later`),
        code: 'store_unavailable',
        ...base,
      };
    }
    if (exception instanceof InvalidCursorError) {
      return { ...problem(HttpStatus.BAD_REQUEST, exception.message), code: 'invalid_cursor', ...base };
    }
    if (exception instanceof ProblemException) {
      return {
        ...problem(exception.getStatus(), exception.message),
        code: exception.code,
        errors: exception.errors,
        ...base,
      };
    }
    if (exception instanceof HttpException) {
      return { ...problem(exception.getStatus(), httpExceptionDetail(exception)), ...base };
    }
    const status = frameworkStatus(exception);
    if (status) return { ...problem(status, (exception as Error).message), ...base };
    return { ...problem(HttpStatus.INTERNAL_SERVER_ERROR, 'the server failed to handle this request'), ...base };
  }
}

function problem(status: number, detail: string): Pick<ProblemDetails, 'type' | 'title' | 'status' | 'detail'> {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail };
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** Fastify's own 4xx errors (unparsable body, body too large, wrong content type) keep their status. */
function frameworkStatus(exception: unknown): number | undefined {
  const error = exception as { statusCode?: unknown; code?: unknown };
  const status = error?.statusCode;
  const isFastifyError = typeof error?.code === 'string' && error.code.startsWith('FST_');
  return isFastifyError && typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * The request stream's own error when its connection closed before the body had arrived: the client
 * hung up, or Node cut it off at `REQUEST_TIMEOUT_MS` (`server-limits.ts`).
 */
function clientWentAway(exception: unknown, request: FastifyRequest): boolean {
  return (exception as NodeJS.ErrnoException)?.code === 'ECONNRESET' && request.raw.destroyed;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
