import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('logger redaction', () => {
  it('censors authorization, x-api-key and secret-like fields at the top level and one level down', () => {
    const { lines, logger } = capture();
    const planted = 'planted-secret-value-123';
    logger.info({ req: { headers: { authorization: planted, 'x-api-key': planted } } }, 'request');
    logger.info({ headers: { authorization: planted, 'x-api-key': planted } }, 'headers');
    logger.info({ password: planted, token: planted, clientSecret: planted, apiKey: planted }, 'top');
    logger.info({ connector: { credentials: planted, secret: planted, refresh_token: planted } }, 'nested');
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toContain(planted);
      expect(line).toContain('[redacted]');
    }
  });
});
