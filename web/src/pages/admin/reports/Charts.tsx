import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/**
 * The report charts (recharts: imported only here, so it stays in the Reports page's chunk).
 * Each chart is decorative beside its data table; the numbers are read from the table.
 */

const BRAND = '#0b5563';
const ACCENT = '#b45309';
const HEIGHT = 260;

export interface Series {
  key: string;
  label: string;
  color?: string;
}

const compactDollars = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;

export function BarsChart({
  data,
  x,
  series,
  money,
  title,
}: {
  data: Record<string, unknown>[];
  x: string;
  series: Series[];
  money?: boolean;
  title: string;
}) {
  return (
    <div className="chart" role="img" aria-label={title}>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={data} margin={{ top: 8, right: 8, left: 8, bottom: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey={x} />
          <YAxis tickFormatter={money ? compactDollars : undefined} allowDecimals={!!money} width={money ? 72 : 48} />
          <Tooltip formatter={money ? (v) => compactDollars(Number(v)) : undefined} />
          {series.length > 1 && <Legend />}
          {series.map((s, i) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color ?? (i === 0 ? BRAND : ACCENT)} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function LinesChart({ data, x, series, unit, title }: { data: Record<string, unknown>[]; x: string; series: Series[]; unit?: string; title: string }) {
  return (
    <div className="chart" role="img" aria-label={title}>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <LineChart data={data} margin={{ top: 8, right: 8, left: 8, bottom: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey={x} />
          <YAxis unit={unit} width={56} />
          <Tooltip />
          {series.length > 1 && <Legend />}
          {series.map((s, i) => (
            <Line key={s.key} type="monotone" dataKey={s.key} name={s.label} stroke={s.color ?? (i === 0 ? BRAND : ACCENT)} strokeWidth={2} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
