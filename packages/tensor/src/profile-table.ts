import type { DeviceTiming, ProfileRow } from './profiler.js';

/** Options of `Profile.table()`. */
export interface TableOptions {
  /** Column to sort by, descending (default `'selfMs'`, as torch's `self_cpu_time_total`). */
  sortBy?: 'selfMs' | 'totalMs' | 'calls' | 'selfDeviceMs' | 'deviceTotalMs' | 'selfBytes' | 'totalBytes' | 'name';
  /** Print at most this many rows (default: all). */
  rowLimit?: number;
}

/** `1.234ms`, `12.345us`, as torch.profiler prints times. */
export function fmtTime(ms: number | null): string {
  if (ms === null) return 'pending';
  if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`;
  if (ms >= 1) return `${ms.toFixed(3)}ms`;
  return `${(ms * 1000).toFixed(3)}us`;
}

/** `1.50 Mb`, `512 b`, as torch.profiler prints memory. */
export function fmtBytes(b: number): string {
  const a = Math.abs(b);
  if (a >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} Gb`;
  if (a >= 2 ** 20) return `${(b / 2 ** 20).toFixed(2)} Mb`;
  if (a >= 2 ** 10) return `${(b / 2 ** 10).toFixed(2)} Kb`;
  return `${b} b`;
}

const TIMING_NOTE: Record<DeviceTiming, string> = {
  device: 'measured on the device (timestamp queries)',
  host: 'kernel run time measured on the host (synchronous kernels)',
  enqueue: 'host time to enqueue the kernels: the adapter has no timestamp-query, so run time is not measured',
};

/**
 * Format profile rows as torch.profiler's `key_averages().table()` does: one line per op and
 * device, self and total host time, device time, memory and calls, then the totals.
 *
 * @example
 * console.log(formatProfileTable(prof.rows, prof.wallMs, prof.deviceTiming, { rowLimit: 10 }));
 */
export function formatProfileTable(
  rows: readonly ProfileRow[],
  wallMs: number,
  timing: Readonly<Record<string, DeviceTiming>>,
  opts: TableOptions = {},
): string {
  const key = opts.sortBy ?? 'selfMs';
  const sorted = [...rows].sort((a, b) => {
    if (key === 'name') return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return (b[key] ?? 0) - (a[key] ?? 0);
  });
  const shown = opts.rowLimit === undefined ? sorted : sorted.slice(0, opts.rowLimit);
  const selfTotal = rows.reduce((a, r) => a + r.selfMs, 0);
  const devTotal = rows.reduce((a, r) => (a === null || r.selfDeviceMs === null ? null : a + r.selfDeviceMs), 0 as number | null);
  const pct = (v: number) => (selfTotal > 0 ? `${((100 * v) / selfTotal).toFixed(2)}%` : '-');
  const header = [
    'Name',
    'Device',
    'Self host %',
    'Self host',
    'Host total',
    'Host avg',
    'Self device',
    'Device total',
    'Self mem',
    'Mem',
    '# of Calls',
  ];
  const body = shown.map((r) => [
    r.name,
    r.device || '-',
    pct(r.selfMs),
    fmtTime(r.selfMs),
    fmtTime(r.totalMs),
    fmtTime(r.calls ? r.totalMs / r.calls : 0),
    fmtTime(r.selfDeviceMs),
    fmtTime(r.deviceTotalMs),
    fmtBytes(r.selfBytes),
    fmtBytes(r.totalBytes),
    String(r.calls),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = widths.map((w) => '-'.repeat(w)).join('  ');
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line, fmt(header), line, ...body.map(fmt), line];
  out.push(`Self host time total: ${fmtTime(selfTotal)} (wall ${fmtTime(wallMs)})`);
  out.push(`Self device time total: ${fmtTime(devTotal)}`);
  for (const [dev, t] of Object.entries(timing)) out.push(`Device time on ${dev}: ${TIMING_NOTE[t]}`);
  if (shown.length < rows.length) out.push(`(${rows.length - shown.length} more rows; pass { rowLimit } to see them)`);
  return out.join('\n');
}
