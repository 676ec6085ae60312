import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Key format `wfb_<env>_<base62 random><6-char base62 CRC32>`, after GitHub's token
 * format: the checksum lets the gateway reject mistyped or made-up keys without a
 * database lookup, and lets secret scanners recognise a leaked key offline.
 * Keys are stored as HMAC-SHA-256 with a server-side pepper: 32 random bytes need no
 * slow hash, and a database dump alone cannot be used to test guesses.
 */
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomBytesLength = 32;
/** 62^43 > 2^256, so 32 random bytes always fit in 43 base62 characters. */
const randomLength = 43;
const checksumLength = 6;
const maxKeyLength = 'wfb__'.length + 8 + randomLength + checksumLength;
const keyPattern = /^wfb_([a-z]{2,8})_([0-9A-Za-z]{49})$/;

function toBase62(value: bigint, length: number): string {
  let rest = value;
  let out = '';
  while (rest > 0n) {
    out = alphabet[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(length, '0');
}

/**
 * The same digits as toBase62, in plain numbers: a CRC32 is below 2^32, so this is exact, and
 * it runs on every gateway request, where BigInt division costs several times more.
 */
function checksum(randomPart: string): string {
  let rest = crc32(randomPart);
  let out = '';
  while (rest > 0) {
    out = alphabet[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(checksumLength, '0');
}

export interface GeneratedApiKey {
  plaintext: string;
  hint: string;
}

export function generateApiKey(environment: string): GeneratedApiKey {
  const random = toBase62(BigInt(`0x${randomBytes(randomBytesLength).toString('hex')}`), randomLength);
  const plaintext = `wfb_${environment}_${random}${checksum(random)}`;
  return { plaintext, hint: displayHint(plaintext) };
}

/** Prefix plus the last four characters: enough to tell keys apart, useless to an attacker. */
export function displayHint(plaintext: string): string {
  const prefixEnd = plaintext.indexOf('_', 4) + 1;
  return `${plaintext.slice(0, prefixEnd)}…${plaintext.slice(-4)}`;
}

export type ParsedApiKey = { ok: true; environment: string } | { ok: false };

/** Format and checksum only; pure and allocation-light, runs before any lookup. */
export function parseApiKey(candidate: string): ParsedApiKey {
  if (candidate.length > maxKeyLength) return { ok: false };
  const match = keyPattern.exec(candidate);
  if (!match?.[1] || !match[2]) return { ok: false };
  const body = match[2];
  const random = body.slice(0, randomLength);
  if (body.slice(randomLength) !== checksum(random)) return { ok: false };
  return { ok: true, environment: match[1] };
}

/**
 * The pepper as a key object, made once: an HMAC keyed with a string imports the key on every
 * call, a few times the cost of the hash itself on the gateway's per-request key check.
 */
export function pepperKey(pepper: string): KeyObject {
  return createSecretKey(Buffer.from(pepper, 'utf8'));
}

export function hashApiKey(pepper: string | KeyObject, plaintext: string): string {
  return createHmac('sha256', pepper).update(plaintext).digest('hex');
}
