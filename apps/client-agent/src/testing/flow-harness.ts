// A deploy run in one process for flow specs: a fake DP over HTTP on 127.0.0.1, the real wire
// codec, repair receiver engine and chunking writer, and MemoryNetwork in place of UDP sockets.
// (deploy.spec.ts has its own copy with buffer-scribbling extras; this one is the plain case.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { manifestHash } from '@castpoint/chunking';
import { MemoryNetwork } from '@castpoint/transport';
import { publicKeyToBase64, type AgentRequestReply, type SessionInfo } from '@castpoint/wire';
import { libSessionFactory } from '../adapters/lib-session';
import { libStoreOpener } from '../adapters/lib-store';
import { openSessionSocket } from '../adapters/transport-socket';
import { DpClient } from '../dp/dp-client';
import { realClock } from '../dp/patience';
import type { ExitCode } from '../errors';
import { fileMemory } from '../flow/agent-state';
import { deploy } from '../flow/deploy';
import { validateDeployOptions } from '../options';
import { Reporter } from '../output/reporter';
import { FakeDp, type FakeDpOptions, type Scripted } from './fake-dp';
import type { TestImage } from './image';
import { TEST_DP_KEY } from './mini-sender';

export const DP_IP = '10.0.0.1';
export const AGENT_IP = '10.0.0.2';
export const CONTENT_PATH = '/api/v1/agent/content/img';

/** A session signed by TEST_DP_KEY (MiniSender's), HMAC mode unless `over` says otherwise. */
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
    encrypted: false,
    key: Buffer.alloc(32, 7).toString('base64'),
    manifestHash: manifestHash(img.manifest),
    fallbackAllowed: true,
    contentPath: CONTENT_PATH,
    mode: 'autocast',
    signingKey: publicKeyToBase64(TEST_DP_KEY.publicKey),
    ...over,
  };
}

export const joinReply = (img: TestImage, receiverId: number, session: SessionInfo): Scripted => ({
  status: 200,
  body: { status: 'join', receiverId, session, manifest: img.manifest } satisfies AgentRequestReply,
});

export interface FlowHarness {
  readonly dir: string;
  readonly target: string;
  readonly dp: FakeDp;
  readonly net: MemoryNetwork;
  /** JSON lines the agent printed (progress and notes). */
  readonly out: string[];
  readonly errs: string[];
  run(extra?: Record<string, unknown>): Promise<ExitCode>;
  cleanup(): Promise<void>;
}

export async function flowHarness(img: TestImage, onRequest: (n: number) => Scripted, dpOpts: Pick<FakeDpOptions, 'onRange'> = {}): Promise<FlowHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-agent-flow-'));
  const target = path.join(dir, 'disk.img');
  const dp = await new FakeDp({ onRequest: (_b, n) => onRequest(n), content: img.bytes, contentPath: CONTENT_PATH, ...dpOpts }).start();
  const net = new MemoryNetwork({ seed: 3 });
  const out: string[] = [];
  const errs: string[] = [];
  return {
    dir,
    target,
    dp,
    net,
    out,
    errs,
    async run(extra = {}) {
      const opts = validateDeployOptions(
        { server: dp.url, image: 'img', target, json: true, silenceTimeout: 3, dpPatience: 2, ...extra },
        { env: {}, stdoutIsTty: false, cwd: dir },
      );
      const reporter = new Reporter({ out: (t) => out.push(t), err: (t) => errs.push(t) }, { mode: 'json' });
      return deploy(opts, {
        dp: new DpClient({ server: dp.url, timeoutMs: 2000 }),
        stores: libStoreOpener({ target: opts.target, stateDir: opts.stateDir, stateDirGiven: opts.stateDirGiven, onWarning: (w) => reporter.note(w) }),
        sessions: libSessionFactory({ seed: 9, openSocket: (o) => openSessionSocket({ ...o, open: (x) => net.open(x), platform: 'linux' }) }),
        clock: realClock,
        reporter,
        memory: fileMemory(opts.stateDir),
        hostname: 'pc-under-test',
        interfaces: () => ({ eth0: [{ address: AGENT_IP, netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: null }] }),
        resolveDp: async () => DP_IP,
      });
    },
    async cleanup() {
      await dp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
