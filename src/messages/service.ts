import { signedIn } from '../auth/caller.js';
import type { Caller, Database } from '../db/index.js';
import * as repo from './repository.js';

/** The message log for staff: the list (admins) and a retry of a failed message. */
export class MessageService {
  constructor(private readonly db: Database) {}

  /** As the response body (JSON text): newest first, with the total for paging. */
  async list(caller: Caller, filter: { status?: repo.MessageStatus; kind?: string; limit: number; offset: number }): Promise<string> {
    signedIn(caller);
    return repo.listMessagesJson(this.db, caller, filter);
  }

  /** A failed message goes back to pending with its attempts reset (409 for any other status). */
  async retry(caller: Caller, id: string): Promise<repo.RetriedMessage> {
    signedIn(caller);
    return repo.retryMessage(this.db, caller, id);
  }
}
