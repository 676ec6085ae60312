import { type CelInput, isCelError, parse, run } from '@bufbuild/cel';

/**
 * Webhook conditions: CEL (Common Expression Language) over the step's `vars`, evaluated
 * by @bufbuild/cel: an interpreter, so no `eval`, no I/O, no clock, and it terminates.
 * It is pure, so it runs in workflow code and replays the same. Plain JSON values bind as
 * CEL maps, lists, strings, doubles and bools (`order.total > 100.0`, `size(items) > 0`).
 */
export type ConditionResult = { ok: true; value: boolean } | { ok: false; message: string };

export function evaluateCondition(expression: string, vars: Record<string, unknown>): ConditionResult {
  try {
    parse(expression);
  } catch (error) {
    return {
      ok: false,
      message: `condition does not parse: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  let result: ReturnType<typeof run>;
  try {
    result = run(expression, toCelBindings(vars));
  } catch (error) {
    return { ok: false, message: `condition failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (isCelError(result)) return { ok: false, message: `condition failed: ${result.message}` };
  if (typeof result !== 'boolean') return { ok: false, message: 'condition must evaluate to a bool' };
  return { ok: true, value: result };
}

/** JSON values only (what survives workflow history), with nulls, which CEL has, kept. */
function toCelBindings(vars: Record<string, unknown>): Record<string, CelInput> {
  return JSON.parse(JSON.stringify(vars)) as Record<string, CelInput>;
}
