/**
 * What the worker package's vitest globalSetup shares with test files. One dev server
 * serves the whole run, so tests isolate themselves by namespace and a per-file task
 * queue instead of by server.
 */
export const temporalTestNamespaces = ['default', 'wfb-test-a', 'wfb-test-b'] as const;

export type TemporalTestNamespace = (typeof temporalTestNamespaces)[number];

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the Temporal frontend every test in the run talks to. */
    temporalAddress: string;
  }
}
