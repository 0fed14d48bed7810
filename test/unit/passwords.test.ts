import { scryptSync } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';

describe('passwords', () => {
  it('hashes with bcrypt at cost 10, as Supabase Auth does, and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$2[ab]\$10\$/);
    expect(bcrypt.compareSync('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
    expect(await verifyPassword('anything', 'garbage')).toBe(false);
  });

  it('refuses to hash more than 72 bytes, and a longer password never matches a bcrypt hash', async () => {
    await expect(hashPassword('é'.repeat(37))).rejects.toThrow(RangeError);
    const hash = bcrypt.hashSync('a'.repeat(72), 4);
    expect(await verifyPassword('a'.repeat(72), hash)).toBe(true);
    expect(await verifyPassword('a'.repeat(73), hash)).toBe(false);
  });

  it('verifies the bcrypt hashes Supabase Auth writes', async () => {
    const hash = bcrypt.hashSync('supabase user pw', 4);
    expect(await verifyPassword('supabase user pw', hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
  });

  it('still verifies the scrypt hashes written before the switch to bcrypt', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('old password', salt, 32, { N: 2 ** 10, r: 8, p: 1 });
    const stored = `scrypt$${2 ** 10}$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifyPassword('old password', stored)).toBe(true);
    expect(await verifyPassword('old passwore', stored)).toBe(false);
  });
});
