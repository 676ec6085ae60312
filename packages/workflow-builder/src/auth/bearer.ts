/**
 * The token of an `Authorization: Bearer <token>` header: `undefined` when there is no
 * header, `null` when there is one of another shape.
 */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}
