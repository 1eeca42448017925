// Sizes and durations as people read them (`3.0 GiB`, `17.6 s`); the CLI prints raw numbers with
// --bytes or --json.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Binary units with one decimal from KiB up: 512 B, 1.5 MiB, 3.0 GiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return String(bytes);
  let v = bytes;
  let i = 0;
  // 1023.96 MiB would print as "1024.0 MiB": move up before rounding makes it 1024.
  while (i < UNITS.length - 1 && v >= 1024 - 0.05) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(1)} ${UNITS[i] ?? ''}`;
}

/** 0.4 s, 17.6 s, 2 min 05 s, 1 h 02 min. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const sec = whole % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(sec).padStart(2, '0')} s`;
}
