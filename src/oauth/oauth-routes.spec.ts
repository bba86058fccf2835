import Fastify from 'fastify';
import { INTROSPECTION_RESPONSE, TOKEN_RESPONSE } from './oauth-routes';

/** The bytes Fastify sends for `answer` on a route whose 200 answer has `schema`. */
async function serialized(schema: object, answer: object): Promise<string> {
  const fastify = Fastify();
  fastify.post('/', { schema: { response: { 200: schema } } }, () => answer);
  const response = await fastify.inject({ method: 'POST', url: '/' });
  await fastify.close();
  return response.body;
}

describe('the OAuth answers serialized from their schemas', () => {
  const token = {
    access_token: 'eyJ.eyJ.sig',
    token_type: 'Bearer',
    expires_in: 3600,
    expiration: '2026-01-01T00:00:00Z',
  };

  it.each([
    ['a generic token', { ...token, scope: undefined, refresh_token: undefined }],
    ['a token with scope and refresh token', { ...token, scope: 'admin audit:read', refresh_token: 'g.r' }],
  ])('writes %s exactly as JSON.stringify does', async (_, answer) => {
    expect(await serialized(TOKEN_RESPONSE, answer)).toBe(JSON.stringify(answer));
  });

  const accessToken = {
    active: true,
    token_type: 'Bearer',
    sub: 'user-1',
    client_id: 'client-1',
    scope: 'admin',
    exp: 1_767_225_600,
    iat: 1_767_222_000,
    jti: 'grant-1.abc',
    iss: 'https://identity.example',
    aud: 'airisk-api',
    company_id: 'company-1',
    userid: 'user-1',
  };

  it.each([
    ['an inactive token', { active: false }],
    ['a user access token', accessToken],
    ['a generic access token without scope', { ...accessToken, scope: undefined, userid: undefined }],
    [
      'a refresh token',
      {
        active: true,
        token_type: 'refresh_token',
        sub: 'user-1',
        client_id: 'client-1',
        scope: 'admin',
        exp: 1_767_225_600,
        company_id: 'company-1',
        userid: 'user-1',
      },
    ],
  ])('writes %s exactly as JSON.stringify does', async (_, answer) => {
    expect(await serialized(INTROSPECTION_RESPONSE, answer)).toBe(JSON.stringify(answer));
  });
});
