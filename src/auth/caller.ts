import type { Caller } from '../db/index.js';
import { unauthorized } from '../errors.js';

/** The signed-in caller's user id; 401 for anyone else. */
export function signedIn(caller: Caller): string {
  if (caller.role !== 'authenticated') throw unauthorized();
  return caller.claims.sub;
}
