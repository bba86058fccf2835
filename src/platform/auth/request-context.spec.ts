import type { FastifyRequest } from 'fastify';
import { eventMetadata, requestIds } from './request-context';

const request = (id: string, header?: string) =>
  ({ id, headers: header === undefined ? {} : { 'x-request-id': header } }) as unknown as FastifyRequest;

describe('requestIds', () => {
  it('uses a request id the server generated as the correlation id', () => {
    expect(requestIds(request('0c0ffee0-0000-4000-8000-000000000000'))).toEqual({
      correlationId: '0c0ffee0-0000-4000-8000-000000000000',
    });
  });

  it('ignores a malformed X-Request-Id the server replaced', () => {
    expect(requestIds(request('server-id', 'not acceptable!'))).toEqual({ correlationId: 'server-id' });
  });

  it('keeps an X-Request-Id the caller chose apart, under a correlation id of the server’s, one per request', () => {
    const first = request('trace-1', 'trace-1');
    const ids = requestIds(first);
    expect(ids).toEqual({ correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/), requestId: 'trace-1' });
    expect(requestIds(first)).toEqual(ids);
    expect(requestIds(request('trace-1', 'trace-1')).correlationId).not.toBe(ids.correlationId);
  });

  it('carries both into the envelope, the correlation id as the causation id too', () => {
    const actor = { kind: 'anonymous' as const, id: 'spa' };
    const metadata = eventMetadata({ actor, ...requestIds(request('trace-1', 'trace-1')) }, new Date(0), 'c1');
    expect(metadata).toMatchObject({ actor, requestId: 'trace-1', companyId: 'c1' });
    expect(metadata.causationId).toBe(metadata.correlationId);
    expect(metadata.correlationId).not.toBe('trace-1');
  });
});
