import { isRegisteredRedirectUri } from './redirect-uri';

describe('isRegisteredRedirectUri', () => {
  const registered = [
    'https://app.example/cb?tenant=a',
    'http://127.0.0.1:5000/cb',
    'http://[::1]/cb',
    'http://localhost:8080/cb',
  ];
  const given = (uris: readonly string[]) => ({
    when: (requested: string) => isRegisteredRedirectUri(uris, requested),
  });

  it.each(registered)('matches a registered URI exactly: %s', (uri) => {
    expect(given(registered).when(uri)).toBe(true);
  });

  it.each([
    ['another port on 127.0.0.1', 'http://127.0.0.1:61234/cb'],
    ['no port on 127.0.0.1', 'http://127.0.0.1/cb'],
    ['a port on [::1], registered without one', 'http://[::1]:49152/cb'],
  ])('matches an http loopback IP literal with any port (RFC 8252 §7.3): %s', (_, uri) => {
    expect(given(registered).when(uri)).toBe(true);
  });

  it.each([
    ['localhost on another port (RFC 8252 §8.3: exact matching)', 'http://localhost:9090/cb'],
    ['another path on a loopback IP', 'http://127.0.0.1:61234/other'],
    ['another loopback address', 'http://127.0.0.2:5000/cb'],
    ['a query added on a loopback IP', 'http://127.0.0.1:61234/cb?x=1'],
    ['https on a loopback IP registered as http', 'https://127.0.0.1:5000/cb'],
    ['a loopback IP with the port written unlike its serialization', 'http://127.0.0.1:05000/cb'],
    ['a loopback IP spelled otherwise', 'http://127.1:5000/cb'],
    ['another port on an https host', 'https://app.example:8443/cb?tenant=a'],
    ['a query variant', 'https://app.example/cb?tenant=b'],
    ['a case variant', 'https://APP.example/cb?tenant=a'],
    ['no URI at all', 'not a uri'],
  ])('refuses %s', (_, uri) => {
    expect(given(registered).when(uri)).toBe(false);
  });

  it('does not extend the any-port rule to a registered loopback URI not written as serialized', () => {
    expect(given(['http://127.0.0.1:5000/a/../cb']).when('http://127.0.0.1:6000/cb')).toBe(false);
    expect(given(['http://127.0.0.1:5000/a/../cb']).when('http://127.0.0.1:5000/a/../cb')).toBe(true);
  });
});
