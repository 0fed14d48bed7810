import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type {
  CustomerRow,
  OverviewRow,
  PeakHourRow,
  ReferralConversionRow,
  ReferrerRow,
  ReportName,
  RevenueRow,
  ServiceRow,
  UtilizationRow,
} from '../../../api/admin-numbers';
import { Button, ErrorMessage, Loading, QueryState } from '../../../components/ui';
import { DEFAULT_TIMEZONE, dayKey, dollars } from '../../../lib/time';
import { BarsChart, LinesChart } from './Charts';
import { downloadCsv, usePagedReport, useReport, type Range } from './data';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "2026-03" or "2026-03-01" → "Mar 2026". */
export function monthLabel(v: unknown): string {
  const m = /^(\d{4})-(\d{2})/.exec(String(v));
  return m ? `${MONTHS[Number(m[2]) - 1]} ${m[1]}` : String(v);
}
/** "2026-03-02" → "Mar 2" (a week's Monday). */
function dayLabel(v: unknown): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(v));
  return m ? `${MONTHS[Number(m[2]) - 1]} ${Number(m[3])}` : String(v);
}
export function hourLabel(h: number): string {
  const suffix = h < 12 ? 'AM' : 'PM';
  return `${h % 12 === 0 ? 12 : h % 12} ${suffix}`;
}
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Number(v).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`);
const num = (v: unknown) => Number(v ?? 0).toLocaleString('en-US');
/** Charts read left to right in time (the reports list the newest first). */
const oldestFirst = <R extends object>(rows: R[], key: keyof R): R[] => [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
const money = (v: unknown) => dollars(Number(v ?? 0));

export function ReportsBody({ range }: { range: Range }) {
  return (
    <>
      <Overview range={range} />
      <div className="report-grid">
        <Revenue range={range} />
        <Services range={range} />
        <PeakHours range={range} />
        <Utilization range={range} />
        <ReferralConversion range={range} />
      </div>
      <Customers range={range} />
      <Referrers range={range} />
    </>
  );
}

function Download({ name, range, label }: { name: ReportName; range: Range; label: string }) {
  const download = useMutation({ mutationFn: () => downloadCsv(name, range) });
  return (
    <div className="report-download">
      <Button variant="secondary" busy={download.isPending} onClick={() => download.mutate()}>
        Download CSV<span className="visually-hidden"> of {label}</span>
      </Button>
      <ErrorMessage error={download.error} onRetry={() => download.mutate()} />
    </div>
  );
}

function Section({ id, title, name, range, note, children }: { id: string; title: string; name: ReportName; range: Range; note?: ReactNode; children: ReactNode }) {
  return (
    <section className="card report" aria-labelledby={id}>
      <div className="report-head">
        <h2 id={id}>{title}</h2>
        <Download name={name} range={range} label={title.toLowerCase()} />
      </div>
      {note && <p className="muted">{note}</p>}
      {children}
    </section>
  );
}

function Table({ caption, head, rows }: { caption: string; head: string[]; rows: ReactNode[][] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The chart's numbers as a table, folded away (screen readers and exact figures). */
function DataTable(props: { caption: string; head: string[]; rows: ReactNode[][] }) {
  return (
    <details className="report-data">
      <summary>The numbers</summary>
      <Table {...props} />
    </details>
  );
}

const rangeNote = (data: { from: string; to: string; timezone: string }) => `${data.from} to ${data.to} (${data.timezone})`;

function Overview({ range }: { range: Range }) {
  const query = useReport<OverviewRow>('overview', range);
  return (
    <Section id="report-overview" title="Overview" name="overview" range={range} note="This month so far against last month, whatever the dates above.">
      <QueryState query={query}>
        {(data) => {
          const r = data.rows[0];
          if (!r) return <p className="muted">No figures yet.</p>;
          const rating = (v: number | null) => (v === null ? '—' : Number(v).toFixed(1));
          return (
            <Table
              caption="This month against last month"
              head={['', `This month (${monthLabel(r.this_month)})`, `Last month (${monthLabel(r.last_month)})`]}
              rows={[
                ['Revenue', money(r.this_month_revenue_cents), money(r.last_month_revenue_cents)],
                ['Bookings', num(r.this_month_bookings), num(r.last_month_bookings)],
                ['New customers', num(r.this_month_new_customers), num(r.last_month_new_customers)],
                ['Average rating', rating(r.this_month_average_rating), rating(r.last_month_average_rating)],
                ['Credits outstanding', `${num(r.credits_outstanding)} credits (${money(Number(r.credits_outstanding) * 100)})`, ''],
              ]}
            />
          );
        }}
      </QueryState>
    </Section>
  );
}

function Empty({ what }: { what: string }) {
  return <p className="muted report-empty">No {what} in this range.</p>;
}

function Revenue({ range }: { range: Range }) {
  const query = useReport<RevenueRow>('revenue', range);
  return (
    <Section id="report-revenue" title="Revenue by month" name="revenue" range={range}>
      <QueryState query={query}>
        {(data) => {
          if (data.rows.length === 0) return <Empty what="revenue" />;
          const chart = oldestFirst(data.rows, 'month').map((r) => ({ month: monthLabel(r.month), revenue: r.revenue_cents / 100, net: r.net_cents / 100 }));
          return (
            <>
              <p className="muted">{rangeNote(data)}</p>
              <BarsChart title="Revenue and net revenue by month" data={chart} x="month" money series={[{ key: 'revenue', label: 'Revenue' }, { key: 'net', label: 'Net of refunds' }]} />
              <DataTable
                caption="Revenue by month"
                head={['Month', 'Revenue', 'Orders', 'Average order', 'Refunded', 'Net']}
                rows={data.rows.map((r) => [monthLabel(r.month), money(r.revenue_cents), num(r.order_count), money(r.avg_order_cents), money(r.refunded_cents), money(r.net_cents)])}
              />
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

function Services({ range }: { range: Range }) {
  const query = useReport<ServiceRow>('services', range);
  return (
    <Section id="report-services" title="Bookings by service" name="services" range={range}>
      <QueryState query={query}>
        {(data) => {
          if (data.rows.length === 0) return <Empty what="bookings" />;
          return (
            <>
              <BarsChart title="Bookings by service" data={data.rows.map((r) => ({ service: r.service_type, bookings: Number(r.booking_count) }))} x="service" series={[{ key: 'bookings', label: 'Bookings' }]} />
              <DataTable
                caption="Bookings by service"
                head={['Service', 'Bookings', 'Average length', 'Revenue']}
                rows={data.rows.map((r) => [r.service_type, num(r.booking_count), r.avg_duration === null ? '—' : `${Math.round(Number(r.avg_duration))} min`, money(r.revenue_cents)])}
              />
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

function PeakHours({ range }: { range: Range }) {
  const query = useReport<PeakHourRow>('peak-hours', range);
  return (
    <Section id="report-peak-hours" title="Peak hours" name="peak-hours" range={range}>
      <QueryState query={query}>
        {(data) => {
          if (data.rows.length === 0) return <Empty what="bookings" />;
          const by = new Map(data.rows.map((r) => [Number(r.hour_of_day), Number(r.booking_count)]));
          const hours = [...by.keys()];
          const first = Math.min(...hours);
          const last = Math.max(...hours);
          const chart = Array.from({ length: last - first + 1 }, (_, i) => ({ hour: hourLabel(first + i), bookings: by.get(first + i) ?? 0 }));
          return (
            <>
              <BarsChart title={`Bookings by starting hour (${data.timezone})`} data={chart} x="hour" series={[{ key: 'bookings', label: 'Bookings' }]} />
              <DataTable caption="Bookings by starting hour" head={['Hour', 'Bookings']} rows={data.rows.map((r) => [hourLabel(Number(r.hour_of_day)), num(r.booking_count)])} />
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

function Utilization({ range }: { range: Range }) {
  const query = useReport<UtilizationRow>('utilization', range);
  return (
    <Section id="report-utilization" title="Utilization by week" name="utilization" range={range} note="Places booked out of places offered, each week.">
      <QueryState query={query}>
        {(data) => {
          if (data.rows.length === 0) return <Empty what="slots" />;
          return (
            <>
              <LinesChart title="Utilization by week, percent" unit="%" data={oldestFirst(data.rows, 'week').map((r) => ({ week: dayLabel(r.week), utilization: r.utilization_percent === null ? null : Number(r.utilization_percent) }))} x="week" series={[{ key: 'utilization', label: 'Utilization' }]} />
              <DataTable
                caption="Utilization by week"
                head={['Week of', 'Slots', 'Places offered', 'Places booked', 'Utilization']}
                rows={data.rows.map((r) => [dayLabel(r.week), num(r.slots_offered), num(r.places_offered), num(r.places_booked), pct(r.utilization_percent)])}
              />
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

function ReferralConversion({ range }: { range: Range }) {
  const query = useReport<ReferralConversionRow>('referral-conversion', range);
  return (
    <Section id="report-referral-conversion" title="Referral conversion" name="referral-conversion" range={range}>
      <QueryState query={query}>
        {(data) => {
          if (data.rows.length === 0) return <Empty what="referrals" />;
          return (
            <>
              <BarsChart
                title="Invitations sent and successful sign-ups by month"
                data={oldestFirst(data.rows, 'month').map((r) => ({ month: monthLabel(r.month), sent: Number(r.invitations_sent), signups: Number(r.successful_signups) }))}
                x="month"
                series={[{ key: 'sent', label: 'Invitations' }, { key: 'signups', label: 'Successful sign-ups' }]}
              />
              <DataTable
                caption="Referral conversion by month"
                head={['Month', 'Invitations', 'Successful sign-ups', 'Conversion']}
                rows={data.rows.map((r) => [monthLabel(r.month), num(r.invitations_sent), num(r.successful_signups), pct(r.conversion_rate_percent)])}
              />
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

function MoreButton({ query }: { query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown; error: unknown } }) {
  if (!query.hasNextPage) return null;
  return (
    <Button variant="secondary" busy={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
      Show more
    </Button>
  );
}

/** A ranked report (customers, referrers): 25 rows at a time, "Show more" for the next page. */
function PagedReport<Row>({ range, name, id, title, empty, head, cells }: {
  range: Range;
  name: 'customers' | 'referrers';
  id: string;
  title: string;
  empty: string;
  head: string[];
  cells: (row: Row, timezone: string) => ReactNode[];
}) {
  const query = usePagedReport<Row>(name, range);
  return (
    <Section id={id} title={title} name={name} range={range}>
      {query.isPending ? (
        <Loading />
      ) : query.data === undefined ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        (() => {
          const rows = query.data.pages.flatMap((p) => p.rows);
          if (rows.length === 0) return <Empty what={empty} />;
          const timezone = query.data.pages[0]?.timezone ?? DEFAULT_TIMEZONE;
          return (
            <>
              <Table caption={title} head={head} rows={rows.map((r) => cells(r, timezone))} />
              <MoreButton query={query} />
              <ErrorMessage error={query.error} onRetry={() => void query.fetchNextPage()} />
            </>
          );
        })()
      )}
    </Section>
  );
}

function Customers({ range }: { range: Range }) {
  return (
    <PagedReport<CustomerRow>
      range={range}
      name="customers"
      id="report-customers"
      title="Customers by lifetime value"
      empty="customers"
      head={['Customer', 'Email', 'Bookings', 'Lifetime value', 'Credits', 'Last booking']}
      cells={(r, tz) => [r.full_name || '—', r.email, num(r.total_bookings), money(r.lifetime_value_cents), num(r.credits), r.last_booking ? dayKey(r.last_booking, tz) : '—']}
    />
  );
}

function Referrers({ range }: { range: Range }) {
  return (
    <PagedReport<ReferrerRow>
      range={range}
      name="referrers"
      id="report-referrers"
      title="Top referrers"
      empty="referrals"
      head={['Referrer', 'Email', 'Referrals', 'Successful', 'Credits earned']}
      cells={(r) => [r.referrer_name || '—', r.referrer_email, num(r.total_referrals), num(r.successful_referrals), num(r.credits_earned)]}
    />
  );
}
