// One real agent in the full-stack test: flow/deploy.ts with the production adapters (HTTP client,
// chunking store, repair receiver engine, wire codec), its sockets on the scenario's MemoryNetwork at
// its own host address, its time and timers on the scenario's VirtualClock. Every disk and HTTP call
// is counted in `stack.busy`, so protocol time waits for real I/O.
import path from 'node:path';
import { libSessionFactory } from '@castpoint/client-agent/adapters/lib-session';
import { libStoreOpener } from '@castpoint/client-agent/adapters/lib-store';
import { openSessionSocket } from '@castpoint/client-agent/adapters/transport-socket';
import { DpClient } from '@castpoint/client-agent/dp/dp-client';
import { httpExchange } from '@castpoint/client-agent/dp/http-exchange';
import type { Clock } from '@castpoint/client-agent/dp/patience';
import type { ExitCode } from '@castpoint/client-agent/errors';
import { fileMemory } from '@castpoint/client-agent/flow/agent-state';
import { deploy, type DpApi } from '@castpoint/client-agent/flow/deploy';
import type { SessionFactory } from '@castpoint/client-agent/flow/ports';
import { validateDeployOptions } from '@castpoint/client-agent/options';
import { Reporter } from '@castpoint/client-agent/output/reporter';
import { lending } from '@castpoint/client-agent/testing/lending-socket';
import { trackedMemory, trackedStores } from '@castpoint/client-agent/testing/tracked-io';
import type { AgentRequest } from '@castpoint/wire';
import { CLIENT_TOKEN, DP_IP, EPOCH_MS, type Scenario, type Stack } from './stack';

export interface Agent {
  readonly host: string;
  readonly target: string;
  /** Exit code once the deploy returned. */
  exit: ExitCode | undefined;
  readonly done: Promise<ExitCode>;
  /** Byte offsets of every HTTP Range download (unicast). */
  readonly ranges: number[];
  /** Bodies of its requests to the DP. */
  readonly requests: AgentRequest[];
  /** Types of the control messages it sent to the session (status, nack, leave, ...). */
  readonly sent: string[];
  /** JSON progress lines (stdout) and notes (stderr). */
  readonly out: string[];
  readonly errs: string[];
  /** The last JSON progress line. */
  last(): Record<string, unknown>;
}

export interface AgentOptions {
  /** Seconds without a valid packet before multicast counts as silent. @default 2 */
  readonly silenceTimeout?: number;
}

/** Starts `deploy` of the scenario's image onto a file in the stack's dir; it runs as time is moved. */
export function startAgent(stack: Stack, world: Scenario, host: string, seed: number, o: AgentOptions = {}): Agent {
  const target = path.join(stack.dir, `disk-${world.imageName}-${host}.img`);
  const opts = validateDeployOptions(
    { server: stack.url, image: world.imageName, target, token: CLIENT_TOKEN, json: true, silenceTimeout: o.silenceTimeout ?? 2, dpPatience: 5 },
    { env: {}, stdoutIsTty: false, cwd: stack.dir },
  );
  const out: string[] = [];
  const errs: string[] = [];
  const ranges: number[] = [];
  const requests: AgentRequest[] = [];
  const sent: string[] = [];
  const reporter = new Reporter({ out: (t) => out.push(t), err: (t) => errs.push(t) }, { mode: 'json' });
  const client = new DpClient({ server: stack.url, token: CLIENT_TOKEN, exchange: (url, x) => stack.busy.track(httpExchange(url, x)) });
  const dp: DpApi = {
    request: (b) => {
      requests.push(b);
      return client.request(b);
    },
    progress: (b) => client.progress(b),
    fetchRange: (p, start, length) => {
      ranges.push(start);
      return client.fetchRange(p, start, length);
    },
  };
  const clock: Clock = {
    now: () => EPOCH_MS + world.clock.now(),
    sleep: (ms) => new Promise((resolve) => world.clock.schedule(resolve, ms)),
  };
  const agent: Agent = {
    host,
    target,
    exit: undefined,
    ranges,
    requests,
    sent,
    out,
    errs,
    last: () => JSON.parse(out.at(-1) ?? '{}') as Record<string, unknown>,
    done: deploy(opts, {
      dp,
      stores: trackedStores(stack.busy, libStoreOpener({ target, stateDir: opts.stateDir, stateDirGiven: opts.stateDirGiven, onWarning: (w) => reporter.note(w) })),
      sessions: recordingSessions(
        sent,
        libSessionFactory({
          seed,
          // As a real socket lends its buffer: a symbol the agent kept without copying would fail its chunk.
          openSocket: (x) => openSessionSocket({ ...x, open: async (y) => (y.lendDatagrams ? lending(await world.net.open(y)) : world.net.open(y)), platform: 'linux' }),
        }),
      ),
      clock,
      timers: world.clock,
      reporter,
      memory: trackedMemory(stack.busy, fileMemory(opts.stateDir)),
      hostname: `pc-${host}`,
      interfaces: () => ({ eth0: [{ address: host, netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: null }] }),
      resolveDp: () => Promise.resolve(DP_IP),
    }).then((code) => (agent.exit = code)),
  };
  return agent;
}

/** The real session factory, recording the type of every control message the agent encodes. */
function recordingSessions(sent: string[], f: SessionFactory): SessionFactory {
  return {
    layoutFor: (session, manifest) => f.layoutFor(session, manifest),
    async join(a) {
      const parts = await f.join(a);
      const codec = parts.codec;
      return {
        ...parts,
        codec: {
          decode: (bytes) => codec.decode(bytes),
          encode: (m, nowMs) => {
            sent.push(m.type);
            return codec.encode(m, nowMs);
          },
        },
      };
    },
  };
}
