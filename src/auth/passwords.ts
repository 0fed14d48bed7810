import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import bcrypt from 'bcryptjs';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

// Supabase Auth (GoTrue) hashes with bcrypt at Go's default cost, 10. New passwords are hashed the
// same way so a user made here can also sign in through a Supabase project's Auth service.
const BCRYPT_COST = 10;
/** bcrypt reads only the first 72 bytes; longer passwords are refused at sign-up (as Supabase Auth does). */
export const MAX_PASSWORD_BYTES = 72;

export async function hashPassword(password: string): Promise<string> {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw new RangeError('password longer than 72 bytes');
  return bcrypt.hash(password, BCRYPT_COST);
}

/**
 * Checks a password against a bcrypt hash (ours, and those Supabase Auth writes), or against the
 * `scrypt$N$r$p$salt$hash` hashes this service wrote before it switched to bcrypt.
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  if (stored && /^\$2[aby]\$\d{2}\$/.test(stored)) {
    // bcrypt would compare only the first 72 bytes: a longer password never matches.
    if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
    return bcrypt.compare(password, stored);
  }
  const parts = (stored ?? '').split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, {
    ...options,
    maxmem: 128 * options.N * options.r * 2,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Hashed once at start-up: sign-in with an unknown email does the same work as a wrong password. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
