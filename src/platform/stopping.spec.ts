import { Stopping } from './stopping';

describe('Stopping', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends a pause when the stop is asked for, and pauses no more after it', async () => {
    const stopping = new Stopping();
    let paused = false;
    void stopping.pause(60_000).then(() => (paused = true));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(paused).toBe(false);
    stopping.request();
    await jest.advanceTimersByTimeAsync(0);
    expect(paused).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    await expect(stopping.pause(60_000)).resolves.toBeUndefined();
  });
});
