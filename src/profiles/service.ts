import type { Caller, Database } from '../db/index.js';
import { signedIn } from '../auth/caller.js';
import { notFound } from '../errors.js';
import * as repo from './repository.js';

export class ProfileService {
  constructor(private readonly db: Database) {}

  async me(caller: Caller): Promise<repo.Profile & { staff_role: repo.StaffRole | null }> {
    signedIn(caller);
    return repo.myProfile(this.db, caller);
  }

  async update(caller: Caller, changes: repo.ProfileChanges): Promise<repo.Profile> {
    const id = signedIn(caller);
    const profile = await this.db.asCaller(caller, (tx) => repo.updateProfile(tx, id, changes));
    if (!profile) throw notFound('Profile');
    return profile;
  }
}

