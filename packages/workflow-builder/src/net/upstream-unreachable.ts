import { AppError } from '@wfb/core/errors.js';

/**
 * Network-level failures of an outbound call (DNS, refused or reset connections, TLS,
 * malformed responses) as one typed AppError, so callers answer 502 and record what went
 * wrong instead of surfacing a bare Node error as INTERNAL. The message and details name
 * only the host and a failure kind: never the URL, whose query may hold a credential, nor
 * headers. Errors that are not network failures (programming errors) are left alone.
 */
export type UnreachableKind =
  | 'dns'
  | 'connection_refused'
  | 'connection_reset'
  | 'timeout'
  | 'host_unreachable'
  | 'tls'
  | 'protocol'
  | 'network';

const descriptions: Record<UnreachableKind, string> = {
  dns: 'the host name could not be resolved',
  connection_refused: 'the connection was refused',
  connection_reset: 'the connection was closed unexpectedly',
  timeout: 'the connection timed out',
  host_unreachable: 'the host is unreachable',
  tls: 'the TLS handshake failed',
  protocol: 'the response was not valid HTTP',
  network: 'a network error occurred',
};

export class UpstreamUnreachableError extends AppError {
  constructor(
    readonly host: string,
    readonly kind: UnreachableKind,
    options: { cause?: unknown } = {},
  ) {
    super('BAD_GATEWAY', `could not reach ${JSON.stringify(host)}: ${descriptions[kind]}`, {
      ...options,
      details: { host, kind },
    });
    this.name = 'UpstreamUnreachableError';
  }
}

const kindsByCode: Record<string, UnreachableKind> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CLOSED: 'connection_reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ENETUNREACH: 'host_unreachable',
  EHOSTUNREACH: 'host_unreachable',
  EHOSTDOWN: 'host_unreachable',
  ENETDOWN: 'host_unreachable',
  EADDRNOTAVAIL: 'host_unreachable',
  EPROTO: 'tls',
};

/** OpenSSL and Node TLS codes: `ERR_TLS_*`, `ERR_SSL_*`, and the certificate verification codes. */
const tlsCode = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|^UNABLE_TO_|^HOSTNAME_MISMATCH$/;
/** llhttp parser errors and undici's response-framing errors. */
const protocolCode = /^(HPE_|UND_ERR_RES_|UND_ERR_INFO$)/;

/** The kind of network failure `error` (or its cause) is, or undefined when it is not one. */
export function unreachableKind(error: unknown): UnreachableKind | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; current = current.cause, depth += 1) {
    // undici's parser error carries no code when llhttp gave none: its name is the signal.
    if (current.name === 'HTTPParserError') return 'protocol';
    const { code, syscall } = current as NodeJS.ErrnoException;
    if (typeof code === 'string') {
      const known = kindsByCode[code];
      if (known) return known;
      if (tlsCode.test(code)) return 'tls';
      if (protocolCode.test(code)) return 'protocol';
    }
    // Any other failed socket or resolver syscall is still the network, not our code.
    if (typeof syscall === 'string') return 'network';
  }
  return undefined;
}

/** `error` as an UpstreamUnreachableError when it is a network failure; otherwise unchanged. */
export function toUpstreamError(error: unknown, host: string): unknown {
  if (error instanceof AppError) return error;
  const kind = unreachableKind(error);
  return kind === undefined ? error : new UpstreamUnreachableError(host, kind, { cause: error });
}
