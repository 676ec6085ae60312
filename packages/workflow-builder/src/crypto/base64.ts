/**
 * Strict base64 decoding. Buffer.from(value, 'base64') silently skips characters it does
 * not understand, so a truncated or mistyped key would decode to *something*; here any
 * non-canonical input is refused instead. Accepts standard and URL-safe alphabets,
 * padding optional.
 */
export function decodeBase64Strict(value: string): Buffer | undefined {
  if (value.length === 0 || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(value)) return undefined;
  const standard = value.replaceAll('-', '+').replaceAll('_', '/').replace(/=+$/, '');
  const decoded = Buffer.from(standard, 'base64');
  if (decoded.toString('base64').replace(/=+$/, '') !== standard) return undefined;
  return decoded;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
