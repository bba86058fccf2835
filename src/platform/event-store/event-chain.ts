import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { EventMetadata, NewEvent, RecordedEvent } from './event-store';

/** The hash a stream's chain starts from. */
export const GENESIS = '0'.repeat(64);

/**
 * Tamper evidence: each event's metadata carries a SHA-256 over the previous event's hash and an
 * RFC 8785 canonical serialization of where it stands (stream, revision) and what it says (type,
 * data, metadata). Editing, reordering or removing an event inside a stream breaks the chain from
 * that event on.
 */
export function eventHash(
  previousHash: string,
  event: { stream: string; revision: number; type: string; data: unknown; metadata: EventMetadata },
): string {
  const { hash: _hash, ...metadata } = event.metadata;
  const body = canonicalize({
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    data: event.data,
    metadata,
  });
  return createHash('sha256').update(previousHash).update(body!).digest('hex');
}

/** Adds the chained hash to events about to be appended after `lastRevision` (-1: a new stream). */
export function chainEvents(stream: string, last: RecordedEvent | undefined, events: readonly NewEvent[]): NewEvent[] {
  let previous = last?.metadata.hash ?? GENESIS;
  let revision = last ? last.revision : -1;
  return events.map((event) => {
    revision += 1;
    const hash = eventHash(previous, { ...event, stream, revision });
    previous = hash;
    return { ...event, metadata: { ...event.metadata, hash } };
  });
}

export interface ChainBreak {
  readonly stream: string;
  readonly revision: number;
  readonly position: RecordedEvent['position'];
  readonly reason: 'hash_mismatch' | 'revision_gap' | 'missing_hash';
}

/** Every place where a stream's events no longer match their chain. */
export function verifyChain(events: readonly RecordedEvent[]): ChainBreak[] {
  const breaks: ChainBreak[] = [];
  let previous = GENESIS;
  events.forEach((event, index) => {
    const where = { stream: event.stream, revision: event.revision, position: event.position };
    if (event.revision !== index) breaks.push({ ...where, reason: 'revision_gap' });
    if (!event.metadata.hash) breaks.push({ ...where, reason: 'missing_hash' });
    else if (eventHash(previous, event) !== event.metadata.hash) breaks.push({ ...where, reason: 'hash_mismatch' });
    previous = event.metadata.hash ?? previous;
  });
  return breaks;
}
