import { Injectable } from '@nestjs/common';
import { eventHash, GENESIS } from '../platform/event-store/event-chain';
import { EventStore } from '../platform/event-store/event-store';
import { formatPosition, START } from '../platform/event-store/position';

export interface VerificationBreak {
  readonly position: string;
  readonly stream: string;
  readonly revision: number;
  readonly reason: 'hash_mismatch' | 'revision_gap' | 'missing_hash';
}

export interface VerificationReport {
  readonly ok: boolean;
  readonly events: number;
  readonly streams: number;
  readonly breaks: VerificationBreak[];
}

const PAGE = 1000;
const MAX_REPORTED = 1000;

/**
 * Walks the whole store in global order and checks every stream's hash chain: an edited event, a
 * removed or reordered one inside a stream, or one appended without its chain shows up with its
 * position. Memory grows with the number of streams, not events.
 */
@Injectable()
export class AuditVerification {
  constructor(private readonly events: EventStore) {}

  async verify(): Promise<VerificationReport> {
    const streams = new Map<string, { revision: number; hash: string }>();
    const breaks: VerificationBreak[] = [];
    let count = 0;
    let after = START;
    for (;;) {
      const page = await this.events.readAll({ after, limit: PAGE });
      for (const event of page) {
        count += 1;
        const previous = streams.get(event.stream) ?? { revision: -1, hash: GENESIS };
        const report = (reason: VerificationBreak['reason']) =>
          breaks.length < MAX_REPORTED &&
          breaks.push({
            position: formatPosition(event.position),
            stream: event.stream,
            revision: event.revision,
            reason,
          });
        if (event.revision !== previous.revision + 1) report('revision_gap');
        const hash = event.metadata.hash;
        if (!hash) report('missing_hash');
        else if (eventHash(previous.hash, event) !== hash) report('hash_mismatch');
        streams.set(event.stream, { revision: event.revision, hash: hash ?? previous.hash });
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].position;
    }
    return { ok: breaks.length === 0, events: count, streams: streams.size, breaks };
  }
}
