import { formatTable, type Row } from './report';

const row = (tool: string, wallSeconds: number, verified = true): Row => ({
  receivers: 4,
  loss: 0,
  linkBps: 500e6,
  imageBytes: 200 * 1024 * 1024,
  result: { tool, wallSeconds, senderCpuSeconds: 1, bytesSent: 1, verified, flags: '' },
});

describe('formatTable', () => {
  it('compares against the fastest verified peer, never castpoint itself or the floor', () => {
    const { json } = formatTable([row('castpoint', 5), row('floor', 2), row('udpcast', 10), row('uftp', 8, false)]);
    const rows = (json as { rows: Array<{ tool: string; x_best_peer: number | null; x_line_rate: number }> }).rows;
    expect(rows.find((r) => r.tool === 'castpoint')?.x_best_peer).toBe(0.5);
    expect(rows.find((r) => r.tool === 'floor')?.x_best_peer).toBe(0.2);
    expect(rows.find((r) => r.tool === 'udpcast')?.x_best_peer).toBe(1);
    // line rate: 200 MiB at 500 Mbit/s = 3.355 s
    expect(rows.find((r) => r.tool === 'castpoint')?.x_line_rate).toBeCloseTo(5 / 3.3554432, 5);
  });
});
