import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from './client-authentication';
import { clientContext } from './client-context';
import type { ClientRecord } from './security-view';

const request = { id: 'req-1', ip: '10.0.0.1', method: 'POST', headers: {} } as unknown as FastifyRequest;
const authenticated = (clientId: string, method: AuthenticatedClient['method']): AuthenticatedClient => ({
  client: { clientId } as ClientRecord,
  method,
});

describe('clientContext', () => {
  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'names the client as the actor when it proved itself with its secret (%s)',
    (method) => {
      expect(clientContext(request, authenticated('web', method)).actor).toEqual({ kind: 'client', id: 'web' });
    },
  );

  it('records an anonymous actor, acting through the client, for a public client (no secret to prove)', () => {
    expect(clientContext(request, authenticated('spa', 'none')).actor).toEqual({ kind: 'anonymous', id: 'spa' });
  });
});
