import type { IncomingMessage } from 'node:http';
import { pathWithoutPseudonyms, queryWithoutValues, serverSpanAttributes, untraced } from './request-spans';

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

  it('names a pseudonymous stream in the path by its category, escaped or not, and leaves other paths to the instrumentation', () => {
    const hash = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    expect(pathWithoutPseudonyms(request(`/api/admin/audit/streams/useremail-${hash}?x=1`))).toEqual({
      'url.path': '/api/admin/audit/streams/useremail-…',
    });
    expect(pathWithoutPseudonyms(request(`/api/admin/audit/streams/user%65mail-${hash}`))).toEqual({
      'url.path': '/api/admin/audit/streams/useremail-…',
    });
    expect(pathWithoutPseudonyms(request('/api/admin/audit/streams/user-alice'))).toEqual({});
    expect(pathWithoutPseudonyms(request('/api/admin/users/%E0%A4%A'))).toEqual({});
  });

  it('starts no trace for probes and scrapes, whatever their query, and one for everything else', () => {
    expect(untraced(request('/health/ready'))).toBe(true);
    expect(untraced(request('/health/live?x=1'))).toBe(true);
    expect(untraced(request('/metrics'))).toBe(true);
    expect(untraced(request('/api/oauth2/token'))).toBe(false);
    expect(untraced(request('/health'))).toBe(false);
  });
});
