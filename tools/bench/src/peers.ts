import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { collect, waitForLine, type Host, type Lan } from '@castpoint/netlab';
import { parseCpuTimes, processCpuSeconds, sha256File, txBytes, withCpuTimes } from './measure';

/** One transfer of one image from the LAN's server host to some of its client hosts. */
export interface TransferSpec {
  readonly lan: Lan;
  readonly image: string;
  readonly imageSha256: string;
  readonly receivers: readonly Host[];
  /** Where each receiver writes its copy (a directory per run; removed by the caller). */
  readonly workDir: string;
  /** Shaped server link rate in bit/s, if any: peers with a rate knob are set just under it. */
  readonly linkBps?: number;
  /** Give up after this long. @default 300 s */
  readonly timeoutMs?: number;
  /** Extra flags of castpoint's `image add` (--used-blocks, --compress for the realistic disk). */
  readonly castpointImageFlags?: readonly string[];
}

export interface TransferResult {
  readonly tool: string;
  /** Seconds from the sender's start until every receiver has ended. */
  readonly wallSeconds: number;
  readonly senderCpuSeconds: number;
  /** Each receiver's CPU seconds (user + system) for the transfer, in receiver order; NaN where unknown. */
  readonly receiverCpuSeconds: readonly number[];
  /** Bytes the server host put on its link. */
  readonly bytesSent: number;
  /** Every receiver's copy has the image's SHA-256 (checked after the clock stops). */
  readonly verified: boolean;
  /** The flags used, for the report. */
  readonly flags: string;
  /** castpoint: where the wall time went (session-phases.ts), shown on the run's line. */
  readonly phases?: string;
}

const outFile = (spec: TransferSpec, h: Host): string => path.join(spec.workDir, h.name, 'image.out');

async function verifyAll(spec: TransferSpec, files: string[]): Promise<boolean> {
  const sums = await Promise.all(files.map((f) => sha256File(f).catch(() => '')));
  return sums.every((s) => s === spec.imageSha256);
}

/**
 * udpcast, as FOG and Clonezilla run it. Best flags found here: --max-bitrate a little under the
 * shaped link (without it udpcast overruns the shaper's queue and spends the time retransmitting),
 * default slices, no FEC (its FEC is proactive only and costs bandwidth at 0-1% loss).
 */
export async function runUdpcast(spec: TransferSpec): Promise<TransferResult> {
  const { lan } = spec;
  const iface = 'eth0';
  const rate = spec.linkBps ? [`--max-bitrate`, `${Math.floor((spec.linkBps * 0.95) / 1e6)}m`] : [];
  const recv = spec.receivers.map((h) => {
    mkdirSync(path.dirname(outFile(spec, h)), { recursive: true });
    const [rcmd, rargs] = withCpuTimes('udp-receiver', ['--file', outFile(spec, h), '--interface', iface, '--nokbd', '--portbase', '9000']);
    return lan.spawn(h, rcmd, rargs);
  });
  const before = await txBytes(lan, lan.server);
  const t0 = process.hrtime.bigint();
  const senderArgs = ['--file', spec.image, '--interface', iface, '--nokbd', '--min-receivers', String(spec.receivers.length), '--portbase', '9000', ...rate];
  const [cmd, args] = withCpuTimes('udp-sender', senderArgs);
  const senderProc = lan.spawn(lan.server, cmd, args);
  // Every process is waited for, so that one that hangs (udpcast does, now and then, with a
  // receiver that never connected) fails this run instead of leaving a rejection nobody handles.
  const [s, ...rcv] = await settleAll([collect(senderProc, spec.timeoutMs ?? 300_000), ...recv.map((r) => collect(r, spec.timeoutMs ?? 300_000))], () => {
    // Sender and receivers run under bash (for their CPU times), which a timeout kills first: end
    // them by name. A receiver left behind (2026-12-06: two that had connected, when the other two
    // never did) held port 9000 on its host and made the next round's udpcast hang as well.
    spawnSync('pkill', ['-KILL', '-x', 'udp-sender']);
    spawnSync('pkill', ['-KILL', '-x', 'udp-receiver']);
    senderProc.kill('SIGKILL');
    for (const r of recv) r.kill('SIGKILL');
  });
  if (!s) throw new Error('udp-sender: no result');
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytesSent = (await txBytes(lan, lan.server)) - before;
  return {
    tool: 'udpcast',
    wallSeconds: wall,
    senderCpuSeconds: parseCpuTimes(s.stderr),
    receiverCpuSeconds: rcv.map((r) => parseCpuTimes(r.stderr)),
    bytesSent,
    verified: await verifyAll(spec, spec.receivers.map((h) => outFile(spec, h))),
    flags: `udp-sender --nokbd --min-receivers N ${rate.join(' ')}`.trim(),
  };
}

/**
 * UFTP 5. Its default rate is 1 Mbit/s: -R sets the rate in kbit/s (a little under the shaped
 * link, or -1 = as fast as the interface when unshaped); -Y none disables encryption to compare
 * like with like; a 32 MiB receive buffer on the clients.
 */
export async function runUftp(spec: TransferSpec): Promise<TransferResult> {
  const { lan } = spec;
  const kbps = spec.linkBps ? String(Math.floor((spec.linkBps * 0.95) / 1000)) : '-1';
  const daemons = spec.receivers.map((h) => {
    const dir = path.dirname(outFile(spec, h));
    mkdirSync(dir, { recursive: true });
    return lan.spawn(h, 'uftpd', ['-d', '-I', 'eth0', '-D', dir, '-B', '33554432']);
  });
  await Promise.all(daemons.map((d) => waitForStderr(d, /listening|Loading|UFTP/i, 3000)));
  const before = await txBytes(lan, lan.server);
  const t0 = process.hrtime.bigint();
  const openFlags = ['-I', 'eth0', '-R', kbps, '-Y', 'none', '-B', '33554432'];
  const [cmd, args] = withCpuTimes('uftp', [...openFlags, spec.image]);
  const s = await collect(lan.spawn(lan.server, cmd, args), spec.timeoutMs ?? 300_000);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // uftpd runs on as a daemon: its CPU is read before it is stopped (ip netns exec execs it, same pid).
  const receiverCpuSeconds = daemons.map((d) => (d.pid ? safeCpu(d.pid) : NaN));
  for (const d of daemons) d.kill('SIGTERM');
  const bytesSent = (await txBytes(lan, lan.server)) - before;
  const base = path.basename(spec.image);
  return {
    tool: 'uftp',
    wallSeconds: wall,
    senderCpuSeconds: parseCpuTimes(s.stderr),
    receiverCpuSeconds,
    bytesSent,
    verified: await verifyAll(spec, spec.receivers.map((h) => path.join(path.dirname(outFile(spec, h)), base))),
    flags: `uftp ${openFlags.join(' ')}`,
  };
}

function waitForStderr(child: ReturnType<Lan['spawn']>, re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      if (re.test(d.toString())) {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

/**
 * N plain HTTP downloads at once (curl) from a static file server on the server host, which exits
 * after serving N downloads so its CPU time can be read.
 */
export async function runHttp(spec: TransferSpec, serverScript: string): Promise<TransferResult> {
  const { lan } = spec;
  const port = 8088;
  const n = String(spec.receivers.length);
  const [scmd, sargs] = withCpuTimes(process.execPath, [serverScript, spec.image, lan.server.ip, String(port), n]);
  const server = lan.spawn(lan.server, scmd, sargs);
  const ended = collect(server, spec.timeoutMs ?? 300_000);
  await waitForLine(server, /^listening/, 10_000);
  const before = await txBytes(lan, lan.server);
  const t0 = process.hrtime.bigint();
  const gets = spec.receivers.map((h) => {
    mkdirSync(path.dirname(outFile(spec, h)), { recursive: true });
    const [ccmd, cargs] = withCpuTimes('curl', ['-sS', '-o', outFile(spec, h), `http://${lan.server.ip}:${port}/image`]);
    return collect(lan.spawn(h, ccmd, cargs), spec.timeoutMs ?? 300_000);
  });
  const got = await Promise.all(gets);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytesSent = (await txBytes(lan, lan.server)) - before;
  // The server exits by itself after N responses; one that never saw a client must not hang the run.
  const stuck = setTimeout(() => server.kill('SIGKILL'), 10_000);
  const s = await ended.finally(() => clearTimeout(stuck));
  return {
    tool: 'http',
    wallSeconds: wall,
    senderCpuSeconds: parseCpuTimes(s.stderr),
    receiverCpuSeconds: got.map((g) => parseCpuTimes(g.stderr)),
    bytesSent,
    verified: await verifyAll(spec, spec.receivers.map((h) => outFile(spec, h))),
    flags: `${spec.receivers.length} x curl`,
  };
}

/**
 * The floor (bin/floor.cjs): one bare node:dgram sender and N bare receivers that only count
 * (reading in batches, as the agent does), no protocol at all. Not a deployment and never "ok"
 * under loss (nothing is repaired): it shows what moving the image's datagrams costs this machine
 * before any of castpoint's work. `auth` (tool floor-auth) adds what no authenticated, verified
 * receiver can skip: a tag per datagram and a SHA-256 per MiB.
 */
export async function runFloor(spec: TransferSpec, script: string, auth = false): Promise<TransferResult> {
  const { lan } = spec;
  const group = '239.255.77.1';
  const port = '9400';
  const count = Math.ceil(statSync(spec.image).size / 1400);
  // Paced as the peers are on a shaped link (95% of it): bin/floor.cjs says why.
  const mode = [...(auth ? ['auth'] : []), ...(spec.linkBps ? [`rate=${Math.floor(spec.linkBps * 0.95)}`] : [])];
  const recv = spec.receivers.map((h) => lan.spawn(h, process.execPath, [script, 'recv', group, port, h.ip, String(count), ...(auth ? ['auth'] : [])]));
  await Promise.all(recv.map((r) => waitForLine(r, /^listening/, 10_000)));
  const ended = recv.map((r) => collect(r, spec.timeoutMs ?? 300_000));
  const before = await txBytes(lan, lan.server);
  const t0 = Date.now();
  const [s, ...rcv] = await settleAll([collect(lan.spawn(lan.server, process.execPath, [script, 'send', spec.image, group, port, lan.server.ip, ...mode]), spec.timeoutMs ?? 300_000), ...ended], () => {
    for (const r of recv) r.kill('SIGKILL');
  });
  if (!s) throw new Error('floor sender: no result');
  const outs = rcv.map((c) => lastJson(c.stdout));
  const sent = lastJson(s.stdout);
  const bytesSent = (await txBytes(lan, lan.server)) - before;
  const lastAt = Math.max(...outs.map((o) => Number(o['lastAtMs'] ?? t0)));
  const rcvCpu = outs.map((o) => Number(o['cpuSeconds'] ?? NaN));
  const mean = rcvCpu.reduce((a, b) => a + b, 0) / rcvCpu.length;
  const what = auth
    ? 'castpoint-framed 1450-byte datagrams, each HMAC-checked, every MiB SHA-256d; no repair, nothing written'
    : '1400-byte datagrams, no protocol';
  return {
    tool: auth ? 'floor-auth' : 'floor',
    wallSeconds: (lastAt - t0) / 1000,
    senderCpuSeconds: Number(sent['cpuSeconds'] ?? NaN),
    receiverCpuSeconds: rcvCpu,
    bytesSent,
    // Every datagram came and, with auth, every tag checked out.
    verified: outs.every((o) => o['datagrams'] === count && (!auth || o['badTags'] === 0)),
    flags: `bare Node (read(2) in batches as the agent), ${what}; receivers ${mean.toFixed(2)} CPU s each`,
  };
}

/** CPU seconds of a live process, NaN once it is gone. */
function safeCpu(pid: number): number {
  try {
    return processCpuSeconds(pid);
  } catch {
    return NaN;
  }
}

function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return line ? (JSON.parse(line) as Record<string, unknown>) : {};
}

/** Waits for every promise; if any failed, calls `cleanup` and throws the first error. */
async function settleAll<T>(all: Promise<T>[], cleanup: () => void): Promise<T[]> {
  const settled = await Promise.allSettled(all);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    cleanup();
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

