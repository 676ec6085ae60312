import { describe, expect, it } from 'vitest';
import { controlPlaneOf, parseWorkerEnv, WorkerEnvError } from './env.js';

describe('worker environment for HTTP steps', () => {
  const token = 'worker-token-0123456789abcdef0123456789';

  it('takes CONTROL_PLANE_URL and WORKER_TOKEN together, or neither', () => {
    expect(controlPlaneOf(parseWorkerEnv({}))).toBeUndefined();
    const both = parseWorkerEnv({ CONTROL_PLANE_URL: 'http://control-plane:3000', WORKER_TOKEN: token });
    expect(controlPlaneOf(both)).toEqual({ url: 'http://control-plane:3000', token });
    expect(() => parseWorkerEnv({ CONTROL_PLANE_URL: 'http://control-plane:3000' })).toThrow(WorkerEnvError);
    expect(() => parseWorkerEnv({ WORKER_TOKEN: token })).toThrow(WorkerEnvError);
  });

  it('refuses a short token and a URL that is not one', () => {
    expect(() => parseWorkerEnv({ CONTROL_PLANE_URL: 'http://x', WORKER_TOKEN: 'short' })).toThrow(/WORKER_TOKEN/);
    expect(() => parseWorkerEnv({ CONTROL_PLANE_URL: 'not a url', WORKER_TOKEN: token })).toThrow(/CONTROL_PLANE_URL/);
  });
});
