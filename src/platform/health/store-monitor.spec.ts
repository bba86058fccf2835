import { Logger } from '@nestjs/common';
import type { EventStore } from '../event-store/event-store';
import type { ReadStore } from '../read-store/read-store';
import { StoreUnavailableError, UnsupportedStoreError } from '../store-unavailable';
import { StoreMonitor } from './store-monitor';

/** A store whose answers the test sets: 'up', 'down' or 'old' (a server it cannot run on). */
function store(name: string) {
  const control = { answer: 'down' as 'up' | 'down' | 'old', probes: 0 };
  const fail = () => Promise.reject(new StoreUnavailableError('eventStore', 'connect ECONNREFUSED 10.0.0.7:2113'));
  const double = {
    ping: () => {
      control.probes += 1;
      return control.answer === 'down' ? fail() : Promise.resolve();
    },
    verifyServer: () =>
      control.answer === 'old'
        ? Promise.reject(new UnsupportedStoreError(`${name} 1.0 is older than 2.0`))
        : Promise.resolve(`${name} 2.1`),
  };
  return { control, double };
}

/** Lets `ms` of the monitor's timers pass (jest's fake timers), with the probes they start settled. */
const elapse = (ms: number) => jest.advanceTimersByTimeAsync(ms);

describe('StoreMonitor', () => {
  let warnings: string[];
  beforeEach(() => {
    jest.useFakeTimers();
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('reports a store that does not answer as down, retries it, logs that once, and turns up when it answers', async () => {
    const events = store('EventStoreDB');
    const reads = store('MongoDB');
    reads.control.answer = 'up';
    const monitor = new StoreMonitor(events.double as unknown as EventStore, reads.double as unknown as ReadStore);
    try {
      await monitor.start();
      expect(monitor.health('eventStore')).toMatchObject({ state: 'down' });
      expect(monitor.health('readStore')).toMatchObject({ state: 'up', server: 'MongoDB 2.1' });
      // The public reason never carries the client's words (addresses); the log does, once.
      expect(monitor.health('eventStore').reason).not.toMatch(/10\.0\.0\.7/);
      // Probed at start, then retried after 0.5 s and 1 s more (the backoff doubles).
      await elapse(1_500);
      expect(events.control.probes).toBe(3);
      expect(warnings.filter((line) => line.includes('event store unreachable'))).toHaveLength(1);
      expect(warnings[0]).toMatch(/ECONNREFUSED 10\.0\.0\.7/);
      expect(monitor.allUp()).toBe(false);

      const allUp = monitor.whenAllUp();
      events.control.answer = 'up';
      await elapse(2_000); // the next retry
      await expect(allUp).resolves.toBe(true);
      expect(monitor.health('eventStore')).toMatchObject({ state: 'up', server: 'EventStoreDB 2.1' });
    } finally {
      monitor.stop();
    }
  });

  it('refuses a server it cannot run on with the reason, and is not ready with it', async () => {
    const events = store('EventStoreDB');
    events.control.answer = 'old';
    const reads = store('MongoDB');
    reads.control.answer = 'up';
    const monitor = new StoreMonitor(events.double as unknown as EventStore, reads.double as unknown as ReadStore);
    try {
      await monitor.start();
      expect(monitor.health('eventStore')).toMatchObject({
        state: 'unsupported',
        reason: 'EventStoreDB 1.0 is older than 2.0',
      });
      expect(monitor.allUp()).toBe(false);
    } finally {
      monitor.stop();
    }
  });

  it('notices a store that goes away, and checks the server again when it is back', async () => {
    const events = store('EventStoreDB');
    events.control.answer = 'up';
    const reads = store('MongoDB');
    reads.control.answer = 'up';
    const monitor = new StoreMonitor(events.double as unknown as EventStore, reads.double as unknown as ReadStore);
    try {
      await monitor.start();
      expect(monitor.allUp()).toBe(true);
      reads.control.answer = 'down';
      await elapse(2_000); // a store that is up is pinged every 2 s
      expect(monitor.health('readStore').state).toBe('down');
      reads.control.answer = 'old'; // replaced by a server it cannot run on
      await elapse(500); // the first retry
      expect(monitor.health('readStore').state).toBe('unsupported');
    } finally {
      monitor.stop();
    }
  });

  it('stops probing when stopped, and a waiter learns that nothing will come up', async () => {
    const events = store('EventStoreDB');
    const reads = store('MongoDB');
    const monitor = new StoreMonitor(events.double as unknown as EventStore, reads.double as unknown as ReadStore);
    await monitor.start();
    const waiting = monitor.whenAllUp();
    monitor.stop();
    await expect(waiting).resolves.toBe(false);
    const probes = events.control.probes;
    await elapse(60_000);
    expect(events.control.probes).toBe(probes);
    expect(jest.getTimerCount()).toBe(0); // its pauses ended with the stop
  });
});
