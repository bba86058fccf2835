import { join, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/** The environment as the service reads it; each rule's message says how to fix the variable. */
class Environment {
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'HOST must not be empty' })
  HOST?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'DATA_DIR must not be empty' })
  DATA_DIR?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'ADMIN_API_KEY must be at least 32 characters (e.g. openssl rand -base64url 32)' })
  @MaxLength(512)
  ADMIN_API_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, {
    message: 'AUDIT_FINGERPRINT_SECRET must be at least 32 characters (e.g. openssl rand -base64url 32)',
  })
  @MaxLength(512)
  AUDIT_FINGERPRINT_SECRET?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, {
    message: 'PERSONAL_DATA_SECRET must be at least 32 characters (e.g. openssl rand -base64url 32)',
  })
  @MaxLength(512)
  PERSONAL_DATA_SECRET?: string;

  // Visible ASCII: what a bearer credential may hold (platform/auth/bearer-token.ts).
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{32,512}$/, {
    message: 'METRICS_TOKEN must be 32 to 512 visible ASCII characters (e.g. openssl rand -base64url 32)',
  })
  METRICS_TOKEN?: string;

  // The two connection strings are parsed by their own clients at boot (platform/storage.ts).
  @IsOptional()
  @IsString()
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional()
  @IsString()
  MONGODB_URI?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'ANONYMOUS_RATE_LIMIT_PER_MINUTE must be a whole number (0 turns the limit off)' })
  @Min(0)
  @Max(1_000_000)
  ANONYMOUS_RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'REGISTRATION_GRACE_SECONDS must be a whole number' })
  @Min(1)
  @Max(86_400)
  REGISTRATION_GRACE_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'STORE_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(120_000)
  STORE_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'REQUEST_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(1_000)
  @Max(600_000)
  REQUEST_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'KEEP_ALIVE_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(1_000)
  @Max(600_000)
  KEEP_ALIVE_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'MAX_CONNECTIONS must be a whole number' })
  @Min(1)
  @Max(100_000)
  MAX_CONNECTIONS?: number;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: LogLevel;

  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'ISSUER must be an http(s) URL' },
  )
  @Matches(/^[^?#]*[^/?#]$/, { message: 'ISSUER must have no query, fragment or trailing slash (RFC 8414 §2)' })
  ISSUER?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'ACCESS_TOKEN_TTL_SECONDS must be a whole number' })
  @Min(60)
  @Max(86_400)
  ACCESS_TOKEN_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'REFRESH_TOKEN_TTL_SECONDS must be a whole number' })
  @Min(300)
  @Max(31_536_000)
  REFRESH_TOKEN_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'AUTHORIZATION_CODE_TTL_SECONDS must be a whole number' })
  @Min(10)
  @Max(600)
  AUTHORIZATION_CODE_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'REFRESH_REUSE_GRACE_SECONDS must be a whole number (0, the default, allows no retry)' })
  @Min(0)
  @Max(60)
  REFRESH_REUSE_GRACE_SECONDS?: number;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'REQUIRE_PKCE must be true or false' })
  REQUIRE_PKCE?: 'true' | 'false';

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'GRANT_RETENTION_DAYS must be a whole number (0 keeps expired grants in the read model)' })
  @Min(0)
  @Max(3650)
  GRANT_RETENTION_DAYS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be a whole number (0 turns the schedule off)' })
  @Min(0)
  @Max(604_800)
  AUDIT_CHECKPOINT_INTERVAL_SECONDS?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'ACCESS_TOKEN_AUDIENCE must be 1 to 200 visible ASCII characters' })
  ACCESS_TOKEN_AUDIENCE?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'KEY_ACTIVATION_DELAY_SECONDS must be a whole number' })
  @Min(0)
  @Max(604_800)
  KEY_ACTIVATION_DELAY_SECONDS?: number;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Typed, validated configuration (architecture §3): built once at boot, injected everywhere. */
export class AppConfig {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly adminApiKey: string | undefined;
  /** The HMAC key of admin key fingerprints; undefined: a secret generated beside the signing keys. */
  readonly auditFingerprintSecret: string | undefined;
  /** Wraps the users' personal-data keys and names email reservations; undefined: a secret generated beside the signing keys. */
  readonly personalDataSecret: string | undefined;
  /** When set, `GET /metrics` answers only `Authorization: Bearer <this>`; unset, it is open. */
  readonly metricsToken: string | undefined;
  readonly eventStoreConnectionString: string | undefined;
  readonly mongodbUri: string | undefined;
  /** Deadline of every EventStoreDB and MongoDB call: past it the caller gets a 503, not a hung request. */
  readonly storeTimeoutMs: number;
  /** How long a seat or email may stay held for a user who never became active before it is given back. */
  readonly registrationGraceSeconds: number;
  /** Requests without client authentication allowed per IP and per client id each minute; 0: no limit. */
  readonly anonymousRateLimitPerMinute: number;
  readonly logLevel: LogLevel;
  /** A request whose headers and body have not all arrived within this is cut off (408): no stalled body holds a socket. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this many open at once are closed as soon as they are accepted. */
  readonly maxConnections: number;
  /** How long an admin write waits for its read model before answering 202 instead of 201/200. */
  readonly readYourWritesTimeoutMs = 5_000;
  /** The authorization server's identifier (RFC 8414 `issuer`, JWT `iss`). */
  readonly issuer: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly authorizationCodeTtlSeconds: number;
  /**
   * A retried refresh within this window after its rotation is answered, not treated as reuse. 0 by
   * default: any second use of a refresh token revokes its grant (RFC 9700 §4.14.2); opt-in only.
   */
  readonly refreshReuseGraceSeconds: number;
  /**
   * Whether every client must use PKCE (RFC 7636), confidential ones included; off by default, as
   * AIRisk integrations send no `code_challenge`; a client's own `requirePkce` asks it of that client.
   */
  readonly requirePkce: boolean;
  /** Days after expiry a grant leaves the `grants` read model (its events stay forever); 0: never. */
  readonly grantRetentionDays: number;
  /** How often the audit trail is sealed by a signed checkpoint; 0: only on demand. */
  readonly auditCheckpointIntervalSeconds: number;
  /** RFC 9068 `aud`: the resource server the access tokens are for. */
  readonly accessTokenAudience: string;
  /** A rotated signing key is published this long before it signs, so caches pick it up first. */
  readonly keyActivationDelaySeconds: number;

  private constructor(environment: Environment) {
    this.production = environment.NODE_ENV === 'production';
    this.port = environment.PORT ?? 3000;
    this.host = environment.HOST ?? '127.0.0.1';
    this.dataDir = resolve(environment.DATA_DIR ?? './data');
    this.adminApiKey = environment.ADMIN_API_KEY;
    this.auditFingerprintSecret = environment.AUDIT_FINGERPRINT_SECRET;
    this.personalDataSecret = environment.PERSONAL_DATA_SECRET;
    this.metricsToken = environment.METRICS_TOKEN;
    this.eventStoreConnectionString = environment.EVENTSTORE_CONNECTION_STRING;
    this.mongodbUri = environment.MONGODB_URI;
    this.storeTimeoutMs = environment.STORE_TIMEOUT_MS ?? 5_000;
    this.registrationGraceSeconds = environment.REGISTRATION_GRACE_SECONDS ?? 60;
    this.anonymousRateLimitPerMinute = environment.ANONYMOUS_RATE_LIMIT_PER_MINUTE ?? 3_000;
    this.logLevel = environment.LOG_LEVEL ?? 'info';
    this.requestTimeoutMs = environment.REQUEST_TIMEOUT_MS ?? 30_000;
    // Longer than the 60 s idle timeout of common load balancers, so the balancer, not this
    // service, closes an idle connection and never sends a request onto one being closed.
    this.keepAliveTimeoutMs = environment.KEEP_ALIVE_TIMEOUT_MS ?? 72_000;
    this.maxConnections = environment.MAX_CONNECTIONS ?? 1_000;
    const shownHost = this.host === '0.0.0.0' || this.host === '::' ? 'localhost' : this.host;
    this.issuer = environment.ISSUER ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${this.port}`;
    this.accessTokenTtlSeconds = environment.ACCESS_TOKEN_TTL_SECONDS ?? 3_600;
    this.refreshTokenTtlSeconds = environment.REFRESH_TOKEN_TTL_SECONDS ?? 2_592_000;
    this.authorizationCodeTtlSeconds = environment.AUTHORIZATION_CODE_TTL_SECONDS ?? 60;
    this.refreshReuseGraceSeconds = environment.REFRESH_REUSE_GRACE_SECONDS ?? 0;
    this.requirePkce = environment.REQUIRE_PKCE === 'true';
    // architecture §7: the next key is published before it signs; 5 minutes outlasts the JWKS's max-age.
    this.keyActivationDelaySeconds = environment.KEY_ACTIVATION_DELAY_SECONDS ?? 300;
    this.accessTokenAudience = environment.ACCESS_TOKEN_AUDIENCE ?? 'airisk-api';
    this.auditCheckpointIntervalSeconds = environment.AUDIT_CHECKPOINT_INTERVAL_SECONDS ?? 3_600;
    this.grantRetentionDays = environment.GRANT_RETENTION_DAYS ?? 30;
  }

  /** Fails fast, naming every variable that is wrong, before anything starts. */
  static fromEnvironment(variables: NodeJS.ProcessEnv): AppConfig {
    // Unset and empty mean the same: compose files pass `VAR=` for "not set".
    const present = Object.fromEntries(
      Object.entries(variables).filter(([, value]) => value !== undefined && value !== ''),
    );
    const environment = plainToInstance(Environment, present);
    const problems = validateSync(environment, { forbidUnknownValues: false }).flatMap((error) =>
      Object.values(error.constraints ?? {}),
    );
    if (environment.NODE_ENV === 'production' && !environment.ADMIN_API_KEY) {
      problems.push('ADMIN_API_KEY is required when NODE_ENV=production (no key is generated in production)');
    }
    if (environment.NODE_ENV === 'production' && !environment.ISSUER?.startsWith('https://')) {
      problems.push('ISSUER must be set to the public https URL of the service when NODE_ENV=production');
    }
    if (problems.length > 0) throw new ConfigurationError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    return new AppConfig(environment);
  }

  get eventStoreFile(): string {
    return join(this.dataDir, 'events.sqlite');
  }

  get readStoreFile(): string {
    return join(this.dataDir, 'read-models.sqlite');
  }

  /** The users' personal-data keys (embedded): a file of its own, which no read-model rebuild touches. */
  get personalDataKeysFile(): string {
    return join(this.dataDir, 'personal-data-keys.sqlite');
  }

  /** Grants that expired before this instant may be gone from the read model; undefined when kept forever. */
  grantsPrunedBefore(now = new Date()): string | undefined {
    if (this.grantRetentionDays === 0) return undefined;
    return new Date(now.getTime() - this.grantRetentionDays * 86_400_000).toISOString();
  }

  /** Signing keys (private keys, mode 0600): a volume or mounted secret in production. */
  get signingKeysDir(): string {
    return join(this.dataDir, 'signing-keys');
  }
}
