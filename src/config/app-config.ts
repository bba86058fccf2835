import { join, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
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
  @Matches(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\//, {
    message: 'EVENTSTORE_CONNECTION_STRING must be an esdb:// (or esdb+discover://) connection string',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional()
  @IsString()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: LogLevel;

  @IsOptional()
  @IsString()
  NODE_ENV?: string;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Typed, validated configuration (DESIGN §3): built once at boot, injected everywhere. */
export class AppConfig {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly adminApiKey: string | undefined;
  readonly eventStoreConnectionString: string | undefined;
  readonly mongodbUri: string | undefined;
  readonly logLevel: LogLevel;
  /** How long an admin write waits for its read model before answering 202 instead of 201/200. */
  readonly readYourWritesTimeoutMs = 5_000;

  private constructor(environment: Environment) {
    this.production = environment.NODE_ENV === 'production';
    this.port = environment.PORT ?? 3000;
    this.host = environment.HOST ?? '127.0.0.1';
    this.dataDir = resolve(environment.DATA_DIR ?? './data');
    this.adminApiKey = environment.ADMIN_API_KEY;
    this.eventStoreConnectionString = environment.EVENTSTORE_CONNECTION_STRING;
    this.mongodbUri = environment.MONGODB_URI;
    this.logLevel = environment.LOG_LEVEL ?? 'info';
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
    if (problems.length > 0) throw new ConfigurationError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    return new AppConfig(environment);
  }

  get eventStoreFile(): string {
    return join(this.dataDir, 'events.sqlite');
  }

  get readStoreFile(): string {
    return join(this.dataDir, 'read-models.sqlite');
  }
}
