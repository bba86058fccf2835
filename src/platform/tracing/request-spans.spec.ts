import type { IncomingMessage } from 'node:http';
import { queryWithoutValues, serverSpanAttributes, untraced } from './request-spans';

const request = (url: string) => ({ url }) as IncomingMessage;

describe('server span attributes', () => {
  it('keeps the query parameter names and replaces every value', () => {
    expect(queryWithoutValues(request('/api/oauth2?client_id=abc&state=s3cr3t&state=again&code_challenge=x'))).toEqual({
      'url.query': 'client_id=REDACTED&state=REDACTED&state=REDACTED&code_challenge=REDACTED',
    });
  });

  it('leaves a request without a query alone', () => {
    expect(queryWithoutValues(request('/api/oauth2/token'))).toEqual({});
    expect(queryWithoutValues(request('/api/oauth2/token?'))).toEqual({});
  });

  it('records nothing of the requester: no address, no port, no user agent', () => {
    const attributes = serverSpanAttributes(request('/api/oauth2?state=s'));
    expect(attributes).toEqual({
      'url.query': 'state=REDACTED',
      'client.address': undefined,
      'network.peer.address': undefined,
      'network.peer.port': undefined,
      'user_agent.original': undefined,
    });
  });

  it('starts no trace for probes and scrapes, whatever their query, and one for everything else', () => {
    expect(untraced(request('/health/ready'))).toBe(true);
    expect(untraced(request('/health/live?x=1'))).toBe(true);
    expect(untraced(request('/metrics'))).toBe(true);
    expect(untraced(request('/api/oauth2/token'))).toBe(false);
    expect(untraced(request('/health'))).toBe(false);
  });
});
