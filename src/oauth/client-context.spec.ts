import type { FastifyRequest } from 'fastify';
import { clientContext } from './client-context';

const request = (fields: { method?: string; headers?: Record<string, string>; body?: unknown }) =>
  ({ id: 'req-1', ip: '10.0.0.1', method: 'POST', headers: {}, ...fields }) as unknown as FastifyRequest;

describe('clientContext', () => {
  it.each([
    ['HTTP Basic', { headers: { authorization: 'Basic d2ViOnNlY3JldA==' } }],
    ['client_secret in the body', { body: { client_id: 'web', client_secret: 'secret' } }],
  ])('names the client as the actor when the request presented its secret (%s)', (_, fields) => {
    expect(clientContext(request(fields), 'web').actor).toEqual({ kind: 'client', id: 'web' });
  });

  it.each([
    ['a public client (client_id alone)', { body: { client_id: 'spa' } }],
    ['an empty client_secret, read as none', { body: { client_id: 'spa', client_secret: '' } }],
    [
      'the authorization endpoint, even with credentials attached',
      { method: 'GET', headers: { authorization: 'Basic eDp5' } },
    ],
    ['a request without a body', {}],
  ])('records an anonymous actor, acting through the client, for %s', (_, fields) => {
    expect(clientContext(request(fields), 'spa').actor).toEqual({ kind: 'anonymous', id: 'spa' });
  });
});
