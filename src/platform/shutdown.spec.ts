import type { Logger } from 'pino';
import type { StdoutLog } from './logging/logger';
import { exitOnSignals, SHUTDOWN_DEADLINE_MS, type Stoppable } from './shutdown';

describe('exitOnSignals', () => {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  let listenersBefore: Map<NodeJS.Signals, NodeJS.SignalsListener[]>;
  let exit: jest.SpyInstance;
  const logger = { error: jest.fn() } as unknown as Logger;
  // A log whose reader never drains: closing it takes all the time it is given.
  const log = { close: (withinMs: number) => new Promise<void>((resolve) => setTimeout(resolve, withinMs)) };

  beforeEach(() => {
    jest.useFakeTimers();
    exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    listenersBefore = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  });

  afterEach(() => {
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!listenersBefore.get(signal)!.includes(listener)) process.removeListener(signal, listener);
      }
    }
    exit.mockRestore();
    jest.useRealTimers();
  });

  function start(app: Stoppable): void {
    exitOnSignals(app, logger, log as unknown as StdoutLog);
  }

  it('exits 0 once Nest has shut down, with the signal, and the log is closed', async () => {
    const app = { close: jest.fn(() => Promise.resolve()) };
    start(app);
    process.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS);
    expect(app.close).toHaveBeenCalledWith('SIGTERM');
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exports the buffered spans after Nest has shut down and before it exits', async () => {
    const order: string[] = [];
    const app = { close: jest.fn(() => Promise.resolve().then(() => void order.push('closed'))) };
    const traces = {
      shutdown: jest.fn(async () => {
        order.push('spans exported');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }),
    };
    exit.mockImplementation((() => void order.push('exit')) as never);
    exitOnSignals(app, logger, log as unknown as StdoutLog, traces);
    process.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS);
    expect(order).toEqual(['closed', 'spans exported', 'exit']);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits within the deadline when the spans cannot be exported (a collector that does not answer)', async () => {
    // As `Tracing.shutdown` is bounded: it gives up after the time it is given.
    const traces = { shutdown: (withinMs: number) => new Promise<void>((resolve) => setTimeout(resolve, withinMs)) };
    exitOnSignals({ close: () => new Promise<void>(() => undefined) }, logger, log as unknown as StdoutLog, traces);
    process.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('exits 1 within the deadline when a hook never returns (a store that does not answer)', async () => {
    start({ close: () => new Promise<void>(() => undefined) });
    process.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS - 1);
    expect(exit).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('exits 1 when the shutdown fails', async () => {
    start({ close: () => Promise.reject(new Error('store close failed')) });
    process.emit('SIGINT', 'SIGINT');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('lets a second signal change nothing: one shutdown, the first deadline', async () => {
    const app = { close: jest.fn(() => new Promise<void>(() => undefined)) };
    start(app);
    process.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS / 2);
    process.emit('SIGINT', 'SIGINT');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS / 2);
    expect(app.close).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledTimes(1);
  });
});
