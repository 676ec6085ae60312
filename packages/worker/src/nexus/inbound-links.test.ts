import { describe, expect, it } from 'vitest';
import { callerNamespaceOf } from './inbound-links.js';

describe('callerNamespaceOf', () => {
  const link = (url: string, type = 'temporal.api.common.v1.Link.WorkflowEvent') => ({ url: new URL(url), type });

  it('reads the namespace of the calling workflow from its link', () => {
    const links = [link('temporal:///namespaces/wfb-shop/workflows/wf-1/run-1/history?referenceType=EventReference')];
    expect(callerNamespaceOf(links)).toBe('wfb-shop');
    expect(callerNamespaceOf([link('temporal:///namespaces/a%2Fb/workflows/x/y/history')])).toBe('a/b');
  });

  it('has no caller namespace without a temporal link', () => {
    expect(callerNamespaceOf([])).toBeUndefined();
    expect(callerNamespaceOf([link('https://example.com/namespaces/evil/workflows/x')])).toBeUndefined();
    expect(callerNamespaceOf([link('temporal:///other/evil')])).toBeUndefined();
  });
});
