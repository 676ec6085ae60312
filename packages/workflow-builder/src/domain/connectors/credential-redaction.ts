import type { SafeResponse } from '../../net/safe-fetch.js';

/**
 * Upstreams sometimes echo what they were sent (debug endpoints, error pages quoting the
 * request). A response that is handed on to a place no secret may reach (a workflow's
 * history) first has every injected credential replaced, in the spellings an echo would
 * use: as sent, percent-encoded (query strings) and JSON-escaped.
 */
export const redactedMarker = '[redacted]';

/** Credentials shorter than this are not searched for: they would mangle ordinary text. */
const minimumLength = 6;

export function credentialForms(values: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < minimumLength) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  // Longest first, so a credential containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

export function redactBytes(body: Buffer, forms: readonly string[]): Buffer {
  let current = body;
  for (const form of forms) {
    const needle = Buffer.from(form, 'utf8');
    if (current.indexOf(needle) === -1) continue;
    const parts: Buffer[] = [];
    let start = 0;
    for (let found = current.indexOf(needle); found !== -1; found = current.indexOf(needle, start)) {
      parts.push(current.subarray(start, found), Buffer.from(redactedMarker));
      start = found + needle.length;
    }
    parts.push(current.subarray(start));
    current = Buffer.concat(parts);
  }
  return current;
}

function redactText(text: string, forms: readonly string[]): string {
  let current = text;
  for (const form of forms) current = current.split(form).join(redactedMarker);
  return current;
}

export function redactResponse(response: SafeResponse, forms: readonly string[]): SafeResponse {
  if (forms.length === 0) return response;
  const headers: SafeResponse['headers'] = {};
  for (const [name, value] of Object.entries(response.headers)) {
    headers[name] = Array.isArray(value) ? value.map((item) => redactText(item, forms)) : redactText(value, forms);
  }
  return { ...response, headers, body: redactBytes(response.body, forms) };
}
