import { Inject, Injectable } from '@nestjs/common';
import { eventHash, GENESIS } from '../platform/event-store/event-chain';
import { EventStore, RecordedEvent } from '../platform/event-store/event-store';
import { comparePositions, formatPosition, parsePosition, START } from '../platform/event-store/position';
import { eventsOf } from '../platform/event-store/read-pages';
import { STORED_EVENTS } from '../platform/personal-data/personal-data-event-store';
import { AuditCheckpoints, CHECKPOINT_PREFIX, CheckpointEvent, isCheckpoint, roll } from './checkpoints';

export interface VerificationBreak {
  readonly position: string;
  readonly stream: string;
  readonly revision: number;
  readonly reason:
    | 'hash_mismatch'
    | 'revision_gap'
    | 'missing_hash'
    | 'checkpoint_mismatch'
    | 'checkpoint_signature'
    | 'checkpoint_sequence';
}

export interface VerificationReport {
  readonly ok: boolean;
  readonly events: number;
  readonly streams: number;
  readonly checkpoints: number;
  /** The last position a valid checkpoint vouches for; events after it are covered by chains only. */
  readonly sealedUpTo: string | null;
  readonly breaks: VerificationBreak[];
}

const MAX_REPORTED = 1000;

/**
 * Walks the whole store in global order. Every stream's hash chain is checked (an edited event, or
 * one removed or reordered inside its stream, shows with its position), and the running hash is
 * compared with every signed checkpoint (a whole stream deleted, or events moved in the global
 * order, shows at the first checkpoint after it). Memory grows with the number of streams. It
 * reads the events as stored, personal values sealed: the chains cover the ciphertext, so they
 * verify without any key, erased users' events included (architecture §4.1).
 */
@Injectable()
export class AuditVerification {
  constructor(
    @Inject(STORED_EVENTS) private readonly events: EventStore,
    private readonly checkpoints: AuditCheckpoints,
  ) {}

  async verify(): Promise<VerificationReport> {
    const streams = new Map<string, { revision: number; hash: string }>();
    const breaks: VerificationBreak[] = [];
    const report = (
      event: Pick<RecordedEvent, 'stream' | 'revision'> & { position: string },
      reason: VerificationBreak['reason'],
    ) => {
      if (breaks.length < MAX_REPORTED)
        breaks.push({ position: event.position, stream: event.stream, revision: event.revision, reason });
    };
    const pending = await this.checkpoints.all();
    const total = pending.length;
    this.checkSequence(pending, report);
    let rolling = GENESIS;
    let sealedUpTo: string | null = null;
    const settle = (upTo: RecordedEvent['position'] | null) => {
      while (
        pending.length > 0 &&
        (upTo === null || comparePositions(parsePosition(pending[0].toPosition), upTo) < 0)
      ) {
        const checkpoint = pending.shift()!;
        const where = {
          stream: `${CHECKPOINT_PREFIX}${checkpoint.sequence}`,
          revision: 0,
          position: checkpoint.toPosition,
        };
        if (!this.checkpoints.signatureValid(checkpoint)) report(where, 'checkpoint_signature');
        else if (checkpoint.rollingHash !== rolling) report(where, 'checkpoint_mismatch');
        else sealedUpTo = checkpoint.toPosition;
      }
    };
    let count = 0;
    for await (const event of eventsOf(this.events)) {
      count += 1;
      // A checkpoint vouches for everything up to its position: compare before going past it.
      settle(event.position);
      const position = formatPosition(event.position);
      const previous = streams.get(event.stream) ?? { revision: -1, hash: GENESIS };
      if (event.revision !== previous.revision + 1) report({ ...event, position }, 'revision_gap');
      const hash = event.metadata.hash;
      if (!hash) report({ ...event, position }, 'missing_hash');
      else if (eventHash(previous.hash, event) !== hash) report({ ...event, position }, 'hash_mismatch');
      streams.set(event.stream, { revision: event.revision, hash: hash ?? previous.hash });
      if (!isCheckpoint(event)) rolling = roll(rolling, event);
    }
    settle(null);
    return { ok: breaks.length === 0, events: count, streams: streams.size, checkpoints: total, sealedUpTo, breaks };
  }

  /** Checkpoints follow each other without gaps: each starts where the previous one ended. */
  private checkSequence(
    checkpoints: CheckpointEvent['data'][],
    report: (
      where: { stream: string; revision: number; position: string },
      reason: VerificationBreak['reason'],
    ) => void,
  ): void {
    checkpoints.forEach((checkpoint, index) => {
      const expectedFrom = index === 0 ? formatPosition(START) : checkpoints[index - 1].toPosition;
      if (checkpoint.sequence !== index + 1 || checkpoint.fromPosition !== expectedFrom) {
        report(
          { stream: `${CHECKPOINT_PREFIX}${checkpoint.sequence}`, revision: 0, position: checkpoint.toPosition },
          'checkpoint_sequence',
        );
      }
    });
  }
}
