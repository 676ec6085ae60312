import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import type { KeyRing } from '../../crypto/key-ring.js';
import { createIpPolicy } from '../../net/ip-policy.js';
import { createSafeDispatcher, type ResolveHost } from '../../net/safe-dispatcher.js';
import { createAuthorizedFetch } from './authorized-fetch.js';
import { createConnectorCalls } from './connector-calls.js';
import { createConnectorService } from './connectors.service.js';
import { createEgress } from './egress.js';
import { createOAuthClient } from './oauth-client.js';
import { createOAuthFlow } from './oauth-flow.js';
import { createOAuthStatePurge } from './oauth-state-purge.js';
import { createTokenManager } from './token-manager.js';
import { createUsageAudit } from './usage-audit.js';

/**
 * Wires the connectors area: one SSRF-safe dispatcher per process shared by connector
 * calls and OAuth token requests, one token manager (so single flight spans every
 * caller), one usage aggregator, one sweep of abandoned OAuth states. `runtime` owns
 * the timers and sockets.
 */
/** What the connectors area reads from configuration (picked by settings.ts). */
export interface ConnectorSettings {
  /** Plain-http connector and OAuth URLs are refused in production only. */
  allowInsecureHttp: boolean;
  /** Private ranges outbound calls may reach (the SSRF guard's allow-list), comma-separated CIDRs. */
  outboundAllowCidrs: string;
  testsPerMinutePerUser: number;
  /** Base of the OAuth redirect URI. */
  publicBaseUrl: string;
  /** Largest upstream response the workers' egress hands a workflow. Default 1 MiB. */
  egressMaxResponseBytes?: number;
}

export interface ConnectorModuleDeps {
  settings: ConnectorSettings;
  logger: Logger;
  database: Database;
  keyRing: KeyRing;
  clock?: () => Date;
  /** DNS override for tests; production uses the OS resolver. */
  resolveHost?: ResolveHost;
  /** How often abandoned OAuth states are purged; tests shorten it. Default one minute. */
  oauthStatePurgeIntervalMs?: number;
}

export function createConnectorModule(deps: ConnectorModuleDeps) {
  const { allowInsecureHttp } = deps.settings;
  const dispatcher = createSafeDispatcher({
    policy: createIpPolicy({ allowCidrs: deps.settings.outboundAllowCidrs }),
    ...(deps.resolveHost && { lookup: deps.resolveHost }),
  });
  const clockDeps = deps.clock ? { clock: deps.clock } : {};
  const oauth = createOAuthClient({ dispatcher, allowInsecureHttp, ...clockDeps });
  const tokens = createTokenManager({
    database: deps.database,
    ring: deps.keyRing,
    oauth,
    logger: deps.logger,
    ...clockDeps,
  });
  const authorizedFetch = createAuthorizedFetch({ ring: deps.keyRing, tokens, dispatcher });
  const usage = createUsageAudit({ database: deps.database, logger: deps.logger, ...clockDeps });
  const statePurge = createOAuthStatePurge({
    database: deps.database,
    logger: deps.logger,
    ...clockDeps,
    ...(deps.oauthStatePurgeIntervalMs !== undefined && { intervalMs: deps.oauthStatePurgeIntervalMs }),
  });
  const connectorCalls = createConnectorCalls({
    database: deps.database,
    authorizedFetch,
    usage,
    testsPerMinutePerUser: deps.settings.testsPerMinutePerUser,
    ...clockDeps,
  });
  return {
    connectors: createConnectorService({ ring: deps.keyRing, allowInsecureHttp }),
    connectorCalls,
    egress: createEgress({
      database: deps.database,
      connectorCalls,
      dispatcher,
      usage,
      maxResponseBytes: deps.settings.egressMaxResponseBytes ?? 1_048_576,
      allowInsecureHttp,
    }),
    oauthFlow: createOAuthFlow({
      database: deps.database,
      ring: deps.keyRing,
      oauth,
      logger: deps.logger,
      redirectUri: `${deps.settings.publicBaseUrl}/oauth/callback`,
      ...clockDeps,
    }),
    connectorRuntime: {
      authorizedFetch,
      usage,
      start() {
        usage.start();
        statePurge.start();
      },
      async close() {
        await statePurge.stop();
        await usage.stop();
        await dispatcher.close();
      },
    },
  };
}

export type ConnectorModule = ReturnType<typeof createConnectorModule>;
