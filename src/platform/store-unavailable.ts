/** Which of the two stores a failure or a health state is about (readiness names it). */
export type StoreName = 'eventStore' | 'readStore';

/**
 * A store did not answer in time or could not be reached. Adapters turn their clients' connection
 * and deadline errors into this one type, so HTTP answers `503` (with `Retry-After`) instead of a
 * `500`, and nothing above the adapters knows any client's error classes.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly store: StoreName,
    detail: string,
  ) {
    super(`${store === 'eventStore' ? 'event store' : 'read store'} unavailable: ${detail}`);
  }
}

/** The server answers, but it is a version or topology this service cannot run on. */
export class UnsupportedStoreError extends Error {
  override readonly name = 'UnsupportedStoreError';
}

/**
 * Settles with `work`, or rejects with `timeout()` once `ms` have passed. The deadline is this
 * process's own relative timer: it holds whatever the client library does (or fails to do) with
 * deadlines, and whatever the two hosts' clocks say. The work itself is not cancelled; callers
 * treat the outcome as unknown (an append may still commit: expected revisions make a retry safe).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
  });
  work.catch(() => undefined); // a late failure after the deadline is not an unhandled rejection
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
