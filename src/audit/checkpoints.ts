import { createHash, sign, verify } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { SigningKeys } from '../keys/signing-keys';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { DomainError } from '../platform/domain/domain-error';
import { GENESIS } from '../platform/event-store/event-chain';
import { EventStore, RecordedEvent } from '../platform/event-store/event-store';
import { type Decider, decideOnStream } from '../platform/event-store/decide-on-stream';
import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';
import { formatPosition, parsePosition, START } from '../platform/event-store/position';
import { eventsOf } from '../platform/event-store/read-pages';

export const CHECKPOINT_PREFIX = 'auditcheckpoint-';

/** What a checkpoint signs: everything recorded since the previous one, folded into one hash. */
export interface CheckpointBody {
  sequence: number;
  /** Exclusive: the previous checkpoint's `toPosition` (`-1/-1` for the first). */
  fromPosition: string;
  toPosition: string;
  events: number;
  /** The running hash over every event's position, stream, revision and chain hash, from the first event on. */
  rollingHash: string;
  kid: string;
}

export type CheckpointEvent = DomainEvent<
  'AuditCheckpointRecorded',
  CheckpointBody & { signature: string; recordedAt: string }
>;

const checkpointEvents = eventCatalogue<CheckpointEvent>({ AuditCheckpointRecorded: { version: 1 } });

/** One checkpoint per stream `auditcheckpoint-<n>`, created with "no stream": of two instances racing for n, one wins. */
const checkpointDecider: Decider<CheckpointEvent['data'], CheckpointEvent, boolean> = {
  events: checkpointEvents,
  initialState: false,
  evolve: () => true,
  decide: (checkpoint, exists) => {
    if (exists)
      throw new DomainError('conflict', 'checkpoint_exists', `checkpoint ${checkpoint.sequence} already exists`);
    return [{ type: 'AuditCheckpointRecorded', data: checkpoint }];
  },
};

/** Folds one event into the running hash: its place in the global order and its chain hash. */
export function roll(previous: string, event: RecordedEvent): string {
  return createHash('sha256')
    .update(previous)
    .update(`${formatPosition(event.position)}\n${event.stream}\n${event.revision}\n${event.metadata.hash ?? ''}`)
    .digest('hex');
}

export const isCheckpoint = (event: RecordedEvent) => event.stream.startsWith(CHECKPOINT_PREFIX);

/**
 * Signed checkpoints (tamper evidence across streams): a running hash over the global order up to a
 * position, signed with the service's signing key. Per-stream chains catch edits inside a stream;
 * a checkpoint also catches a whole stream deleted, or events moved between positions.
 */
@Injectable()
export class AuditCheckpoints {
  constructor(
    private readonly events: EventStore,
    private readonly keys: SigningKeys,
  ) {}

  async all(): Promise<CheckpointEvent['data'][]> {
    const found: CheckpointEvent['data'][] = [];
    for await (const event of eventsOf(this.events, { filter: { streamPrefixes: [CHECKPOINT_PREFIX] } })) {
      const checkpoint = checkpointEvents.decode(event);
      if (checkpoint) found.push(checkpoint.data);
    }
    return found.sort((a, b) => a.sequence - b.sequence);
  }

  /** Seals everything recorded since the last checkpoint; null when nothing new was recorded. */
  async create(context: RequestContext, now = new Date()): Promise<CheckpointEvent['data'] | null> {
    const previous = (await this.all()).at(-1);
    let rollingHash = previous?.rollingHash ?? GENESIS;
    let after = previous ? parsePosition(previous.toPosition) : START;
    let count = 0;
    for await (const event of eventsOf(this.events, { after })) {
      after = event.position;
      if (isCheckpoint(event)) continue;
      rollingHash = roll(rollingHash, event);
      count += 1;
    }
    if (count === 0) return null;
    const signer = this.keys.current(now);
    const body: CheckpointBody = {
      sequence: (previous?.sequence ?? 0) + 1,
      fromPosition: previous?.toPosition ?? formatPosition(START),
      toPosition: formatPosition(after),
      events: count,
      rollingHash,
      kid: signer.kid,
    };
    const signature = sign('sha256', Buffer.from(canonicalize(body)!), {
      key: signer.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    const checkpoint = { ...body, signature: signature.toString('base64url'), recordedAt: now.toISOString() };
    await decideOnStream(this.events, `${CHECKPOINT_PREFIX}${body.sequence}`, checkpointDecider, {
      command: checkpoint,
      metadata: eventMetadata(context, now),
    });
    return checkpoint;
  }

  /** Whether the checkpoint was signed by one of this service's keys over exactly this body. */
  signatureValid(checkpoint: CheckpointEvent['data']): boolean {
    const key = this.keys.verificationKey(checkpoint.kid);
    if (!key) return false;
    const { sequence, fromPosition, toPosition, events, rollingHash, kid } = checkpoint;
    const body = canonicalize({ sequence, fromPosition, toPosition, events, rollingHash, kid })!;
    return verify(
      'sha256',
      Buffer.from(body),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(checkpoint.signature, 'base64url'),
    );
  }
}
