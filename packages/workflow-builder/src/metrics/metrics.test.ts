import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../env.js';
import { createMetrics } from './metrics.js';
import { createMetricsRoute } from './metrics-route.js';

describe('Prometheus metrics', () => {
  it('counts gateway responses, verifications and rate-limit refusals in the exposition format', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.gatewayResponse({ project: 'shop', interface: 'pi-1', type: 'query', status: 200 }, 0.004);
    metrics.gatewayResponse({ project: 'shop', interface: 'pi-1', type: 'query', status: 200 }, 0.02);
    metrics.keyVerification('revoked');
    metrics.rateLimited('interface');
    const text = await metrics.registry.metrics();
    expect(text).toContain('wfb_gateway_requests_total{project="shop",interface="pi-1",type="query",status="200"} 2');
    expect(text).toContain('wfb_gateway_request_duration_seconds_bucket{le="0.005",type="query",status_class="2xx"} 1');
    expect(text).toContain('wfb_gateway_request_duration_seconds_count{type="query",status_class="2xx"} 2');
    expect(text).toContain('wfb_api_key_verifications_total{result="revoked"} 1');
    expect(text).toContain('wfb_rate_limit_rejections_total{scope="interface"} 1');
  });

  it('serves /metrics openly, or only with the bearer token when one is configured', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const open = Fastify();
    await open.register(createMetricsRoute({ metrics }));
    expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
    const guarded = Fastify();
    await guarded.register(createMetricsRoute({ metrics, token: 'scrape-token-0123456789' }));
    expect((await guarded.inject({ url: '/metrics' })).statusCode).toBe(401);
    const wrong = await guarded.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const right = await guarded.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(right.statusCode).toBe(200);
    expect(right.headers['content-type']).toContain('text/plain');
    await Promise.all([open.close(), guarded.close()]);
  });

  it('is never open in production: startup fails naming METRICS_TOKEN until one is set', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db.example/wfb',
      SUPABASE_JWT_SECRET: 'j'.repeat(32),
      API_KEY_PEPPER: 'p'.repeat(32),
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    };
    const metricsProblems = (source: Record<string, string>) => {
      try {
        parseEnv(source);
        return [];
      } catch (error) {
        if (!(error instanceof EnvError)) throw error;
        return error.problems.filter((problem) => problem.startsWith('METRICS_TOKEN'));
      }
    };
    expect(metricsProblems(production)).toHaveLength(1);
    expect(metricsProblems({ ...production, METRICS_TOKEN: 'scrape-token-0123456789' })).toEqual([]);
    expect(parseEnv({ NODE_ENV: 'development' }).METRICS_TOKEN).toBeUndefined();
  });
});
