import { connect } from 'node:net';

/**
 * Whether Temporal's frontend accepts TCP connections: the connection-level half of the
 * gateway's "is Temporal down?" probe. A gRPC probe alone cannot tell: the SDK retries
 * UNAVAILABLE until the deadline, so a dead server and a busy one both end in
 * DEADLINE_EXCEEDED. A refused or unanswered connection is down; anything else is up.
 */
const defaultPort = 7233;

export function parseTemporalAddress(address: string): { host: string; port: number } | undefined {
  const match = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(address) ?? /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(address);
  const host = match?.[1];
  if (!host) return undefined;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  return port > 0 && port < 65_536 ? { host, port } : undefined;
}

export function acceptsConnections(address: string, timeoutMs: number): Promise<boolean> {
  const target = parseTemporalAddress(address);
  if (!target) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const finish = (accepted: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(accepted);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
