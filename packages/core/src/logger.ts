import { type Logger, pino } from 'pino';

/**
 * Paths pino censors. Wildcards cover one nesting level; secrets must never be passed
 * deeper than that into a log call in the first place.
 */
const secretFieldNames = [
  'authorization',
  'x-api-key',
  'apiKey',
  'key',
  'plaintext',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'password',
  'credentials',
  'cookie',
  'set-cookie',
];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  ...secretFieldNames.flatMap((name) => {
    const field = /^[A-Za-z_]\w*$/.test(name) ? name : `["${name}"]`;
    const joiner = field.startsWith('[') ? '' : '.';
    return [field.startsWith('[') ? `${field}` : field, `*${joiner}${field}`];
  }),
];

export type { Logger };

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: undefined,
    },
    options.destination,
  );
}
