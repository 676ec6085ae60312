import { z } from 'zod';
import { appRouter } from '../../src/app-router.js';

/**
 * Every procedure of the app router, found by walking it (not listed by hand), so a new
 * procedure is fuzzed the day it is added. `inputSchema` is its zod input as JSON Schema.
 */
export interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation';
  inputSchema: unknown;
}

interface ProcedureDef {
  procedure: true;
  type: string;
  inputs: unknown[];
}

function procedureDef(value: unknown): ProcedureDef | undefined {
  if ((typeof value !== 'function' && typeof value !== 'object') || value === null) return undefined;
  const def: unknown = Reflect.get(value, '_def');
  if (typeof def !== 'object' || def === null || Reflect.get(def, 'procedure') !== true) return undefined;
  return def as ProcedureDef;
}

function inputSchemaOf(inputs: unknown[]): unknown {
  const [input] = inputs;
  if (!(input instanceof z.ZodType)) return undefined;
  return z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' });
}

export function listProcedures(): ProcedureInfo[] {
  const found: ProcedureInfo[] = [];
  const walk = (record: object, prefix: string) => {
    for (const [key, value] of Object.entries(record)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const def = procedureDef(value);
      if (def) {
        if (def.type !== 'query' && def.type !== 'mutation') throw new Error(`${path}: cannot fuzz a ${def.type}`);
        found.push({ path, type: def.type, inputSchema: inputSchemaOf(def.inputs) });
      } else if (typeof value === 'object' && value !== null) {
        walk(value, path);
      }
    }
  };
  walk(appRouter._def.record, '');
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** The caller's function for `path` (`projects.members.add` → caller.projects.members.add). */
export function procedureOf(caller: object, path: string): (input: unknown) => Promise<unknown> {
  let target: unknown = caller;
  for (const key of path.split('.')) {
    if ((typeof target !== 'object' && typeof target !== 'function') || target === null) break;
    target = Reflect.get(target, key);
  }
  if (typeof target !== 'function') throw new Error(`no procedure at ${path}`);
  return (input) => Promise.resolve(Reflect.apply(target, undefined, [input]));
}
