import { createHash } from 'node:crypto';

/**
 * RFC 9562 UUIDv5 (SHA-1, name-based). Kong plugins have no unique name, so the only way to
 * make `PUT /plugins/{id}` idempotent is an id derived from what the plugin is for; routes and
 * the service get one too so a DB-less reload keeps the ids Kong's rate-limit counters key on.
 */
export const kongIdNamespace = '3f0c6d0e-8a51-5c7b-9f2e-6b1d4a7e2c90';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

export function uuidV5(name: string, namespace: string = kongIdNamespace): string {
  if (!isUuid(namespace)) throw new Error(`namespace is not a UUID: ${namespace}`);
  const namespaceBytes = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const digest = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  const bytes = digest.subarray(0, 16);
  // Version 5 in the high nibble of byte 6, RFC variant (10xx) in byte 8.
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function serviceId(name: string): string {
  return uuidV5(`service:${name}`);
}

export function routeId(name: string): string {
  return uuidV5(`route:${name}`);
}

/** A plugin is identified by its name and what it is attached to (one of each per scope in Kong). */
export function pluginId(pluginName: string, scope: { route?: string; service?: string }): string {
  const target = scope.route ? `route:${scope.route}` : scope.service ? `service:${scope.service}` : 'global';
  return uuidV5(`plugin:${pluginName}:${target}`);
}
