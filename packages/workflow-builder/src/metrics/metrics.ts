import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { KeyVerificationOutcome } from '../gateway/key-auth.js';

/**
 * The Prometheus instruments of one app instance. A registry per instance (not prom-client's
 * global) keeps several apps in one process, as in tests, from clashing. Labels are bounded:
 * interface ids and status codes, never keys, paths or workflow ids.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'wfb_' });

  const gatewayRequests = new Counter({
    name: 'wfb_gateway_requests_total',
    help: 'Public gateway responses by public interface, interface type and HTTP status.',
    labelNames: ['project', 'interface', 'type', 'status'] as const,
    registers: [registry],
  });
  const gatewayDuration = new Histogram({
    name: 'wfb_gateway_request_duration_seconds',
    help: 'Public gateway latency from request to response, by interface type and status class.',
    labelNames: ['type', 'status_class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const keyVerifications = new Counter({
    name: 'wfb_api_key_verifications_total',
    help: 'API key verification outcomes (valid, malformed, unknown, revoked, expired, out_of_scope).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'wfb_rate_limit_rejections_total',
    help: 'Requests refused with 429, by the budget that ran out (key, interface, or client failures).',
    labelNames: ['scope'] as const,
    registers: [registry],
  });

  const kongPasses = new Counter({
    name: 'wfb_kong_sync_passes_total',
    help: 'Kong controller passes by mode and result (ok, failed: Kong unreachable or refused the whole configuration).',
    labelNames: ['mode', 'result'] as const,
    registers: [registry],
  });
  const kongWrites = new Counter({
    name: 'wfb_kong_sync_writes_total',
    help: 'Writes the Kong controller sent: entity upserts and deletes (DB mode), configuration pushes (DB-less).',
    labelNames: ['mode', 'kind', 'action'] as const,
    registers: [registry],
  });
  const kongErrors = new Counter({
    name: 'wfb_kong_sync_errors_total',
    help: 'Entities Kong refused, and public interfaces that could not be translated, per pass.',
    labelNames: ['mode'] as const,
    registers: [registry],
  });
  const kongDriftRepairs = new Counter({
    name: 'wfb_kong_drift_repairs_total',
    help: 'Writes that restored Kong state changed or lost outside the controller (hand edits, a Kong restarted empty).',
    labelNames: ['mode'] as const,
    registers: [registry],
  });
  const outboundCalls = new Counter({
    name: 'wfb_outbound_calls_total',
    help: 'Outbound calls of workflow steps through the egress, by namespace, connector ("url" for raw-URL webhooks) and outcome (upstream status or error code).',
    labelNames: ['namespace', 'connector', 'outcome'] as const,
    registers: [registry],
  });
  const outboundDuration = new Histogram({
    name: 'wfb_outbound_call_duration_seconds',
    help: 'Egress latency from request to upstream response (credential injection included), by connector and outcome class.',
    labelNames: ['connector', 'outcome_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  return {
    registry,
    kongPass(mode: string, result: 'ok' | 'failed') {
      kongPasses.inc({ mode, result });
    },
    kongWrite(mode: string, kind: string, action: string) {
      kongWrites.inc({ mode, kind, action });
    },
    kongErrors(mode: string, count: number) {
      if (count > 0) kongErrors.inc({ mode }, count);
    },
    kongDriftRepairs(mode: string, count: number) {
      if (count > 0) kongDriftRepairs.inc({ mode }, count);
    },
    /** `outcome`: the upstream status, or the error code when no response came back. */
    outboundCall(labels: { namespace: string; connector: string; outcome: number | string }, seconds: number) {
      const outcome = String(labels.outcome);
      outboundCalls.inc({ ...labels, outcome });
      const outcomeClass = typeof labels.outcome === 'number' ? `${Math.floor(labels.outcome / 100)}xx` : 'error';
      outboundDuration.observe({ connector: labels.connector, outcome_class: outcomeClass }, seconds);
    },
    keyVerification(kind: KeyVerificationOutcome) {
      keyVerifications.inc({ result: kind });
    },
    rateLimited(scope: 'key' | 'interface' | 'client') {
      rateLimited.inc({ scope });
    },
    gatewayResponse(labels: { project: string; interface: string; type: string; status: number }, seconds: number) {
      gatewayRequests.inc({ ...labels, status: String(labels.status) });
      gatewayDuration.observe({ type: labels.type, status_class: `${Math.floor(labels.status / 100)}xx` }, seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
