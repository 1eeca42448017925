// The deploy command: register with the DP, then multicast (or unicast fallback) until the target
// holds the verified image. Every decision that has rules lives in its own module; this file only
// sequences them and maps the end to an exit code.
import { WIRE_VERSION, type AgentProgress, type AgentRequest, type AgentRequestReply, type Manifest, type SessionInfo } from '@castpoint/wire';
import { AgentError, EXIT, exitCodeOf, toAgentError, type ExitCode } from '../errors';
import type { DeployOptions } from '../options';
import type { Reporter } from '../output/reporter';
import type { Clock } from '../dp/patience';
import { withPatience } from '../dp/patience';
import type { AgentMemoryStore } from './agent-state';
import { ChunkAssembler } from './chunk-assembler';
import { decideOnFallbackReply, decideOnKick, decideOnProtocolVersion, decideOnSilence, type Decision } from './fallback-policy';
import { pickInterface, type InterfaceTable, type PickedInterface } from './interface-pick';
import { runMulticast } from './multicast-run';
import type { BlockMap, BufferRecycler, ChunkStore, ChunkStoreOpener, SessionFactory } from './ports';
import { AgentStatus } from './status';
import { runUnicast, type RangeFetcher } from './unicast-run';

export interface DpApi extends RangeFetcher {
  request(body: AgentRequest): Promise<AgentRequestReply>;
  progress(body: AgentProgress): Promise<boolean>;
}

export interface DeployDeps {
  readonly dp: DpApi;
  readonly stores: ChunkStoreOpener;
  readonly sessions: SessionFactory;
  readonly clock: Clock;
  readonly reporter: Reporter;
  readonly memory: AgentMemoryStore;
  readonly hostname: string;
  readonly interfaces: () => InterfaceTable;
  /** The DP's IPv4 address (resolves a host name in --server). */
  readonly resolveDp: () => Promise<string>;
  /** Recycles block and chunk buffers between the engine and the assembler. @default none */
  readonly buffers?: BufferRecycler;
  /** Rejects when the process is asked to stop (a signal): the deploy then ends as if it failed. */
  readonly stop?: Promise<never>;
}

/**
 * Read-backs per run: chunks found damaged by the first are fetched and written again; damaged
 * again, the target does not keep what it is given (exit 6).
 */
export const READ_BACK_PASSES = 2;

/** "chunk 7" / "3 chunks (1, 5, 9)" / "40 chunks (1, 2, 3, 4, 5, 6, 7, 8, ...)". */
function chunkList(chunks: readonly number[]): string {
  if (chunks.length === 1) return `chunk ${String(chunks[0])}`;
  const shown = chunks.slice(0, 8).join(', ');
  return `${chunks.length} chunks (${shown}${chunks.length > 8 ? ', ...' : ''})`;
}

const formatMiB = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

/** First contact waits less than a resume does: a wrong URL should not cost ten minutes. */
export const FIRST_CONTACT_PATIENCE_MS = 30_000;

export async function deploy(opts: DeployOptions, deps: DeployDeps): Promise<ExitCode> {
  const status = new AgentStatus(opts.image, deps.reporter, deps.dp);
  const run = new DeployRun(opts, deps, status);
  try {
    // On a stop the run is abandoned where it is; the catch below tells the DP, the finally journals
    // what was written (a write still in flight then fails on the closed target, which is harmless).
    await (deps.stop ? Promise.race([run.run(), deps.stop]) : run.run());
    status.set('done');
    deps.reporter.update(status.snapshot(), deps.clock.now());
    deps.reporter.flush(deps.clock.now());
    await status.post();
    return EXIT.ok;
  } catch (err) {
    // Stop writing and journal what was written before anything else (a stop leaves the run going
    // in the background until the target is closed).
    await run.close();
    const e = toAgentError(err);
    const exit = exitCodeOf(e);
    status.set('failed', e.message);
    deps.reporter.update(status.snapshot(), deps.clock.now());
    deps.reporter.flush(deps.clock.now());
    await status.post();
    deps.reporter.error(e, exit);
    return exit;
  } finally {
    await run.close();
  }
}

class DeployRun {
  private store: ChunkStore | undefined;
  private assembler: { key: string; value: ChunkAssembler } | undefined;
  private iface: PickedInterface | undefined;
  /** The session multicast was silent on: if the DP names it again, the group does not reach us. */
  private silentOn: { sessionId: number; silentMs: number } | undefined;
  private previousReceiverId: number | undefined;
  /** Gives the state directory back (memory.lock). */
  private unlock: (() => Promise<void>) | undefined;

  constructor(
    private readonly opts: DeployOptions,
    private readonly deps: DeployDeps,
    private readonly status: AgentStatus,
  ) {}

  async run(): Promise<void> {
    // Usage and target errors before the DP hears of us or a byte is written: an --interface this
    // machine does not have, a disk without --state-dir, a target that is no place for an image.
    if (this.opts.interface !== undefined) this.iface = pickInterface(this.opts.interface, '', this.deps.interfaces());
    await this.deps.stores.precheck();
    this.unlock = await this.deps.memory.lock();
    const mem = await this.deps.memory.load();
    if (mem && mem.server === this.opts.server && mem.image === this.opts.image) this.previousReceiverId = mem.receiverId;
    for (let pass = 1; ; pass++) {
      const store = await this.transfer(pass === 1 && this.previousReceiverId === undefined);
      const damaged = await this.finish(store);
      if (damaged.length === 0) return;
      const which = chunkList(damaged);
      if (pass >= READ_BACK_PASSES) {
        throw new AgentError(
          'verification-failed',
          `The image read back from ${this.opts.target} still differs from the manifest in ${which} after they were written again: the target does not keep what is written to it (they stay out of the resume journal)`,
          { damaged: damaged.length },
        );
      }
      this.deps.reporter.note(`the image read back differs from the manifest in ${which} (changed since they were written); fetching them again`);
      // Reopened below from the journal, which no longer holds them.
      await store.close();
      this.store = undefined;
      this.assembler = undefined;
    }
  }

  /** Asks the DP and receives (multicast or unicast) until every chunk is on the target. */
  private async transfer(firstContact: boolean): Promise<ChunkStore> {
    let patienceMs = firstContact ? Math.min(FIRST_CONTACT_PATIENCE_MS, this.opts.dpPatienceMs) : this.opts.dpPatienceMs;
    for (;;) {
      const reply = await this.request(patienceMs);
      // Once the DP has answered, it is known to exist: later outages are restarts worth waiting for.
      patienceMs = this.opts.dpPatienceMs;
      if (reply.status === 'wait') {
        await this.wait(reply);
        continue;
      }
      // Independent steps side by side: each is a few file operations through the thread pool, and
      // a scheduled session's data waits for the last agent to get this far. The interface is only
      // needed for multicast; looked up early, its error (if any) is raised where multicast needs
      // it, as before, so a target that is already complete still finishes.
      const [, store] = await Promise.all([
        this.registered(reply.receiverId),
        this.openStore(reply.manifest),
        reply.status === 'join' ? this.interfaceReady().catch(() => undefined) : undefined,
      ]);
      if (store.chunksDone() >= store.totalChunks) break;
      if (reply.status === 'fallback') {
        await this.act(decideOnFallbackReply(reply.reason, this.fallbackCtx(true)), reply.contentPath);
        break;
      }
      const next = await this.multicast(reply.session, reply.manifest, reply.receiverId, reply.senderId ?? reply.receiverId, store);
      if (next === 'done') break;
    }
    if (!this.store) throw new AgentError('internal', 'no target was opened');
    return this.store;
  }

  /** fsync, and read the image back when the store does; a disk takes minutes, so progress keeps coming. */
  private async finish(store: ChunkStore): Promise<readonly number[]> {
    let read = 0;
    let zeros: [number, number] = [0, 0];
    const size = Math.max(1, store.manifest.size);
    const show = (): void => {
      const [z, zTotal] = zeros;
      const what =
        read > 0 ? `read back ${Math.floor((read / size) * 100)}%`
        : z < zTotal ? `writing zeros to the image's empty regions: ${Math.floor((z / zTotal) * 100)}% of ${formatMiB(zTotal)}`
        : 'syncing the target';
      this.status.set('verifying', what);
      this.status.tick(this.deps.clock.now());
    };
    show();
    const timer = setInterval(show, 250);
    try {
      return await store.finish(
        (n) => (read = n),
        (n, total) => (zeros = [n, total]),
      );
    } finally {
      clearInterval(timer);
    }
  }

  /** Closes the target (journaling what was written) and gives the state dir back. Idempotent. */
  async close(): Promise<void> {
    await this.store?.close().catch(() => undefined);
    const unlock = this.unlock;
    this.unlock = undefined; // once: a second call must not remove a lock another agent took since
    await unlock?.().catch(() => undefined);
  }

  private fallbackCtx(fallbackAllowed: boolean): { fallbackAllowed: boolean; noFallback: boolean } {
    return { fallbackAllowed, noFallback: this.opts.noFallback };
  }

  private async request(patienceMs: number): Promise<AgentRequestReply> {
    this.status.set(this.status.phase === 'reconnecting' ? 'reconnecting' : 'requesting');
    const body: AgentRequest = {
      image: this.opts.image,
      hostname: this.deps.hostname,
      ...(this.previousReceiverId === undefined ? {} : { previousReceiverId: this.previousReceiverId }),
      ...(this.store ? { chunksDone: this.store.chunksDone() } : {}),
    };
    return withPatience(() => this.deps.dp.request(body), this.deps.clock, {
      patienceMs,
      onRetry: (e) => {
        this.status.set('reconnecting', e.message);
        this.status.tick(this.deps.clock.now());
      },
    });
  }

  private async wait(reply: Extract<AgentRequestReply, { status: 'wait' }>): Promise<void> {
    const parts = [reply.reason];
    if (reply.startsAt) parts.push(`starts ${reply.startsAt}`);
    if (reply.clientsWaiting !== undefined && reply.minClients !== undefined) parts.push(`${reply.clientsWaiting}/${reply.minClients} clients`);
    this.status.set('waiting', parts.filter(Boolean).join(', '));
    const until = this.deps.clock.now() + Math.min(Math.max(reply.retryAfterMs, 200), 60_000);
    // Sleep in short steps so the waiting line keeps coming once a second.
    while (this.deps.clock.now() < until) {
      this.status.tick(this.deps.clock.now());
      await this.deps.clock.sleep(Math.min(250, until - this.deps.clock.now()));
    }
  }

  private async registered(receiverId: number): Promise<void> {
    this.previousReceiverId = receiverId;
    this.status.receiverId = receiverId;
    this.status.dpForgotUs = false;
    await this.deps.memory.save({ server: this.opts.server, image: this.opts.image, receiverId });
  }

  private async openStore(manifest: Manifest): Promise<ChunkStore> {
    if (this.store && this.store.manifest.sha256 === manifest.sha256 && this.store.manifest.size === manifest.size) {
      return this.store;
    }
    if (this.store) {
      // The DP now serves other content under this name (the image was re-imported): the journal
      // of the old content must not be trusted for the new one. The store opener starts afresh.
      await this.store.close();
      this.assembler = undefined;
    }
    this.store = await this.deps.stores.open(manifest);
    this.status.store = this.store;
    return this.store;
  }

  /** Runs multicast on a session; returns 'done' when the image is complete, 'again' to re-request. */
  private async multicast(
    session: SessionInfo,
    manifest: Manifest,
    receiverId: number,
    senderId: number,
    store: ChunkStore,
  ): Promise<'done' | 'again'> {
    this.status.sessionId = session.id;
    const version = decideOnProtocolVersion(session.protocolVersion ?? 1, WIRE_VERSION, this.fallbackCtx(session.fallbackAllowed));
    if (version) {
      await this.act(version, session.contentPath);
      return 'done';
    }
    if (this.silentOn && this.silentOn.sessionId === session.id) {
      const d = decideOnSilence(this.silentOn.silentMs, this.fallbackCtx(session.fallbackAllowed));
      this.silentOn = undefined;
      if (d.action === 'unicast') {
        await this.act(d, session.contentPath);
        return 'done';
      }
      if (d.action === 'keep-listening') this.deps.reporter.note(d.why);
    }
    const iface = await this.interfaceReady();
    const layout = this.deps.sessions.layoutFor(session, manifest);
    const assembler = this.assemblerFor(session, manifest, layout);
    const parts = await this.deps.sessions.join({
      session,
      manifest,
      receiverId,
      senderId,
      interfaceAddress: iface.address,
      heldBlocks: (l) => heldBlocks(store, l, assembler),
      nowMs: this.deps.clock.now(),
      ...(this.deps.buffers ? { buffers: this.deps.buffers } : {}),
    });
    const outcome = await runMulticast({
      session,
      receiverId,
      parts,
      store,
      assembler,
      status: this.status,
      now: () => this.deps.clock.now(),
      silenceTimeoutMs: this.opts.silenceTimeoutMs,
      // A chunk whose multicast copies keep failing comes by HTTP Range, as the unicast path fetches.
      fetchChunk: (chunk) => {
        const start = chunk * manifest.chunkSize;
        const length = Math.min(manifest.chunkSize, manifest.size - start);
        return withPatience(() => this.deps.dp.fetchRange(session.contentPath, start, length), this.deps.clock, { patienceMs: this.opts.dpPatienceMs });
      },
      note: (text) => this.deps.reporter.note(text),
    });
    switch (outcome.kind) {
      case 'complete':
        return 'done';
      case 'ended':
        this.deps.reporter.note('the DP ended the session before this client had every block; asking again');
        return 'again';
      case 'forgotten':
        this.deps.reporter.note('the DP no longer knows this client (it restarted); registering again');
        return 'again';
      case 'silent':
        this.silentOn = { sessionId: session.id, silentMs: outcome.silentMs };
        this.deps.reporter.note(`multicast delivered nothing for ${Math.round(outcome.silentMs / 1000)} s; asking the DP again`);
        return 'again';
      case 'kick': {
        const d = decideOnKick(outcome.reason, outcome.detail, this.fallbackCtx(session.fallbackAllowed));
        if (d.action === 'rerequest' || d.action === 'keep-listening') {
          this.deps.reporter.note(d.why);
          return 'again';
        }
        await this.act(d, session.contentPath);
        return 'done';
      }
    }
  }

  /** Carries out a unicast-or-fail decision. */
  private async act(d: Decision, contentPath: string): Promise<void> {
    if (d.action === 'fail') throw d.error;
    if (d.action !== 'unicast') return;
    const store = this.store;
    if (!store) throw new AgentError('internal', 'unicast fallback before the target was opened');
    this.deps.reporter.note(`${d.why}; downloading the missing chunks by unicast`);
    this.status.set('fallback', d.why);
    await runUnicast({
      dp: this.deps.dp,
      contentPath,
      store,
      status: this.status,
      clock: this.deps.clock,
      dpPatienceMs: this.opts.dpPatienceMs,
    });
  }

  private async interfaceReady(): Promise<PickedInterface> {
    this.iface ??= await this.pickInterface();
    return this.iface;
  }

  private async pickInterface(): Promise<PickedInterface> {
    const dpAddress = this.opts.interface === undefined ? await this.deps.resolveDp() : '';
    const picked = pickInterface(this.opts.interface, dpAddress, this.deps.interfaces());
    if (this.opts.interface === undefined) this.deps.reporter.note(`receiving multicast on ${picked.why}`);
    return picked;
  }

  private assemblerFor(session: SessionInfo, manifest: Manifest, layout: BlockMap): ChunkAssembler {
    const key = `${manifest.sha256}/${session.symbolSize}/${session.blockSymbols}`;
    if (this.assembler?.key !== key) {
      this.assembler = {
        key,
        value: new ChunkAssembler(layout, { chunkLength: (i) => Math.min(manifest.chunkSize, manifest.size - i * manifest.chunkSize) }, this.deps.buffers),
      };
    }
    return this.assembler.value;
  }
}

/** Blocks the engine must not ask for: those of journaled chunks and those held in memory. */
export function* heldBlocks(store: ChunkStore, layout: BlockMap, assembler: ChunkAssembler): Iterable<number> {
  for (let c = 0; c < store.totalChunks; c++) if (store.isDone(c)) yield* layout.blocksOf(c);
  yield* assembler.heldBlocks();
}
