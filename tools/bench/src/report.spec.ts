import { formatTable, type Row } from './report';
import { judgeIdle } from './idle-check';

const row = (tool: string, wallSeconds: number, verified = true): Row => ({
  receivers: 4,
  loss: 0,
  linkBps: 500e6,
  imageBytes: 200 * 1024 * 1024,
  result: { tool, wallSeconds, senderCpuSeconds: 1, receiverCpuSeconds: [], bytesSent: 1, verified, flags: '' },
});

describe('formatTable', () => {
  it('compares against the fastest verified peer, never castpoint (any build) or a floor', () => {
    const { json } = formatTable([row('castpoint', 5), row('castpoint@/tmp/base/dist', 1), row('floor', 2), row('floor-auth', 3), row('udpcast', 10), row('uftp', 8, false)]);
    const rows = (json as { rows: Array<{ tool: string; x_best_peer: number | null; x_line_rate: number }> }).rows;
    expect(rows.find((r) => r.tool === 'castpoint')?.x_best_peer).toBe(0.5);
    expect(rows.find((r) => r.tool === 'floor')?.x_best_peer).toBe(0.2);
    expect(rows.find((r) => r.tool === 'floor-auth')?.x_best_peer).toBe(0.3);
    expect(rows.find((r) => r.tool === 'udpcast')?.x_best_peer).toBe(1);
    // Another castpoint build is compared with the peers too, never taken for one.
    expect(rows.find((r) => r.tool === 'castpoint@/tmp/base/dist')?.x_best_peer).toBe(0.1);
    // line rate: 200 MiB at 500 Mbit/s = 3.355 s
    expect(rows.find((r) => r.tool === 'castpoint')?.x_line_rate).toBeCloseTo(5 / 3.3554432, 5);
  });

  it('keeps cases of another MTU apart: their own best peer, the MTU in the link cell and the JSON row', () => {
    const jumbo = (tool: string, wallSeconds: number): Row => ({ ...row(tool, wallSeconds), mtu: 9000 });
    const { table, json } = formatTable([row('castpoint', 5), row('udpcast', 10), jumbo('castpoint', 4), jumbo('udpcast', 8)]);
    const rows = (json as { rows: Array<{ tool: string; mtu?: number; x_best_peer: number | null }> }).rows;
    expect(rows.map((r) => [r.tool, r.mtu, r.x_best_peer])).toEqual([
      ['castpoint', undefined, 0.5],
      ['udpcast', undefined, 1],
      ['castpoint', 9000, 0.5],
      ['udpcast', 9000, 1],
    ]);
    expect(table.split('\n')[3]).toMatch(/^500M mtu 9000 +4 +0% +castpoint/);
  });

  it('puts CPU per GiB for the sender and the receivers (mean, max), the box verdict and its core speed in every row', () => {
    const busy = judgeIdle({ load1: 3, cores: 2, stealShare: 0, spinShare: 1, coreMBps: 412 });
    const withCpu: Row = { ...row('udpcast', 6), cpu: { sender: 15.12, receivers: [4, 6], receiverMean: 5, receiverMax: 6 }, box: busy };
    const { table, json } = formatTable([withCpu, row('castpoint', 5)]);
    const [head, first, second] = table.split('\n');
    expect(head).toMatch(/snd cpu\/GiB\s+rcv cpu\/GiB\s+MB sent\s+x image\s+ok\s+box\s+core MB\/s/);
    expect(first).toMatch(/15\.12\s+5\.00 \(max 6\.00\)\s+0\.0\s+\d+\.\d\d\s+yes\s+busy \(load 3\.00 on 2 cores\)\s+412$/);
    // A row without figures says so with '-', never a made-up zero.
    expect(second).toMatch(/\s-\s+-\s+0\.0\s+\d+\.\d\d\s+yes\s+-\s+-$/);
    const r0 = (json as { rows: Array<Record<string, unknown>> }).rows[0];
    expect(r0).toMatchObject({ sender_cpu_per_gib: 15.12, receiver_cpu_per_gib: [4, 6], box_idle: false, box: { coreMBps: 412 } });
  });

  it('shows every run with --repeat: a runs column and wall_runs in the JSON, the median in wall s', () => {
    const repeated: Row = { ...row('castpoint', 4.9), runs: { walls: [5.2, 4.6, 4.9], failed: 1 } };
    const { table, json } = formatTable([repeated, { ...row('udpcast', 6.2), runs: { walls: [6.2], failed: 0 } }]);
    const [head, first] = table.split('\n');
    expect(head).toContain('runs (wall s)');
    expect(first).toMatch(/castpoint\s+4\.90 .* 5\.20 4\.60 4\.90 \(\+1 failed\)$/);
    expect((json as { rows: Array<{ wall_runs?: number[]; failed_runs?: number }> }).rows[0]).toMatchObject({ wall_runs: [5.2, 4.6, 4.9], failed_runs: 1 });
    // Without --repeat the table keeps its usual columns.
    expect(formatTable([row('castpoint', 5)]).table.split('\n')[0]).not.toContain('runs');
  });

  it('shows the bytes on the wire per byte of image', () => {
    const measured: Row = { ...row('castpoint', 5), imageBytes: 1000, result: { ...row('castpoint', 5).result, bytesSent: 350 } };
    const { table, json } = formatTable([measured, { ...row('uftp', 9), imageBytes: 1000, result: { ...row('uftp', 9).result, bytesSent: 1100 } }]);
    const [head, cp, uftp] = table.split('\n');
    expect(head).toMatch(/MB sent\s+x image\s+ok/);
    expect(cp).toMatch(/0\.0\s+0\.35\s+yes/);
    expect(uftp).toMatch(/0\.0\s+1\.10\s+yes/);
    expect((json as { rows: Array<Record<string, unknown>> }).rows.map((r) => r['bytes_per_image_byte'])).toEqual([0.35, 1.1]);
  });
});
