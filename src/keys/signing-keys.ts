import { KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore, Subscription } from '../platform/event-store/event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { Backoff } from '../platform/health/backoff';
import { generateSigningKey, KeyDirectory, LoadedKey } from './key-directory';
import { SIGNING_KEYS_STREAM, signingKeyDecider } from './signing-key.decider';
import { PublishedJwk, signingKeyEvents } from './signing-key.events';
import { errorMessage } from '../platform/logging/error-message';

/**
 * What the JWT code signs with. A JWS ES256 signature is `r || s` (RFC 7518 §3.4): with
 * `node:crypto` directly, sign and verify with `dsaEncoding: 'ieee-p1363'`, not the DER default.
 */
export interface Signer {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly privateKey: KeyObject;
}

/** RFC 7517 §5. */
export interface JsonWebKeySet {
  readonly keys: readonly PublishedJwk[];
}

export interface Rotation {
  readonly kid: string;
  readonly activatesAt: string;
  readonly position: Position;
}

interface Key extends LoadedKey {
  readonly signer: Signer;
  /** When the next key activates plus the access-token lifetime: its last token has expired. */
  readonly unpublishedAt: number;
}

/** The published set is constant on `[from, until)`: the JWKS body is rebuilt only outside it. */
interface Publication {
  readonly from: number;
  readonly until: number;
  readonly set: JsonWebKeySet;
  readonly json: string;
}

/** Backstop for anything the rotation events do not announce (see `onModuleInit`). */
const RELOAD_INTERVAL_MS = 30_000;
const PICK_UP_ATTEMPTS = 10;
const PICK_UP_RETRY_MS = 100;

/**
 * The signing keys (architecture §7): files in `config.signingKeysDir`, parsed once into `KeyObject`s.
 * Keys are ordered by activation; the newest active one signs. A rotated key is published before
 * it signs (`keyActivationDelaySeconds`), and a superseded key stays published until every token
 * it may have signed has expired (`accessTokenTtlSeconds` after it was superseded).
 */
@Injectable()
export class SigningKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('signing-keys');
  private readonly directory: KeyDirectory;
  private loaded = new Map<string, LoadedKey>();
  /** Oldest activation first. */
  private keys: Key[] = [];
  private byKid = new Map<string, Key>();
  private publication?: Publication;
  private subscription?: Subscription;
  private following?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: AppConfig,
    private readonly events: EventStore,
  ) {
    this.directory = new KeyDirectory(config.signingKeysDir);
    this.directory.ensure();
    // At boot a malformed key file stops the service: signing with a surprise key is worse.
    this.adopt(this.directory.loadAll());
    if (this.keys.length === 0) this.createFirstKey();
  }

  /** The key to sign with now: the most recently activated one. */
  current(now: Date = new Date()): Signer {
    const time = now.getTime();
    for (let index = this.keys.length - 1; index >= 0; index--) {
      if (this.keys[index].activatesAt <= time) return this.keys[index].signer;
    }
    // Only when this clock is behind the instance that created the first key: that key is published.
    return this.keys[0].signer;
  }

  /** The key a token names in its `kid`, while it is published; undefined otherwise (reject the token). */
  publicKey(kid: string, now: Date = new Date()): KeyObject | undefined {
    const key = this.byKid.get(kid);
    return key && now.getTime() < key.unpublishedAt ? key.publicKey : undefined;
  }

  /**
   * Any key this service has held, published or long retired: for checking its own old signatures
   * (audit checkpoints), never for accepting tokens.
   */
  verificationKey(kid: string): KeyObject | undefined {
    return this.byKid.get(kid)?.publicKey;
  }

  /** Staged, current and recently superseded keys, newest first; public members only (RFC 7517 §5). */
  jwks(now: Date = new Date()): JsonWebKeySet {
    return this.published(now.getTime()).set;
  }

  /** `jwks()` as the JSON body served at `/.well-known/jwks.json`, from memory. */
  jwksJson(now: Date = new Date()): string {
    return this.published(now.getTime()).json;
  }

  /**
   * Generates a key that signs after `keyActivationDelaySeconds` and records `SigningKeyRotated`.
   * The key file is staged first and put in place only once the event is appended, so no key ever
   * signs without its rotation on record; a refused or conflicting rotation leaves no file behind.
   */
  async rotate(context: RequestContext, now: Date = new Date()): Promise<Rotation> {
    this.reload(); // another instance may have rotated: supersede the key that really signs now
    const activatesAt = new Date(now.getTime() + this.config.keyActivationDelaySeconds * 1000);
    const { record, key } = generateSigningKey(now, activatesAt);
    const staged = this.directory.stage(record);
    let position: Position | undefined;
    try {
      ({ position } = await decideOnStream(this.events, SIGNING_KEYS_STREAM, signingKeyDecider, {
        command: {
          type: 'RotateSigningKey',
          kid: key.kid,
          publicJwk: key.jwk,
          activatesAt: record.activatesAt,
          previousKid: this.current(now).kid,
          now: now.toISOString(),
        },
        metadata: eventMetadata(context, now),
      }));
    } catch (error) {
      staged.discard();
      throw error;
    }
    try {
      staged.commit();
    } catch (error) {
      this.logger.error(`rotation to ${key.kid} is recorded but its key file could not be put in place`);
      throw error;
    }
    this.adopt(new Map([...this.loaded, [key.kid, key]]));
    return { kid: key.kid, activatesAt: record.activatesAt, position: position! };
  }

  /**
   * Other instances learn of a rotation from its `SigningKeyRotated` event (under a second, before
   * the key signs when there is an activation delay) and re-read the directory. A 30 s re-read is
   * the backstop for what no event announces: two instances creating a first key at once, a key
   * installed in a mounted secret, an event store that is away.
   */
  onModuleInit(): void {
    this.following = this.follow();
    this.timer = setInterval(() => this.reload(), RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopping.abort();
    await this.subscription?.close();
    await this.following;
  }

  /**
   * Follows rotations from the head as it is when the store first answers, and after a drop (or a
   * store that is away at start) resumes from the last rotation seen, with backoff; a drop is
   * logged once, not at every attempt.
   */
  private async follow(): Promise<void> {
    const backoff = new Backoff();
    let after: Position | undefined;
    let dropped = false;
    while (!this.stopped) {
      try {
        after ??= await this.events.headPosition();
        if (this.stopped) return; // shut down while the store was asked
        this.reload(); // rotations before `after` are on disk by now; later ones arrive as events
        // With the stop signal: one opened as shutdown begins ends at once.
        const subscription = (this.subscription = this.events.subscribe({
          after,
          filter: { types: signingKeyEvents.types },
          signal: this.stopping.signal,
        }));
        for await (const batch of subscription) {
          if (dropped) this.logger.log('following key rotations again');
          dropped = false;
          backoff.reset();
          for (const event of batch) {
            const rotation = signingKeyEvents.decode(event);
            if (rotation) await this.pickUp(rotation.data.kid);
            after = event.position;
          }
        }
      } catch (error) {
        if (!dropped && !this.stopped) {
          this.logger.warn(
            `not following key rotations, resuming (the directory is re-read every 30 s): ${errorMessage(error)}`,
          );
        }
        dropped = true;
      }
      await sleep(backoff.next(), undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  /** The rotating instance renames the key file into place just after its append: allow for that. */
  private async pickUp(kid: string): Promise<void> {
    for (let attempt = 0; attempt < PICK_UP_ATTEMPTS && !this.stopped; attempt++) {
      this.reload();
      if (this.byKid.has(kid)) return;
      await sleep(PICK_UP_RETRY_MS);
    }
  }

  private createFirstKey(): void {
    const now = new Date();
    const { record } = generateSigningKey(now, now);
    this.directory.stage(record).commit();
    if (this.config.production) {
      this.logger.warn(
        `created the first signing key ${record.kid} in ${this.directory.path}: every instance must share this directory`,
      );
    }
    this.adopt(this.directory.loadAll(this.loaded)); // also picks up a key another instance just created
  }

  /** At run time a bad or emptied directory keeps the keys in use: failing to sign would be an outage. */
  private reload(): void {
    try {
      const found = this.directory.loadAll(this.loaded);
      if (found.size === 0) throw new Error('no key files');
      this.adopt(found);
    } catch (error) {
      this.logger.error(
        `signing keys not reloaded from ${this.directory.path}, keeping the known ones: ${errorMessage(error)}`,
      );
    }
  }

  private adopt(found: Map<string, LoadedKey>): void {
    const same = found.size === this.loaded.size && [...found.keys()].every((kid) => this.loaded.has(kid));
    if (same) return;
    const ordered = [...found.values()].sort(
      (a, b) => a.activatesAt - b.activatesAt || a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : 1),
    );
    const ttlMs = this.config.accessTokenTtlSeconds * 1000;
    this.keys = ordered.map((key, index) => ({
      ...key,
      signer: Object.freeze({ kid: key.kid, alg: 'ES256' as const, privateKey: key.privateKey }),
      // Superseded when the next key activates; its tokens live at most one access-token TTL longer.
      unpublishedAt: index + 1 < ordered.length ? ordered[index + 1].activatesAt + ttlMs : Infinity,
    }));
    this.byKid = new Map(this.keys.map((key) => [key.kid, key]));
    this.loaded = found;
    this.publication = undefined;
  }

  private published(time: number): Publication {
    const cached = this.publication;
    if (cached && cached.from <= time && time < cached.until) return cached;
    let from = -Infinity;
    let until = Infinity;
    for (const { unpublishedAt } of this.keys) {
      if (unpublishedAt <= time) from = Math.max(from, unpublishedAt);
      else until = Math.min(until, unpublishedAt);
    }
    const keys = this.keys.filter((key) => time < key.unpublishedAt).map((key) => key.jwk);
    const set: JsonWebKeySet = Object.freeze({ keys: Object.freeze(keys.reverse()) });
    return (this.publication = { from, until, set, json: JSON.stringify(set) });
  }
}
