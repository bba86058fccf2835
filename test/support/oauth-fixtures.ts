import { createHash, randomBytes } from 'node:crypto';
import { EventStore } from '../../src/platform/event-store/event-store';
import { formatPosition, parsePosition } from '../../src/platform/event-store/position';
import type { JsonResponse, RunningApp } from './running-app';
import { AppConfig } from '../../src/config/app-config';
import { CodeSealingKey } from '../../src/keys/code-sealing-key';
import { SealedCodes } from '../../src/oauth/authorize/sealed-codes';

/** Test bodies are whatever JSON the service sent; assertions check their shape. */
export type Json = any;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Codes and refresh tokens: `<grantId>.<256 random bits, base64url>`. */
export const OPAQUE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/;
/** An authorization code: sealed by the service (AES-256-GCM), opaque to everyone else. */
export const SEALED_CODE = /^ac1\.[A-Za-z0-9_-]{200,}$/;
export const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** JSON of anything the stores hold, positions (bigint) included. */
export const serialize = (value: unknown) =>
  JSON.stringify(value, (_, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));

export interface Client {
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly companyId: string;
  readonly redirectUris: string[];
  readonly type: 'confidential' | 'public';
}

export interface TokenSet {
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly expiration: string;
  readonly expires_in: number;
  readonly token_type: string;
  readonly scope?: string;
}

/** A decoded JWT: header and payload, signature unchecked. */
export function decodeJwt(token: string): { header: Json; payload: Json } {
  const [header, payload] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  return { header: decode(header), payload: decode(payload) };
}

/** RFC 7636: a fresh verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}

/** The grant a code or refresh token names (the part before the '.'). */
export const grantIdOf = (opaque: string) => opaque.slice(0, opaque.indexOf('.'));

/**
 * The grant an authorization code starts. A code is sealed, so nobody outside the service can tell;
 * the test opens it with the service's own key, from the service's data directory.
 */
export function grantIdOfCode(dataDir: string, code: string): string {
  const binding = new SealedCodes(new CodeSealingKey(AppConfig.fromEnvironment({ DATA_DIR: dataDir }))).open(code);
  if (!binding) throw new Error('not a code this service sealed');
  return binding.grantId;
}

/** What the authorize endpoint answered: the status, and where (if anywhere) it sent the browser. */
export interface AuthorizeAnswer {
  readonly response: JsonResponse;
  readonly status: number;
  readonly location: URL | null;
  /** The redirect's query parameters, each once. */
  readonly params: Record<string, string>;
}

/**
 * Everything the OAuth tests need against one running app: admin setup through the admin API,
 * the protocol endpoints over plain HTTP, and a record of every credential the service handed out
 * (codes, tokens, secrets) so a test can look for them where they must never be.
 */
export class OAuthFixture {
  readonly issued: string[] = [];

  constructor(readonly service: RunningApp) {}

  head = async () => formatPosition(await this.service.app.get(EventStore).headPosition());

  /** Types of the events appended since `position` (a `head()` value). */
  async typesSince(position: string): Promise<string[]> {
    const events = await this.service.app.get(EventStore).readAll({ after: parsePosition(position), limit: 1000 });
    return events.map((event) => event.type);
  }

  async admin(method: string, path: string, body?: unknown): Promise<Json> {
    const response = await this.service.request(path, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async company(name: string, userLicenses = 20): Promise<string> {
    return (await this.admin('POST', '/api/admin/companies', { name, userLicenses })).id;
  }

  async agent(companyId: string, name: string): Promise<string> {
    return (await this.admin('POST', `/api/admin/companies/${companyId}/agents`, { name })).agentId;
  }

  async client(
    companyId: string,
    options: {
      redirectUris?: string[];
      type?: 'confidential' | 'public';
      allowUserTokens?: boolean;
      scopes?: string[];
    } = {},
  ): Promise<Client> {
    const body = {
      companyId,
      name: `client ${randomBytes(4).toString('hex')}`,
      redirectUris: options.redirectUris ?? ['https://app.example.com/oauth/callback'],
      ...(options.type ? { type: options.type } : {}),
      ...(options.allowUserTokens !== undefined ? { allowUserTokens: options.allowUserTokens } : {}),
      ...(options.scopes ? { scopes: options.scopes } : {}),
    };
    const created = await this.admin('POST', '/api/admin/clients', body);
    if (created.clientSecret) this.issued.push(created.clientSecret);
    return {
      clientId: created.clientId,
      clientSecret: created.clientSecret,
      companyId,
      redirectUris: created.redirectUris,
      type: created.type,
    };
  }

  async user(
    companyId: string,
    user: { id?: string; firstName: string; lastName: string; role?: string; email?: string },
  ): Promise<Json> {
    const { id, firstName, lastName, role = 'user' } = user;
    const email = user.email ?? `${firstName}.${lastName}.${randomBytes(3).toString('hex')}@example.com`.toLowerCase();
    return this.admin('POST', '/api/admin/users', {
      ...(id ? { id } : {}),
      companyId,
      email,
      firstName,
      lastName,
      role,
    });
  }

  /** `GET /api/oauth2` without following the redirect. */
  async authorize(params: Record<string, string | string[] | undefined>): Promise<AuthorizeAnswer> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) query.append(name, one);
    }
    const response = (await fetch(`${this.service.baseUrl}/api/oauth2?${query}`, {
      redirect: 'manual',
    })) as JsonResponse;
    const header = response.headers.get('location');
    const location = header ? new URL(header) : null;
    const params_: Record<string, string> = {};
    location?.searchParams.forEach((value, name) => {
      if (name in params_) throw new Error(`${name} appears twice in ${header}`);
      params_[name] = value;
    });
    if (params_.code) this.issued.push(params_.code);
    return { response, status: response.status, location, params: params_ };
  }

  /** A fresh authorization code for `client` (generic unless `userid`), with the redirect checked. */
  async code(client: Client, extra: Record<string, string> = {}): Promise<string> {
    const answer = await this.authorize({ client_id: client.clientId, redirect_uri: client.redirectUris[0], ...extra });
    if (answer.status !== 302 || !answer.params.code) {
      throw new Error(`authorize → ${answer.status} ${answer.location} ${await answer.response.text()}`);
    }
    return answer.params.code;
  }

  /** `POST` to an OAuth endpoint, JSON by default, form-encoded with `form: true`. */
  async post(
    path: string,
    body: Record<string, unknown>,
    options: { form?: boolean; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse> {
    const init: RequestInit = options.form
      ? { body: new URLSearchParams(body as Record<string, string>) }
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
    const response = (await fetch(`${this.service.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...options.headers },
    })) as JsonResponse;
    return response;
  }

  /** The token endpoint; successful answers' tokens are recorded. */
  async token(
    body: Record<string, unknown>,
    options: { form?: boolean; headers?: Record<string, string>; path?: string } = {},
  ): Promise<{ response: JsonResponse; body: Json }> {
    const response = await this.post(options.path ?? '/api/oauth2/token', body, options);
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (response.status === 200) {
      this.issued.push(parsed.access_token);
      if (parsed.refresh_token) this.issued.push(parsed.refresh_token);
    }
    return { response, body: parsed };
  }

  credentials(client: Client): Record<string, string> {
    return client.clientSecret
      ? { client_id: client.clientId, client_secret: client.clientSecret }
      : { client_id: client.clientId };
  }

  /** The AIRisk exchange: no grant_type, credentials in the body; must succeed. */
  async redeem(client: Client, code: string, extra: Record<string, string> = {}): Promise<TokenSet> {
    const { response, body } = await this.token({
      ...this.credentials(client),
      code,
      redirect_uri: client.redirectUris[0],
      ...extra,
    });
    if (response.status !== 200) throw new Error(`token → ${response.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Code and tokens in one go. */
  async tokens(client: Client, userid?: string): Promise<TokenSet> {
    const extra: Record<string, string> = userid ? { userid } : {};
    return this.redeem(client, await this.code(client, extra), extra);
  }

  async refresh(client: Client, refreshToken: string): Promise<{ response: JsonResponse; body: Json }> {
    return this.token({ ...this.credentials(client), grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** RFC 7662, as `caller`; the answer's body. */
  async introspect(caller: Client, token: string): Promise<Json> {
    const response = await this.post('/api/oauth2/introspect', { ...this.credentials(caller), token });
    if (response.status !== 200) throw new Error(`introspect → ${response.status} ${await response.text()}`);
    return response.json();
  }

  async revoke(caller: Client, token: string): Promise<JsonResponse> {
    return this.post('/api/oauth2/revoke', { ...this.credentials(caller), token });
  }

  /** `GET` the AIRisk ListUsers resource with a bearer token (or any Authorization header). */
  async listUsers(authorization: string | undefined, path = '/api/Users/ListUsers'): Promise<JsonResponse> {
    return await fetch(`${this.service.baseUrl}${path}`, {
      redirect: 'manual',
      headers: authorization === undefined ? {} : { authorization },
    });
  }
}
