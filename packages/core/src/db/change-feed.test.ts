import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createChangeFeed, type ReloadScope } from './change-feed.js';

/** A LISTEN stand-in the test drives by hand: deliver payloads, drop and restore the connection. */
function fakeListen() {
  let onPayload: ((payload: string) => void) | undefined;
  let onConnection: ((connected: boolean) => void) | undefined;
  return {
    database: {
      async listen(_channel: string, payload: (text: string) => void, connection?: (connected: boolean) => void) {
        onPayload = payload;
        onConnection = connection;
        return async () => {
          onPayload = undefined;
        };
      },
    },
    notify: (payload: string) => onPayload?.(payload),
    connection: (connected: boolean) => onConnection?.(connected),
  };
}

const logger = pino({ level: 'silent' });

describe('change feed', () => {
  it('runs a full pass on start, then coalesces changes that arrive during a pass into one next pass', async () => {
    const listen = fakeListen();
    const passes: ReloadScope[] = [];
    let release: (() => void) | undefined;
    const feed = createChangeFeed({
      database: listen.database,
      channel: 'c',
      logger,
      async reload(scope) {
        passes.push(scope);
        if (passes.length === 2) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    await feed.start();
    expect(passes).toEqual([{ kind: 'all' }]);
    listen.notify('a');
    listen.notify('b');
    listen.notify('a');
    await new Promise((resolve) => setImmediate(resolve));
    listen.notify('c');
    listen.notify('d');
    release?.();
    await feed.settled();
    // The first change starts a pass at once; everything after it, repeats included, waits for one next pass.
    expect(passes).toEqual([
      { kind: 'all' },
      { kind: 'keys', keys: ['a'] },
      { kind: 'keys', keys: ['b', 'a', 'c', 'd'] },
    ]);
    await feed.stop();
  });

  it('tells the owner at once, and reloads everything when the connection comes back', async () => {
    const listen = fakeListen();
    const passes: ReloadScope[] = [];
    const changes: Array<string | undefined> = [];
    const connections: boolean[] = [];
    const feed = createChangeFeed({
      database: listen.database,
      channel: 'c',
      logger,
      onChange: (key) => changes.push(key),
      onConnection: (connected) => connections.push(connected),
      reload: async (scope) => {
        passes.push(scope);
      },
    });
    await feed.start();
    listen.connection(false);
    expect(feed.listening).toBe(false);
    listen.connection(true);
    expect(feed.listening).toBe(true);
    await feed.settled();
    expect(connections).toEqual([false, true]);
    expect(changes).toEqual([undefined, undefined]);
    expect(passes.at(-1)).toEqual({ kind: 'all' });
    await feed.stop();
  });

  it('keeps a failed pass dirty and tries it again', async () => {
    const listen = fakeListen();
    const passes: ReloadScope[] = [];
    const feed = createChangeFeed({
      database: listen.database,
      channel: 'c',
      logger,
      retryDelayMs: 1,
      reload: async (scope) => {
        passes.push(scope);
        if (passes.length === 2) throw new Error('database down');
      },
    });
    await feed.start();
    listen.notify('p1');
    await expect.poll(() => passes.length).toBe(3);
    await feed.settled();
    expect(passes.slice(1)).toEqual([
      { kind: 'keys', keys: ['p1'] },
      { kind: 'keys', keys: ['p1'] },
    ]);
    await feed.stop();
  });

  it('forwards notifications without reloading when it has no pass', async () => {
    const listen = fakeListen();
    const changes: Array<string | undefined> = [];
    const feed = createChangeFeed({
      database: listen.database,
      channel: 'c',
      logger,
      onChange: (key) => changes.push(key),
    });
    await feed.start();
    listen.notify('hash');
    listen.notify('');
    await feed.settled();
    expect(changes).toEqual(['hash', undefined]);
    await feed.stop();
  });
});
