/**
 * A long-running task's stop (the runners, the store monitor): asked for once, it ends every pause
 * at once and aborts what was given its signal. Pauses run on the global timers, which tests can
 * replace with jest's fake timers (the `node:timers/promises` ones they cannot).
 */
export class Stopping {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get requested(): boolean {
    return this.controller.signal.aborted;
  }

  request(): void {
    this.controller.abort();
  }

  /** Waits `ms`, or less when the stop is asked for meanwhile; never rejects. */
  pause(ms: number): Promise<void> {
    return pause(ms, this.signal);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts; the timer is cleared either way. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
