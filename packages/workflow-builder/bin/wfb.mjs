#!/usr/bin/env node
// The operator CLI runs from TypeScript source through tsx, like the rest of the repo.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
