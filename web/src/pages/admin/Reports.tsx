import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent, type ReactNode } from 'react';
import { PageTitle } from '../../components/ui';
import { ReportsBody } from './reports/ReportsBody';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Admins' reports: a date range (kept in ?from&to), charts and tables, a CSV download for each. */
export function ReportsPage() {
  const search = useSearch({ from: '/admin/reports' });
  const navigate = useNavigate({ from: '/admin/reports' });
  const range = { from: search.from && DATE.test(search.from) ? search.from : undefined, to: search.to && DATE.test(search.to) ? search.to : undefined };
  const [from, setFrom] = useState(range.from ?? '');
  const [to, setTo] = useState(range.to ?? '');
  const [problem, setProblem] = useState<string | null>(null);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (from && to && from > to) {
      setProblem('The start date must be on or before the end date.');
      return;
    }
    setProblem(null);
    void navigate({ search: { from: from || undefined, to: to || undefined } });
  };

  return (
    <section>
      <PageTitle lead="Money, bookings and referrals over a range of dates, in the business time zone. Without dates: the last 12 months.">Reports</PageTitle>
      <form className="card report-range" onSubmit={apply} aria-label="Date range" noValidate>
        <div className="row">
          <DateField label="From" value={from} onChange={setFrom} error={problem} />
          <DateField label="To" value={to} onChange={setTo} />
          <button type="submit" className="btn btn-primary">
            Show
          </button>
          {(range.from || range.to) && (
            <button
              type="button"
              className="btn btn-link"
              onClick={() => {
                setFrom('');
                setTo('');
                void navigate({ search: {} });
              }}
            >
              Last 12 months
            </button>
          )}
        </div>
      </form>
      <ReportsBody range={range} />
    </section>
  );
}

function DateField({ label, value, onChange, error }: { label: string; value: string; onChange: (v: string) => void; error?: string | null }): ReactNode {
  const id = `report-${label.toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="date" value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
