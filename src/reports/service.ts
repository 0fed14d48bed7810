import type { Readable } from 'node:stream';
import { signedIn } from '../auth/caller.js';
import type { Caller, Database } from '../db/index.js';
import { notFound, validationFailed } from '../errors.js';
import { csvWriter, writeRecord } from './csv.js';
import * as repo from './repository.js';

export type { ReportName } from './repository.js';


export interface ReportCsv {
  range: repo.ReportRange;
  filename: string;
  body: Readable;
}

/** A calendar date YYYY-MM-DD that exists (2025-02-30 does not). */
function checkDate(name: 'from' | 'to', value: string | undefined): void {
  if (value === undefined) return;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.toISOString().slice(0, 10) !== value || Number(m[1]) < 1900) {
    throw validationFailed(`${name} must be a date YYYY-MM-DD`, { field: name });
  }
}

/** Reports for admins: JSON pages built by the database, or every row as CSV, streamed. */
export class ReportService {
  /** `csvBatch`: rows fetched from the database cursor at a time while a CSV streams (1,000). */
  constructor(
    private readonly db: Database,
    private readonly options: { csvBatch?: number } = {},
  ) {}

  private check(caller: Caller, name: string, q: repo.ReportQuery): repo.ReportName {
    signedIn(caller);
    if (!repo.isReportName(name)) throw notFound('Report');
    checkDate('from', q.from);
    checkDate('to', q.to);
    return name;
  }

  /** {"report","from","to","timezone","rows","next_cursor"} as JSON text. */
  async json(caller: Caller, name: string, q: repo.ReportQuery): Promise<string> {
    return repo.reportJson(this.db, caller, this.check(caller, name, q), q);
  }

  /**
   * Every row as CSV. The caller's transaction stays open while the body streams (a database
   * cursor read `csvBatch` rows at a time, waiting for the client: constant memory). Resolves
   * once the first row is read, so a refusal or bad input is an error status, not a broken file.
   */
  csv(caller: Caller, name: string, q: repo.ReportQuery): Promise<ReportCsv> {
    const report = this.check(caller, name, q);
    const out = csvWriter(repo.reportColumns[report]);
    return new Promise<ReportCsv>((resolve, reject) => {
      let started = false;
      this.db
        .asCaller(caller, async (tx) => {
          const range = await repo.openReportCursor(tx, report, q);
          started = true;
          resolve({ range, filename: `${report}-${range.from ?? 'all'}-${range.to}.csv`, body: out });
          for (;;) {
            const rows = await repo.fetchReportRows(tx, this.options.csvBatch ?? 1_000);
            if (rows.length === 0) break;
            for (const row of rows) if (!(await writeRecord(out, row))) return;
          }
          out.end();
        })
        .catch((err: unknown) => {
          if (started) out.destroy(err as Error);
          else reject(err);
        });
    });
  }
}
