import { Button } from '../../components/ui';

/** "Showing 1–50 of 120" with Previous / Next, for the console's long lists. */
export function Pager({ offset, limit, total, shown, onChange, noun }: { offset: number; limit: number; total: number; shown: number; onChange: (offset: number) => void; noun: [string, string] }) {
  const word = total === 1 ? noun[0] : noun[1];
  return (
    <div className="pager">
      <p className="muted" aria-live="polite">
        {total > shown || offset > 0 ? `${offset + 1}–${offset + shown} of ${total} ${word}` : `${total} ${word}`}
      </p>
      {(offset > 0 || offset + shown < total) && (
        <div className="row">
          <Button variant="secondary" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
            Previous page
          </Button>
          <Button variant="secondary" disabled={offset + shown >= total} onClick={() => onChange(offset + limit)}>
            Next page
          </Button>
        </div>
      )}
    </div>
  );
}
