// The deploy flow harness for specs: a fake DP over HTTP on 127.0.0.1, the real wire codec, repair
// receiver engine and chunking writer, and MemoryNetwork in place of UDP sockets. Runs on virtual
// time: the network, the receive loop's ticks and the agent's clock share one VirtualClock, moved
// 1 ms per event-loop turn while a run is going and held still while real I/O (HTTP to the fake
// DP, the disk) is in flight, so a silence timeout costs no wall-clock wait.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { manifestHash } from '@castpoint/chunking';
import { MemoryNetwork, VirtualClock } from '@castpoint/transport';
import { BufferPool } from '@castpoint/repair';
import { publicKeyToBase64, type AgentRequestReply, type SessionInfo } from '@castpoint/wire';
import { libSessionFactory } from '../adapters/lib-session';
import { libStoreOpener } from '../adapters/lib-store';
import { openSessionSocket } from '../adapters/transport-socket';
import { DpClient } from '../dp/dp-client';
import { httpExchange } from '../dp/http-exchange';
import type { Clock } from '../dp/patience';
import { AgentError, type ExitCode } from '../errors';
import { fileMemory, type AgentMemoryStore } from '../flow/agent-state';
import { deploy } from '../flow/deploy';
import type { BufferRecycler } from '../flow/ports';
import { validateDeployOptions } from '../options';
import { Reporter } from '../output/reporter';
import { FakeDp, type FakeDpOptions, type Scripted } from './fake-dp';
import type { TestImage } from './image';
import { Busy } from './busy';
import { lending } from './lending-socket';
import { trackedMemory, trackedStores } from './tracked-io';
import { TEST_DP_KEY } from './dp-key';

/** The test machine's one NIC: its MAC goes with every session request (the DP shows it). */
export const AGENT_MAC = '52:54:00:12:34:56';

export const CHUNK = 4096;
export const DP_IP = '10.0.0.1';
export const AGENT_IP = '10.0.0.2';

export function sessionFor(img: TestImage, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id: 42,
    image: 'img',
    group: '239.192.0.7',
    port: 5000,
    senderAddress: DP_IP,
    senderPort: 5001,
    symbolSize: 512,
    blockSymbols: 4,
    encrypted: over.encrypted ?? true,
    key: Buffer.alloc(32, 7).toString('base64'),
    manifestHash: manifestHash(img.manifest),
    fallbackAllowed: true,
    contentPath: '/api/v1/agent/content/img',
    mode: 'autocast',
    signingKey: publicKeyToBase64(TEST_DP_KEY.publicKey),
    ...over,
  };
}

export interface Harness {
  dir: string;
  target: string;
  dp: FakeDp;
  net: MemoryNetwork;
  /** The runs' time (the network's, the receive loop's, and the agent clock's unless run() is given one). */
  time: VirtualClock;
  out: string[];
  errs: string[];
  run(extra?: Record<string, unknown>, clock?: Clock, stop?: Promise<never>): Promise<ExitCode>;
  cleanup(): Promise<void>;
  /** Wraps the agent's state store of the next runs (to slow or observe its writes). */
  wrapMemory?: (m: AgentMemoryStore) => AgentMemoryStore;
  /** The interfaces' MTUs the next runs read (DeployDeps.interfaceMtu); unset: none. */
  interfaceMtu?: (name: string) => number | undefined;
}

/** Wall-clock ms of virtual time 0 (the agent's JSON lines carry times). */
const EPOCH_MS = Date.parse('2026-12-01T00:00:00Z');

export async function harness(img: TestImage, onRequest: (n: number) => Scripted, dpOpts: Pick<FakeDpOptions, 'onRange' | 'onCutOff'> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-agent-'));
  const target = path.join(dir, 'disk.img');
  const dp = await new FakeDp({
    onRequest: (_b, n) => onRequest(n),
    content: img.bytes,
    contentPath: '/api/v1/agent/content/img',
    ...dpOpts,
  }).start();
  const time = new VirtualClock();
  const busy = new Busy();
  const net = new MemoryNetwork({ seed: 3, clock: time });
  const virtual: Clock = { now: () => EPOCH_MS + time.now(), sleep: (ms) => new Promise((resolve) => time.schedule(resolve, ms)) };
  let running = 0;
  let driving = false;
  let timerError: unknown;
  /** Moves time while any run is going (two runs at once share one driver). */
  const drive = async (): Promise<void> => {
    driving = true;
    try {
      while (running > 0) {
        if (busy.count === 0) time.advance(1);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      driving = false;
    }
  };
  const out: string[] = [];
  const errs: string[] = [];
  const h: Harness = {
    dir,
    target,
    dp,
    net,
    time,
    out,
    errs,
    async run(extra = {}, clock: Clock = virtual, stop?: Promise<never>) {
      const opts = validateDeployOptions(
        { server: dp.url, image: 'img', target, json: true, silenceTimeout: 0.4, dpPatience: 2, ...extra },
        { env: {}, stdoutIsTty: false, cwd: dir },
      );
      const reporter = new Reporter({ out: (t) => out.push(t), err: (t) => errs.push(t) }, { mode: 'json' });
      const done = deploy(opts, {
        dp: new DpClient({ server: dp.url, timeoutMs: 2000, exchange: (url, x) => busy.track(httpExchange(url, x)) }),
        stores: trackedStores(busy, libStoreOpener({ target: opts.target, stateDir: opts.stateDir, stateDirGiven: opts.stateDirGiven, onWarning: (w) => reporter.note(w) })),
        sessions: libSessionFactory({
          seed: 9,
          openSocket: (o) => openSessionSocket({ ...o, open: async (x) => (x.lendDatagrams ? lending(await net.open(x)) : net.open(x)), platform: 'linux' }),
        }),
        clock,
        timers: time,
        reporter,
        memory: trackedMemory(busy, h.wrapMemory ? h.wrapMemory(fileMemory(opts.stateDir)) : fileMemory(opts.stateDir)),
        hostname: 'pc-under-test',
        interfaces: () => ({ eth0: [{ address: AGENT_IP, netmask: '255.255.255.0', family: 'IPv4', mac: AGENT_MAC, internal: false, cidr: null }] }),
        resolveDp: async () => DP_IP,
        ...(h.interfaceMtu ? { interfaceMtu: h.interfaceMtu } : {}),
        buffers: scribblingPool(),
        ...(stop ? { stop } : {}),
      });
      running++;
      if (!driving) drive().catch((err: unknown) => (timerError = err));
      let code: ExitCode;
      try {
        code = await done;
      } finally {
        running--;
      }
      // A timer callback that threw (a bug in the receive loop) fails the run's test.
      if (timerError !== undefined) throw timerError instanceof Error ? timerError : new Error(String(timerError));
      return code;
    },
    async cleanup() {
      await dp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * The production buffer recycling, scribbling over every buffer given back: a buffer still in use
 * after it was given back (a chunk written after its buffer went round, a block copied late)
 * would put 0xee bytes into the target and fail the byte comparisons below.
 */
function scribblingPool(): BufferRecycler {
  const pool = new BufferPool(4);
  return {
    take: (size) => pool.take(size),
    give: (buf) => {
      buf.fill(0xee);
      pool.give(buf);
    },
  };
}

export const join = (img: TestImage, receiverId: number, session = sessionFor(img)): Scripted => ({
  status: 200,
  body: { status: 'join', receiverId, session, manifest: img.manifest } satisfies AgentRequestReply,
});

export function chunksOfRanges(ranges: readonly [number, number][]): number[] {
  return ranges.map(([s]) => s / CHUNK).sort((a, b) => a - b);
}

/** The DP's answer sending the agent to unicast for the whole image. */
export const fallbackReply = (img: TestImage, receiverId = 3): Scripted => ({
  status: 200,
  body: { status: 'fallback', receiverId, reason: 'test', manifest: img.manifest, contentPath: '/api/v1/agent/content/img' } satisfies AgentRequestReply,
});

/**
 * A Ctrl-C that comes while chunk `chunk` is asked for by unicast: `stop` for run(), `onRange` for
 * the fake DP. Four downloads run at once, so the chunks just before it may still be on their way.
 */
export function ctrlCAtChunk(chunk: number): { stop: Promise<never>; onRange: (start: number) => undefined } {
  let signal!: () => void;
  const stop = new Promise<never>((_, reject) => (signal = () => reject(new AgentError('interrupted', 'Stopped by Ctrl-C'))));
  return {
    stop,
    onRange: (start) => {
      if (start === chunk * CHUNK) signal();
      return undefined;
    },
  };
}
