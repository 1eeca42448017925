import type { TransferResult } from './peers';
import { isCastpoint } from './castpoint-build';
import type { CpuPerGiB } from './cpu-per-gib';
import { verdictCell, type IdleVerdict } from './idle-check';

export interface Row {
  readonly receivers: number;
  readonly loss: number;
  readonly linkBps?: number;
  /** The first receiver's own link, when shaped (--slow-receiver). */
  readonly slowBps?: number;
  /** The LAN's MTU when not 1500. */
  readonly mtu?: number;
  readonly imageBytes: number;
  /** The run reported (the median one with --repeat). */
  readonly result: TransferResult;
  /** With --repeat: every finished run's wall seconds and the runs that failed. */
  readonly runs?: { readonly walls: readonly number[]; readonly failed: number };
  /** CPU seconds per GiB of image, sender and receivers, medians over the runs. */
  readonly cpu?: CpuPerGiB;
  /** The box's idle check before the runs (idle-check.ts). */
  readonly box?: IdleVerdict;
}

/** The line-rate limit: seconds the image's bits need on the link (unshaped: none, NaN). */
export function lineRateSeconds(row: Row): number {
  const bottleneck = Math.min(row.linkBps ?? Infinity, row.slowBps ?? Infinity);
  return Number.isFinite(bottleneck) ? (row.imageBytes * 8) / bottleneck : NaN;
}

/** Rows that are not peers: castpoint itself (any build), and the floors (bare dgram, not deployments). */
const NOT_PEERS = new Set(['floor', 'floor-auth']);
const isPeer = (tool: string): boolean => !NOT_PEERS.has(tool) && !isCastpoint(tool);

/**
 * One table: for each case, every tool's wall seconds, the ratio to the best peer of that case
 * (castpoint and the floor excluded from "peers"), the ratio to the line-rate limit, sender CPU,
 * bytes sent.
 */
export function formatTable(rows: readonly Row[]): { table: string; json: unknown } {
  const key = (r: Row): string => `${r.receivers}|${r.loss}|${r.linkBps ?? 0}|${r.slowBps ?? 0}|${r.mtu ?? 1500}`;
  const bestPeer = new Map<string, number>();
  for (const r of rows) {
    if (!isPeer(r.result.tool) || !r.result.verified) continue;
    const k = key(r);
    bestPeer.set(k, Math.min(bestPeer.get(k) ?? Infinity, r.result.wallSeconds));
  }
  const repeated = rows.some((r) => r.runs !== undefined);
  const head = ['link', 'rcv', 'loss', 'tool', 'wall s', 'x best peer', 'x line rate', 'cpu s', 'snd cpu/GiB', 'rcv cpu/GiB', 'MB sent', 'x image', 'ok', 'box', 'core MB/s', ...(repeated ? ['runs (wall s)'] : [])];
  const lines = rows.map((r) => {
    const best = bestPeer.get(key(r));
    const line = lineRateSeconds(r);
    return [
      `${r.linkBps ? `${r.linkBps / 1e6}M` : 'none'}${r.slowBps ? ` slow1 ${r.slowBps / 1e6}M` : ''}${r.mtu !== undefined ? ` mtu ${r.mtu}` : ''}`,
      String(r.receivers),
      `${(r.loss * 100).toFixed(0)}%`,
      r.result.tool,
      r.result.wallSeconds.toFixed(2),
      best ? (r.result.wallSeconds / best).toFixed(2) : '-',
      Number.isNaN(line) ? '-' : (r.result.wallSeconds / line).toFixed(2),
      r.result.senderCpuSeconds.toFixed(2),
      fixed(r.cpu?.sender),
      r.cpu ? `${fixed(r.cpu.receiverMean)} (max ${fixed(r.cpu.receiverMax)})` : '-',
      (r.result.bytesSent / 1e6).toFixed(1),
      (r.result.bytesSent / r.imageBytes).toFixed(2),
      r.result.verified ? 'yes' : 'NO',
      verdictCell(r.box),
      r.box?.sample.coreMBps !== undefined ? String(r.box.sample.coreMBps) : '-',
      ...(repeated ? [runsCell(r)] : []),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  // Numbers right-aligned; the box verdict and the runs column (lists) stay left-aligned.
  const leftAligned = new Set([head.indexOf('box'), repeated ? head.length - 1 : -1]);
  const fmt = (cells: string[]): string => cells.map((c, i) => (leftAligned.has(i) ? c.padEnd(i === head.length - 1 ? 0 : (widths[i] ?? 0)) : c.padStart(widths[i] ?? 0))).join('  ');
  const table = [fmt(head), ...lines.map(fmt)].join('\n');
  const json = {
    bench: 'castpoint-vs-peers',
    rows: rows.map((r) => ({
      link_bps: r.linkBps ?? null,
      ...(r.slowBps !== undefined ? { slow_receiver_bps: r.slowBps } : {}),
      ...(r.mtu !== undefined ? { mtu: r.mtu } : {}),
      receivers: r.receivers,
      loss: r.loss,
      tool: r.result.tool,
      wall_s: r.result.wallSeconds,
      x_best_peer: (bestPeer.get(key(r)) ?? NaN) > 0 ? r.result.wallSeconds / (bestPeer.get(key(r)) ?? NaN) : null,
      x_line_rate: Number.isNaN(lineRateSeconds(r)) ? null : r.result.wallSeconds / lineRateSeconds(r),
      cpu_s: r.result.senderCpuSeconds,
      sender_cpu_per_gib: r.cpu ? nullIfNaN(r.cpu.sender) : null,
      receiver_cpu_per_gib: r.cpu ? r.cpu.receivers.map(nullIfNaN) : null,
      box_idle: r.box ? r.box.idle : null,
      box: r.box ? { ...r.box.sample, reasons: r.box.reasons } : null,
      bytes_per_image_byte: r.result.bytesSent / r.imageBytes,
      bytes_sent: r.result.bytesSent,
      verified: r.result.verified,
      flags: r.result.flags,
      ...(r.runs ? { wall_runs: r.runs.walls, failed_runs: r.runs.failed } : {}),
    })),
  };
  return { table, json };
}

function fixed(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '-' : v.toFixed(2);
}

const nullIfNaN = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** "4.58 4.70 4.92", plus how many runs failed. */
function runsCell(r: Row): string {
  if (!r.runs) return '';
  const walls = r.runs.walls.map((w) => w.toFixed(2)).join(' ');
  return r.runs.failed > 0 ? `${walls} (+${r.runs.failed} failed)` : walls;
}
