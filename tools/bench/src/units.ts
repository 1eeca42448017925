/** Bytes (or bytes/s) as decimal megabytes, for humans. */
export function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
