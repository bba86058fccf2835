import { Progress } from './following';

const at = (commit: number) => ({ commit: BigInt(commit), prepare: BigInt(commit) });

describe('Progress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers a waiter as soon as the position reaches its target, without waiting for a timer', async () => {
    const progress = new Progress();
    let answer: boolean | undefined;
    void progress.reach(at(3), 5_000, () => false).then((reached) => (answer = reached));
    progress.moveTo(at(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(answer).toBeUndefined();
    progress.moveTo(at(3));
    await jest.advanceTimersByTimeAsync(0);
    expect(answer).toBe(true);
    expect(jest.getTimerCount()).toBe(0); // its re-check timer went with it
  });

  it('answers false once the timeout passes, and at once when its follower has stopped', async () => {
    const progress = new Progress(at(1));
    let answer: boolean | undefined;
    void progress.reach(at(2), 2_500, () => false).then((reached) => (answer = reached));
    await jest.advanceTimersByTimeAsync(2_499);
    expect(answer).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(answer).toBe(false);

    let stopped = false;
    const waiting = progress.reach(at(2), 60_000, () => stopped);
    stopped = true;
    progress.wake();
    await expect(waiting).resolves.toBe(false);
  });
});
