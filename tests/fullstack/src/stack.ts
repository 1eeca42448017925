// The whole castpoint stack in one process: the DP's fastify app (buildApp) with its real session
// runner (udp-runner) and the real importer, listening on 127.0.0.1, and real agent deploy flows
// (./agent.ts) talking HTTP to it. Multicast and control packets travel over libs/transport's
// MemoryNetwork on a VirtualClock, so no datagram leaves the process and protocol time moves only
// when `runUntil` moves it.
//
// The app is built once per spec file (its start, mostly route schemas compiled, costs several
// hundred ms on a busy box); each scenario brings its own network, clock and image (a name of its
// own, so its session is its own).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryNetwork, VirtualClock } from '@castpoint/transport';
import { resolveSettings } from '@castpoint/dp-server/config/settings';
import { buildApp, type DpApp } from '@castpoint/dp-server/http/app';
import { chunkingImporter } from '@castpoint/dp-server/images/chunking-importer';
import type { RunnerStats, SessionRunner } from '@castpoint/dp-server/sessions/runner';
import { udpRunnerFactory } from '@castpoint/dp-server/sessions/udp-runner';
import { Busy } from '@castpoint/client-agent/testing/busy';

export const DP_IP = '10.0.0.1';
const ADMIN = 'fullstack-admin-token-000001';
export const CLIENT_TOKEN = 'fullstack-client-token-00001';
/** Wall-clock ms the DP's records start at (virtual time 0). */
export const EPOCH_MS = Date.parse('2026-12-01T00:00:00Z');
/** The DP's session rate cap: a scenario's image takes tens of ms of virtual time, not 3. */
const MAX_RATE = '100mbit';

export interface ScenarioOptions {
  /** Seed of the network's loss and delay and of the image bytes; printed when a run fails. */
  readonly seed: number;
  /** Datagram loss at every receiver, 0..1. */
  readonly loss: number;
  /** Image settings of `image add` (mode, minClients, encrypt, ...). @default autocast */
  readonly settings?: Record<string, unknown>;
}

/** One scenario's world: its network, clock, image and the DP's runners started meanwhile. */
export interface Scenario {
  readonly net: MemoryNetwork;
  readonly clock: VirtualClock;
  /** The image's name on the DP, and its bytes. */
  readonly imageName: string;
  readonly image: Buffer;
  /** Stats of every session runner the DP started in this scenario, in order. */
  runnerStats(): RunnerStats[];
  /**
   * Moves virtual time 1 ms at a time until `done`, letting real I/O (counted in `busy`) finish
   * before each step; the DP's once-a-second tick runs on the same clock. Throws, naming the
   * seed, after `maxMs` of virtual time.
   */
  runUntil(done: () => boolean, maxMs: number): Promise<number>;
}

export interface Stack {
  readonly app: DpApp;
  readonly url: string;
  readonly dir: string;
  /** Real work (HTTP, disk) in flight: virtual time stands still until it is done. */
  readonly busy: Busy;
  /** Errors of the DP's tick (none expected). */
  readonly tickErrors: unknown[];
  /** The current scenario (the runner factory and the DP's clock read it). */
  readonly current: Scenario | undefined;
  /** Imports a seeded image and starts a scenario on a fresh network whose clock goes on from the last. */
  scenario(o: ScenarioOptions): Promise<Scenario>;
  /** Admin GET on the DP's API. */
  admin<T>(url: string): Promise<T>;
  close(): Promise<void>;
}

/** Seeded image bytes: 1 MiB chunks, chunk 0 all zeros (never travels), chunk 1 a 400 KB filler tail. */
export function seededImage(seed: number): Buffer {
  const b = Buffer.alloc((1 << 20) + 400_000);
  let x = seed >>> 0 || 1;
  for (let i = 1 << 20; i < b.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}

export async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-fullstack-'));
  const busy = new Busy();
  const tickErrors: unknown[] = [];
  let current: (Scenario & { runners: SessionRunner[] }) | undefined;
  const world = (): Scenario & { runners: SessionRunner[] } => {
    if (!current) throw new Error('no scenario started');
    return current;
  };
  const settings = resolveSettings({
    flags: { 'data-dir': path.join(dir, 'data'), listen: '127.0.0.1:0', 'mcast-interface': DP_IP, 'admin-token': ADMIN, 'client-token': CLIENT_TOKEN, 'image-root': dir, 'max-rate': MAX_RATE },
  });
  const app = await buildApp({
    settings,
    importer: chunkingImporter(),
    // The production runner on the scenario's network and clock. Opening the image and the socket
    // is real I/O: time waits for it, as it does for HTTP.
    runnerFactory: (spec, events) => {
      const w = world();
      const r = udpRunnerFactory({ openSocket: (x) => w.net.open(x), clock: w.clock })(spec, events);
      w.runners.push(r);
      const start = r.start.bind(r);
      return Object.assign(r, { start: () => busy.track(start()) });
    },
    now: () => EPOCH_MS + (current?.clock.now() ?? 0),
    timers: false,
    // Agents are answered at once; a held request would wait on real timers.
    longPollMs: 0,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const adminHeaders = { authorization: `Bearer ${ADMIN}` };
  return {
    app,
    url,
    dir,
    busy,
    tickErrors,
    get current() {
      return current;
    },
    async scenario(o) {
      const image = seededImage(o.seed);
      const imageName = `img-${o.seed}`;
      const file = path.join(dir, `${imageName}.img`);
      writeFileSync(file, image);
      const clock = new VirtualClock();
      clock.advance(current?.clock.now() ?? 0);
      const net = new MemoryNetwork({ clock, seed: o.seed, loss: o.loss, delayMs: { min: 0.2, max: 0.6 } });
      const runners: SessionRunner[] = [];
      const s = {
        net,
        clock,
        imageName,
        image,
        runners,
        runnerStats: () => runners.map((r) => r.stats()),
        runUntil: async (done: () => boolean, maxMs: number): Promise<number> => {
          const end = clock.now() + maxMs;
          let nextTick = Math.floor(clock.now() / 1000) * 1000 + 1000;
          while (!done()) {
            if (busy.count === 0) {
              if (clock.now() >= end) throw new Error(`not done after ${maxMs} ms of virtual time (seed ${o.seed})`);
              clock.advance(1);
              if (clock.now() >= nextTick) {
                nextTick += 1000;
                busy.track(app.dp.sessions.tick()).catch((err: unknown) => tickErrors.push(err));
              }
            }
            await new Promise((r) => setImmediate(r));
          }
          return clock.now() - (end - maxMs);
        },
      };
      current = s;
      const r = await app.inject({ method: 'POST', url: '/api/v1/images', headers: adminHeaders, payload: { name: imageName, file, ...o.settings } });
      if (r.statusCode !== 201) throw new Error(`image add: ${r.statusCode} ${r.body}`);
      return s;
    },
    async admin<T>(u: string): Promise<T> {
      const r = await app.inject({ method: 'GET', url: u, headers: adminHeaders });
      if (r.statusCode !== 200) throw new Error(`GET ${u}: ${r.statusCode} ${r.body}`);
      return r.json<T>();
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
