import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endpointNamePattern, maxEndpointNameLength, nexusEndpointName } from './endpoint-name.js';

describe('nexusEndpointName', () => {
  it('is readable, deterministic and valid for the server', () => {
    const name = nexusEndpointName('wfb-acme', 'billing');
    expect(name).toMatch(/^wfb-wfb-acme-billing-[0-9a-z]{13}$/);
    expect(nexusEndpointName('wfb-acme', 'billing')).toBe(name);
    expect(name).toMatch(endpointNamePattern);
  });

  it('keeps pairs apart that sanitise alike', () => {
    expect(nexusEndpointName('a.b', 'c')).not.toBe(nexusEndpointName('a-b', 'c'));
    expect(nexusEndpointName('ab', 'c-d')).not.toBe(nexusEndpointName('ab-c', 'd'));
  });

  it('is always valid and bounded, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (namespace, connector) => {
        const name = nexusEndpointName(namespace, connector);
        expect(name).toMatch(endpointNamePattern);
        expect(name.length).toBeLessThanOrEqual(maxEndpointNameLength);
      }),
      { numRuns: 500 },
    );
  });
});
