/**
 * A place in the global order of all events ("$all").
 *
 * Two parts because EventStoreDB orders `$all` by (commit, prepare) and events written by one
 * append can share a commit position; the embedded store uses its row number for both.
 * Positions cross process boundaries (checkpoints, cursors) as strings: see `formatPosition`.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Before the first event: reading "after START" reads everything. */
export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function isAtOrAfter(position: Position, target: Position): boolean {
  return comparePositions(position, target) >= 0;
}

export function formatPosition(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

const POSITION_PATTERN = /^(-1|\d{1,20})\/(-1|\d{1,20})$/;

/** Parses `formatPosition` output; anything else is refused rather than guessed. */
export function parsePosition(text: string): Position {
  const match = POSITION_PATTERN.exec(text);
  if (!match) throw new RangeError(`not an event store position: ${JSON.stringify(text)}`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}
