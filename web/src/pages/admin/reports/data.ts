import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, rawApi } from '../../../api/client';
import type { ReportName, ReportResponse } from '../../../api/admin-numbers';

export interface Range {
  from?: string;
  to?: string;
}

function query(range: Range, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams(extra);
  if (range.from) q.set('from', range.from);
  if (range.to) q.set('to', range.to);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** One report's rows (JSON) for the range. */
export function useReport<Row>(name: ReportName, range: Range) {
  return useQuery({
    queryKey: ['admin', 'report', name, range.from ?? '', range.to ?? ''],
    queryFn: () => api<ReportResponse<Row>>(`/api/admin/reports/${name}${query(range, { limit: '1000' })}`),
  });
}

/** A ranked, paged report (customers, referrers): pages of 25 with "Show more". */
export function usePagedReport<Row>(name: ReportName, range: Range) {
  return useInfiniteQuery({
    queryKey: ['admin', 'report', name, range.from ?? '', range.to ?? '', 'paged'],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<ReportResponse<Row>>(`/api/admin/reports/${name}${query(range, pageParam ? { limit: '25', cursor: pageParam } : { limit: '25' })}`),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** The file name in a Content-Disposition header (filename*=UTF-8'' or filename="…"). */
export function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain?.[1]?.trim() || fallback;
}

/** Fetches a report as CSV with the session's token and saves it under the server's file name. */
export async function downloadCsv(name: ReportName, range: Range): Promise<string> {
  const res = await rawApi(`/api/admin/reports/${name}${query(range, { format: 'csv' })}`, { headers: { accept: 'text/csv' } });
  const blob = await res.blob();
  const fileName = fileNameOf(res.headers.get('content-disposition'), `${name}.csv`);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return fileName;
}
