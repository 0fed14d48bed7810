import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { Queryable } from '../db/index.js';
import { countExport, exportColumns, exportPage, type ExportCursor, type ExportFilter, type ExportKind } from './repository.js';

/** How long work reports where it is: a bar on a terminal, lines otherwise. */
export interface Progress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
}

export const EXPORT_BATCH = 1000;

/** RFC 4180 (CRLF, quotes doubled); booleans as true/false, not csv-stringify's 1/empty. */
const CSV = { record_delimiter: 'windows' as const, cast: { boolean: (value: boolean) => (value ? 'true' : 'false') } };

function cell(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

/**
 * Writes one export as RFC 4180 CSV (header row first) to `file`, a page of `batchSize` rows at
 * a time (keyset pagination: memory stays one page however large the table), into `file.part`
 * renamed at the end, so a failed export leaves no half file under the name asked for.
 * Returns the rows written.
 */
export async function writeExport(
  db: Queryable,
  kind: ExportKind,
  file: string,
  options: { filter?: ExportFilter; progress?: Progress; batchSize?: number } = {},
): Promise<number> {
  const filter = options.filter ?? {};
  const batch = options.batchSize ?? EXPORT_BATCH;
  const columns = exportColumns(kind);
  const part = `${file}.part`;
  const out = createWriteStream(part);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  let written = 0;
  try {
    options.progress?.start(await countExport(db, kind, filter));
    await write(stringify([columns], CSV));
    let cursor: ExportCursor | null = null;
    for (;;) {
      const page = await exportPage(db, kind, filter, cursor, batch);
      if (page.rows.length === 0) break;
      await write(stringify(page.rows.map((row) => columns.map((c) => cell(row[c]))), CSV));
      written += page.rows.length;
      options.progress?.update(written);
      if (page.rows.length < batch) break;
      cursor = page.next;
    }
    out.end();
    await once(out, 'finish');
    await rename(part, file);
    return written;
  } catch (err) {
    out.destroy();
    await rm(part, { force: true });
    throw err;
  } finally {
    options.progress?.stop();
  }
}
