// The peer: panva's oidc-provider (the most-used Node.js authorization server), in-memory adapter,
// one confidential client with client_credentials. ACCESS_TOKEN_FORMAT=jwt signs ES256 JWTs (the
// issuance run); opaque tokens are what it can introspect (the introspection run).
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const format = process.env.ACCESS_TOKEN_FORMAT === 'jwt' ? 'jwt' : 'opaque';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      introspection_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:api',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: '', accessTokenFormat: format, jwt: { sign: { alg: 'ES256' } } }),
    },
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
