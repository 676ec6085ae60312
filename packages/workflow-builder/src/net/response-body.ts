import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ResponseTooLargeError } from './errors.js';

/**
 * Response bodies from untrusted servers: read with a hard byte cap that is enforced
 * while streaming (a missing or lying Content-Length cannot get past it), and the
 * connection closed as soon as the cap is crossed. Bodies of redirects and retried
 * responses are drained only up to a small limit before being dropped.
 */
const DISCARD_LIMIT_BYTES = 64 * 1024;

export async function readCapped(response: Dispatcher.ResponseData, maxBytes: number, host: string): Promise<Buffer> {
  const body: Readable = response.body;
  const stream: AsyncIterable<Uint8Array> = body;
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    abandon(body);
    throw new ResponseTooLargeError(host, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    total += bytes.length;
    if (total > maxBytes) {
      abandon(body);
      throw new ResponseTooLargeError(host, maxBytes);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

/** Closes the connection without reading further; the abort error undici emits is expected. */
function abandon(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

export async function discard(response: Dispatcher.ResponseData): Promise<void> {
  await response.body.dump({ limit: DISCARD_LIMIT_BYTES }).catch(() => undefined);
}
