import Mustache from 'mustache';

/**
 * Webhook body templates: Mustache (logic-less), with `{{name}}` escaped as JSON string
 * content instead of HTML, since bodies are JSON: `{"text": "Order {{id}} by {{who}}"}`
 * stays valid whatever quotes or newlines the values hold. A non-string value is written
 * as its JSON text (then escaped), so `"{{order}}"` holds the order as a JSON string.
 * `{{{name}}}` inserts a value unescaped, for a template that builds JSON itself. Partials
 * are off. Pure, so it runs in workflow code.
 */
function escapeJsonStringContent(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text ?? '').slice(1, -1);
}

export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  return Mustache.render(template, vars, {}, { escape: escapeJsonStringContent });
}
