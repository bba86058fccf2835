import { deciderSpec } from '../../test/support/decider-spec';
import { DomainError } from '../platform/domain/domain-error';
import { type ClientCommand, clientDecider } from './client.decider';
import type { ClientEvent, ClientScope } from './client.events';

const registeredAt = '2026-11-01T00:00:00.000Z';
const now = '2026-11-27T10:00:00.000Z';
const hash = 'a'.repeat(64);

type Register = Extract<ClientCommand, { type: 'RegisterClient' }>;

function register(overrides: Partial<Register> = {}): Register {
  return {
    type: 'RegisterClient',
    clientId: 'cl1',
    companyId: 'c1',
    name: 'Portal',
    clientType: 'confidential',
    redirectUris: ['https://a.example/cb'],
    allowUserTokens: true,
    scopes: ['admin'],
    secretHash: hash,
    now,
    ...overrides,
  };
}

const registered: ClientEvent = {
  type: 'ClientRegistered',
  data: {
    clientId: 'cl1',
    companyId: 'c1',
    name: 'Portal',
    type: 'confidential',
    redirectUris: ['https://a.example/cb'],
    allowUserTokens: true,
    scopes: ['admin'],
    secretHash: hash,
    registeredAt,
  },
};

const publicRegistered: ClientEvent = {
  type: 'ClientRegistered',
  data: {
    ...registered.data,
    type: 'public',
    secretHash: null,
  },
};

const disabled: ClientEvent = { type: 'ClientDisabled', data: { clientId: 'cl1', disabledAt: registeredAt } };
const enabled: ClientEvent = { type: 'ClientEnabled', data: { clientId: 'cl1', enabledAt: registeredAt } };
const added = (uri: string): ClientEvent => ({
  type: 'RedirectUriAdded',
  data: { clientId: 'cl1', uri, addedAt: registeredAt },
});
const removed = (uri: string): ClientEvent => ({
  type: 'RedirectUriRemoved',
  data: { clientId: 'cl1', uri, removedAt: registeredAt },
});

const { given } = deciderSpec(clientDecider);

const addUri = (uri: string): ClientCommand => ({ type: 'AddRedirectUri', clientId: 'cl1', uri, now });
const removeUri = (uri: string): ClientCommand => ({ type: 'RemoveRedirectUri', clientId: 'cl1', uri, now });
const uriAdded = (uri: string): ClientEvent[] => [
  { type: 'RedirectUriAdded', data: { clientId: 'cl1', uri, addedAt: now } },
];
const uris = (n: number) => Array.from({ length: n }, (_, i) => `https://a.example/cb/${i}`);
/** An https URI of exactly `length` characters. */
const uriOfLength = (length: number) => {
  const prefix = 'https://a.example/';
  return prefix + 'p'.repeat(length - prefix.length);
};

describe('client decider', () => {
  describe('RegisterClient', () => {
    it('registers a confidential client with its name trimmed and scopes de-duplicated', () => {
      given()
        .when(register({ name: '  Portal ', scopes: ['admin', 'audit:read', 'admin'], allowUserTokens: false }))
        .then([
          {
            type: 'ClientRegistered',
            data: {
              clientId: 'cl1',
              companyId: 'c1',
              name: 'Portal',
              type: 'confidential',
              redirectUris: ['https://a.example/cb'],
              allowUserTokens: false,
              scopes: ['admin', 'audit:read'],
              secretHash: hash,
              requirePkce: false,
              registeredAt: now,
            },
          },
        ]);
    });

    it('records whether a confidential client must use PKCE, and that a public one always must', () => {
      const requirePkce = (fields: Partial<Register>) =>
        (given().when(register(fields)).decide()[0].data as { requirePkce: boolean }).requirePkce;
      expect(requirePkce({ requirePkce: true })).toBe(true);
      expect(requirePkce({ requirePkce: false })).toBe(false);
      const publicClient = { clientType: 'public' as const, secretHash: null, allowUserTokens: false, scopes: [] };
      expect(requirePkce(publicClient)).toBe(true);
      expect(requirePkce({ ...publicClient, requirePkce: false })).toBe(true);
    });

    it('registers a public client without a secret', () => {
      const [event] = given()
        .when(register({ clientType: 'public', secretHash: null, allowUserTokens: false, scopes: [] }))
        .decide();
      expect(event).toEqual(
        expect.objectContaining({
          type: 'ClientRegistered',
          data: expect.objectContaining({ type: 'public', secretHash: null }),
        }),
      );
    });

    it('copies the redirect URIs rather than keeping the caller’s array', () => {
      const redirectUris = ['https://a.example/cb'];
      const [event] = given().when(register({ redirectUris })).decide();
      redirectUris.push('https://b.example/cb');
      expect((event.data as { redirectUris: string[] }).redirectUris).toEqual(['https://a.example/cb']);
    });

    it('accepts a client with no redirect URIs and no scopes', () => {
      const [event] = given()
        .when(register({ redirectUris: [], scopes: [] }))
        .decide();
      expect(event.data).toEqual(expect.objectContaining({ redirectUris: [], scopes: [] }));
    });

    it('refuses to register a client twice', () => {
      given(registered)
        .when(register({ name: 'Other' }))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'client_exists' }));
    });

    it.each<[string, Partial<Register>, string]>([
      ['a blank name', { name: '   ' }, 'invalid_client_name'],
      ['an over-long name', { name: 'x'.repeat(201) }, 'invalid_client_name'],
      ['an unknown scope', { scopes: ['admin', 'superuser' as ClientScope] }, 'invalid_scope'],
      [
        'a public client with a secret',
        { clientType: 'public' as const, secretHash: hash, scopes: [], allowUserTokens: false },
        'invalid_client_secret',
      ],
      [
        'a public client with scopes',
        { clientType: 'public' as const, secretHash: null, allowUserTokens: false },
        'public_client_privileges',
      ],
      [
        'a public client allowed user tokens',
        { clientType: 'public' as const, secretHash: null, scopes: [] },
        'public_client_privileges',
      ],
      [
        'a confidential client without a secret',
        { clientType: 'confidential' as const, secretHash: null },
        'invalid_client_secret',
      ],
    ])('refuses %s', (_, fields, code) => {
      const attempt = given().when(register(fields));
      attempt.thenRefuses(DomainError);
      attempt.thenRefuses(expect.objectContaining({ kind: 'invalid', code }));
    });

    it('accepts a name of exactly 200 characters', () => {
      expect(
        given()
          .when(register({ name: 'x'.repeat(200) }))
          .decide(),
      ).toHaveLength(1);
    });

    it.each([
      ['https', 'https://a.example/cb'],
      ['https with port, path and query', 'https://a.example:8443/oauth/cb?x=1'],
      ['http on localhost', 'http://localhost/cb'],
      ['http on localhost with a port', 'http://localhost:8080/cb'],
      ['http on 127.0.0.1', 'http://127.0.0.1/cb'],
      ['http on another 127.x.x.x address', 'http://127.10.20.30:9000/cb'],
      ['http on [::1]', 'http://[::1]:8080/cb'],
      ['exactly 2048 characters', uriOfLength(2048)],
    ])('accepts a redirect URI: %s', (_, uri) => {
      const [event] = given()
        .when(register({ redirectUris: [uri] }))
        .decide();
      expect(event.data).toEqual(expect.objectContaining({ redirectUris: [uri] }));
    });

    it.each([
      ['http on a public host', 'http://a.example/cb'],
      ['http on a host that merely starts with localhost', 'http://localhost.evil.example/cb'],
      ['http on a host that merely ends with localhost', 'http://evillocalhost/cb'],
      ['http on an IPv6 address other than ::1', 'http://[::2]/cb'],
      ['http on a host that merely starts with 127.0.0.1', 'http://127.0.0.1.evil.example/cb'],
      ['http on another private address', 'http://10.0.0.1/cb'],
      ['a non-http scheme', 'ftp://a.example/cb'],
      ['a fragment', 'https://a.example/cb#frag'],
      ['an empty fragment', 'https://a.example/cb#'],
      ['a relative path', '/cb'],
      ['a relative reference without a scheme', 'a.example/cb'],
      ['credentials', 'https://user:pass@a.example/cb'],
      ['a user name only', 'https://user@a.example/cb'],
      ['whitespace', 'https://a.example/c b'],
      ['a control character', 'https://a.example/cb\n'],
      ['no characters', ''],
      ['more than 2048 characters', uriOfLength(2049)],
    ])('refuses a redirect URI with %s', (_, uri) => {
      given()
        .when(register({ redirectUris: [uri] }))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_redirect_uri' }));
    });

    it('refuses an invalid URI anywhere in the list, not only the first', () => {
      given()
        .when(register({ redirectUris: ['https://a.example/cb', 'http://a.example/cb'] }))
        .thenRefuses(expect.objectContaining({ code: 'invalid_redirect_uri' }));
    });

    it('accepts 20 redirect URIs and refuses 21', () => {
      expect(
        given()
          .when(register({ redirectUris: uris(20) }))
          .decide(),
      ).toHaveLength(1);
      given()
        .when(register({ redirectUris: uris(21) }))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'too_many_redirect_uris' }));
    });

    it('refuses duplicate redirect URIs', () => {
      given()
        .when(register({ redirectUris: ['https://a.example/cb', 'https://a.example/cb'] }))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'duplicate_redirect_uri' }));
    });

    it('compares redirect URIs as exact strings: a trailing slash makes a different URI', () => {
      const redirectUris = ['https://a.example/cb', 'https://a.example/cb/'];
      const [event] = given().when(register({ redirectUris })).decide();
      expect(event.data).toEqual(expect.objectContaining({ redirectUris }));
    });

    it('stores redirect URIs exactly as given, query order and escapes included', () => {
      const uri = 'https://a.example/cb?b=2&a=1&c=%7E&d';
      const [event] = given()
        .when(register({ redirectUris: [uri] }))
        .decide();
      expect(event.data).toEqual(expect.objectContaining({ redirectUris: [uri] }));
    });

    it.each([
      ['a scheme without slashes', 'https:evil.example/cb'],
      ['a backslash for a slash', 'https://a.example\\cb'],
      ['a hexadecimal IPv4 host', 'http://0x7f.1/cb'],
      ['a shortened IPv4 host', 'http://127.1/cb'],
      ['an upper-case scheme', 'HTTPS://a.example/cb'],
      ['an upper-case host', 'https://A.example/cb'],
      ['the default port', 'https://a.example:443/cb'],
      ['no path at all', 'https://a.example'],
      ['dot segments', 'https://a.example/x/../cb'],
      ['an unencoded character in the query', 'https://a.example/cb?q="x"'],
      ['a non-ASCII host', 'https://bücher.example/cb'],
      ['a long form of [::1]', 'http://[0:0::1]/cb'],
    ])('refuses a redirect URI not written as serialized: %s', (_, uri) => {
      const attempt = given().when(register({ redirectUris: [uri] }));
      attempt.thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_redirect_uri' }));
      attempt.thenRefuses(new URL(uri).href);
    });

    it.each(['code', 'state', 'iss', 'error', 'error_description', 'error_uri'])(
      'refuses a redirect URI whose query carries the response parameter %s (it would be sent twice)',
      (name) => {
        for (const uri of [`https://a.example/cb?${name}=x`, `https://a.example/cb?a=1&${name}`]) {
          given()
            .when(register({ redirectUris: [uri] }))
            .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_redirect_uri' }));
        }
      },
    );

    it('reads response parameters in the query as a client would, percent-decoded', () => {
      given()
        .when(register({ redirectUris: ['https://a.example/cb?co%64e=1'] }))
        .thenRefuses(expect.objectContaining({ code: 'invalid_redirect_uri' }));
    });

    it('accepts query parameters that merely resemble response parameters', () => {
      const uri = 'https://a.example/cb?codes=1&my_state=2&issuer=3';
      expect(
        given()
          .when(register({ redirectUris: [uri] }))
          .decide(),
      ).toHaveLength(1);
    });
  });

  describe('AddRedirectUri', () => {
    it('adds a valid redirect URI', () => {
      given(registered).when(addUri('https://b.example/cb')).then(uriAdded('https://b.example/cb'));
    });

    it('adds a loopback http redirect URI', () => {
      given(registered).when(addUri('http://127.0.0.1:5000/cb')).then(uriAdded('http://127.0.0.1:5000/cb'));
    });

    it('adds a URI that differs from an existing one only by a trailing slash', () => {
      given(registered).when(addUri('https://a.example/cb/')).then(uriAdded('https://a.example/cb/'));
    });

    it.each([
      ['http on a public host', 'http://a.example/cb'],
      ['a fragment', 'https://b.example/cb#x'],
      ['a relative URI', 'cb'],
      ['credentials', 'https://u:p@b.example/cb'],
      ['more than 2048 characters', uriOfLength(2049)],
      ['a spelling other than its serialization', 'https://B.example/cb'],
      ['a response parameter in its query', 'https://b.example/cb?state=fixed'],
    ])('refuses %s', (_, uri) => {
      given(registered)
        .when(addUri(uri))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_redirect_uri' }));
    });

    it('refuses a redirect URI the client already has', () => {
      given(registered)
        .when(addUri('https://a.example/cb'))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'redirect_uri_exists' }));
    });

    it('sees URIs added by earlier events', () => {
      given(registered, added('https://b.example/cb'))
        .when(addUri('https://b.example/cb'))
        .thenRefuses(expect.objectContaining({ code: 'redirect_uri_exists' }));
    });

    it('allows re-adding a URI that was removed', () => {
      given(registered, removed('https://a.example/cb'))
        .when(addUri('https://a.example/cb'))
        .then(uriAdded('https://a.example/cb'));
    });

    it('adds up to 20 redirect URIs and refuses a 21st', () => {
      const nineteenMore = uris(19).map(added);
      given(registered, ...nineteenMore.slice(0, 18))
        .when(addUri('https://b.example/cb'))
        .then(uriAdded('https://b.example/cb'));
      given(registered, ...nineteenMore)
        .when(addUri('https://b.example/cb'))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'too_many_redirect_uris' }));
    });

    it('frees room for a new URI once one is removed', () => {
      const full = [registered, ...uris(19).map(added)];
      given(...full, removed('https://a.example/cb'))
        .when(addUri('https://b.example/cb'))
        .then(uriAdded('https://b.example/cb'));
    });
  });

  describe('RemoveRedirectUri', () => {
    it('removes a redirect URI the client has', () => {
      given(registered)
        .when(removeUri('https://a.example/cb'))
        .then([{ type: 'RedirectUriRemoved', data: { clientId: 'cl1', uri: 'https://a.example/cb', removedAt: now } }]);
    });

    it('refuses to remove a redirect URI the client does not have', () => {
      given(registered)
        .when(removeUri('https://b.example/cb'))
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'redirect_uri_not_found' }));
    });

    it('compares exactly: a trailing slash does not match', () => {
      given(registered)
        .when(removeUri('https://a.example/cb/'))
        .thenRefuses(expect.objectContaining({ code: 'redirect_uri_not_found' }));
    });

    it('sees a removal by an earlier event', () => {
      given(registered, removed('https://a.example/cb'))
        .when(removeUri('https://a.example/cb'))
        .thenRefuses(expect.objectContaining({ code: 'redirect_uri_not_found' }));
    });

    it('removes a URI added by an earlier event', () => {
      given(registered, added('https://b.example/cb'))
        .when(removeUri('https://b.example/cb'))
        .then([{ type: 'RedirectUriRemoved', data: { clientId: 'cl1', uri: 'https://b.example/cb', removedAt: now } }]);
    });
  });

  describe('RotateClientSecret', () => {
    const rotate: ClientCommand = { type: 'RotateClientSecret', clientId: 'cl1', secretHash: 'b'.repeat(64), now };

    it('rotates a confidential client’s secret', () => {
      given(registered)
        .when(rotate)
        .then([{ type: 'ClientSecretRotated', data: { clientId: 'cl1', secretHash: 'b'.repeat(64), rotatedAt: now } }]);
    });

    it('rotates again after an earlier rotation', () => {
      const rotated: ClientEvent = {
        type: 'ClientSecretRotated',
        data: { clientId: 'cl1', secretHash: 'c'.repeat(64), rotatedAt: registeredAt },
      };
      expect(given(registered, rotated).when(rotate).decide()).toHaveLength(1);
    });

    it('refuses to rotate a public client’s secret', () => {
      given(publicRegistered)
        .when(rotate)
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'public_client' }));
    });
  });

  describe('SetPkceRequirement', () => {
    const setPkce = (requirePkce: boolean): ClientCommand => ({
      type: 'SetPkceRequirement',
      clientId: 'cl1',
      requirePkce,
      now,
    });
    const changed = (requirePkce: boolean): ClientEvent => ({
      type: 'ClientPkceRequirementChanged',
      data: { clientId: 'cl1', requirePkce, changedAt: now },
    });

    it('requires PKCE of a confidential client registered before the field existed (absent: not required)', () => {
      given(registered)
        .when(setPkce(true))
        .then([changed(true)]);
      given(registered).when(setPkce(false)).then([]);
    });

    it('records nothing when the requirement does not change, and lifts it again', () => {
      given(registered, changed(true)).when(setPkce(true)).then([]);
      given(registered, changed(true))
        .when(setPkce(false))
        .then([changed(false)]);
    });

    it('keeps a public client on PKCE: requiring it changes nothing, lifting it is refused', () => {
      given(publicRegistered).when(setPkce(true)).then([]);
      given(publicRegistered)
        .when(setPkce(false))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'public_client' }));
    });
  });

  describe('DisableClient and EnableClient', () => {
    const disable: ClientCommand = { type: 'DisableClient', clientId: 'cl1', now };
    const enable: ClientCommand = { type: 'EnableClient', clientId: 'cl1', now };

    it('disables an active client', () => {
      given(registered)
        .when(disable)
        .then([{ type: 'ClientDisabled', data: { clientId: 'cl1', disabledAt: now } }]);
    });

    it('records nothing when disabling a disabled client', () => {
      given(registered, disabled).when(disable).then([]);
    });

    it('enables a disabled client', () => {
      given(registered, disabled)
        .when(enable)
        .then([{ type: 'ClientEnabled', data: { clientId: 'cl1', enabledAt: now } }]);
    });

    it('records nothing when enabling an active client', () => {
      given(registered).when(enable).then([]);
    });

    it('folds disable then enable back to active', () => {
      given(registered, disabled, enabled).when(enable).then([]);
      expect(given(registered, disabled, enabled).when(disable).decide()).toHaveLength(1);
    });

    it('keeps the redirect URIs across disable and enable', () => {
      given(registered, disabled, enabled)
        .when(addUri('https://a.example/cb'))
        .thenRefuses(expect.objectContaining({ code: 'redirect_uri_exists' }));
    });
  });

  describe('a client that does not exist', () => {
    it.each<ClientCommand>([
      { type: 'AddRedirectUri', clientId: 'cl9', uri: 'https://a.example/cb', now },
      { type: 'RemoveRedirectUri', clientId: 'cl9', uri: 'https://a.example/cb', now },
      { type: 'RotateClientSecret', clientId: 'cl9', secretHash: hash, now },
      { type: 'DisableClient', clientId: 'cl9', now },
      { type: 'EnableClient', clientId: 'cl9', now },
      { type: 'SetPkceRequirement', clientId: 'cl9', requirePkce: true, now },
    ])('refuses $type', (command) => {
      given()
        .when(command)
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'client_not_found' }));
    });
  });
});
