import { stringify, type Stringifier } from 'csv-stringify';

/** An RFC 4180 CSV writer (CRLF, quotes doubled, fields with , " or newlines quoted) with a header row. */
export function csvWriter(columns: readonly string[]): Stringifier {
  return stringify({
    header: true,
    columns: columns.map((key) => ({ key })),
    record_delimiter: '\r\n',
    cast: { boolean: (v) => (v ? 'true' : 'false') },
  });
}

/** Writes one record, waiting for the reader when the buffer is full; false once the reader has gone. */
export async function writeRecord(out: Stringifier, record: Record<string, unknown>): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(record)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
  return !out.destroyed;
}
