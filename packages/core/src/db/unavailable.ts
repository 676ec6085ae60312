/**
 * Whether an error means the database could not be reached or dropped the connection (as
 * opposed to refusing a statement): socket errors, SQLSTATE class 08 (connection
 * exception), server shutdown or start-up (57P01–57P03), too many connections (53300),
 * and the pool's own connect timeout. Such failures are the server's state, not the
 * request's fault: they are answered 503 with Retry-After.
 */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const serverStateCodes = new Set(['57P01', '57P02', '57P03', '53300']);
const poolMessages =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|Client was closed/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (error instanceof AggregateError) return error.errors.length > 0 && error.errors.every(isDatabaseUnavailable);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (socketCodes.has(code) || serverStateCodes.has(code) || code.startsWith('08'))) {
    return true;
  }
  return error instanceof Error && code === undefined && poolMessages.test(error.message);
}
