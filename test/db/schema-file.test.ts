// supabase/schema.sql is the migrated schema in one place (scripts/dump-schema.ts writes it). It
// is regenerated here from the migrations (the run's migrated template) and must match the
// committed file: a new migration without a fresh `npm run schema:dump` fails this test.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpSchema, schemaFile } from '../../scripts/dump-schema.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

/** The first line where two texts differ, for a message a person can act on. */
function firstDifference(committed: string, current: string): string {
  const a = committed.replace(/\n$/, '').split('\n');
  const b = current.replace(/\n$/, '').split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) return `line ${i + 1}:\n  committed: ${a[i] ?? '(end of file)'}\n  migrated:  ${b[i] ?? '(end of file)'}`;
  }
  return 'no line differs';
}

describe('supabase/schema.sql', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase('pglite');
  });
  afterAll(() => t?.drop());

  it('is the schema the migrations produce', async () => {
    const current = await dumpSchema(t.db);
    let committed = '';
    try {
      committed = readFileSync(schemaFile, 'utf8');
    } catch {
      // A missing file is stale too.
    }
    if (committed !== current) {
      expect.fail(`supabase/schema.sql is stale: run npm run schema:dump\n(first difference at ${firstDifference(committed, current)})`);
    }
  });

  it('is deterministic: a second dump of the same database is identical', async () => {
    expect(await dumpSchema(t.db)).toBe(await dumpSchema(t.db));
  });
});
