import { JSONPath } from 'jsonpath-plus';

/**
 * `select` expressions: JSONPath evaluated by jsonpath-plus with its safe evaluator (filter
 * scripts are interpreted, never `eval`ed). jsonpath-plus is lenient about syntax, so
 * expressions are checked first (start at `$`, balanced brackets, parentheses and quotes,
 * and each filter parses on a probe document); a bad one is refused before any call.
 */
const maxLength = 1_000;

function balanced(path: string): boolean {
  const closing: Record<string, string> = { '[': ']', '(': ')' };
  const stack: string[] = [];
  let quote: string | undefined;
  for (let index = 0; index < path.length; index += 1) {
    const char = path.charAt(index);
    if (quote) {
      if (char === '\\') index += 1;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (char === '[' || char === '(') stack.push(closing[char] ?? '');
    else if (char === ']' || char === ')') {
      if (stack.pop() !== char) return false;
    }
  }
  return quote === undefined && stack.length === 0;
}

/** Undefined when `path` is usable; otherwise why not. */
export function jsonPathProblem(path: string): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('$')) return 'must start with "$"';
  if (path.length > maxLength) return `is longer than ${maxLength} characters`;
  if (!balanced(path) || /\[\s*\]|\.\.\.|\.$/.test(path)) return 'is not valid JSONPath syntax';
  try {
    for (const segment of JSONPath.toPathArray(path)) {
      if (segment.startsWith('?(') || segment.startsWith('(')) {
        JSONPath({ path: `$[${segment}]`, json: [{}], eval: 'safe', wrap: true });
      }
    }
    JSONPath({ path, json: {}, eval: 'safe', wrap: true });
  } catch (error) {
    return `is not valid JSONPath: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

export function selectAll(select: Record<string, string>, json: unknown): Record<string, unknown[]> {
  const selected: Record<string, unknown[]> = {};
  for (const [name, path] of Object.entries(select)) {
    const found: unknown = JSONPath({ path, json: json as object, eval: 'safe', wrap: true });
    selected[name] = Array.isArray(found) ? found : [];
  }
  return selected;
}
