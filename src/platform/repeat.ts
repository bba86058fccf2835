/**
 * Runs `task` every `everyMs` until the returned function is called: on a timer that never keeps the
 * process alive, each failure handed to `onError` (a background task has nobody else to tell).
 */
export function repeat(everyMs: number, task: () => Promise<unknown>, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => void task().catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
