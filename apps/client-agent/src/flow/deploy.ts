// The deploy command: register with the DP, then multicast (or unicast fallback) until the target
// holds the verified image. Every decision that has rules lives in its own module; this file only
// sequences them and maps the end to an exit code.
import { StoredChunkIndex, sameStoredChunks, storedLength, type BlockLayout } from '@castpoint/chunking';
import type { Clock as Timers } from '@castpoint/transport';
import { WIRE_VERSION, type AgentProgress, type AgentRequest, type AgentRequestReply, type Manifest, type SessionInfo } from '@castpoint/wire';
import { AgentError, type ExitCode } from '../errors';
import type { DeployOptions } from '../options';
import { AGENT_VERSION } from '../version';
import type { Reporter } from '../output/reporter';
import { withPatience, type Clock } from '../dp/patience';
import type { AgentMemoryStore, ReleaseStateDir } from './agent-state';
import { ChunkAssembler, heldBlocks } from './chunk-assembler';
import { decideOnFallbackReply, decideOnKick, decideOnProtocolVersion, decideOnSilence, type Decision } from './fallback-policy';
import { reportDone, reportFailed } from './deploy-outcome';
import { chunkList, finishTarget } from './finish-target';
import { macsField } from '../identity/request-macs';
import { mtuField } from '../identity/interface-mtu';
import { pickInterface, type InterfaceTable, type PickedInterface } from './interface-pick';
import { runMulticast } from './multicast-run';
import type { BufferRecycler, ChunkStore, ChunkStoreOpener, SessionFactory } from './ports';
import { waitInfo } from './progress-model';
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
  /**
   * The MTU of an interface by name (sysfs), sent with the request so that the DP sizes the
   * session's packets for it. @default none: the request says nothing, and the DP assumes 1500
   */
  readonly interfaceMtu?: (name: string) => number | undefined;
  /** Recycles block and chunk buffers between the engine and the assembler. @default none */
  readonly buffers?: BufferRecycler;
  /** Rejects when the process is asked to stop (a signal): the deploy then ends as if it failed. */
  readonly stop?: Promise<never>;
  /** Timers of the multicast receive loop (tests/fullstack: a VirtualClock). @default realClock() */
  readonly timers?: Timers;
}

/**
 * Read-backs per run: chunks found damaged by the first are fetched and written again; damaged
 * again, the target does not keep what it is given (exit 6).
 */
export const READ_BACK_PASSES = 2;

/** First contact waits less than a resume does: a wrong URL should not cost ten minutes. */
export const FIRST_CONTACT_PATIENCE_MS = 30_000;

export async function deploy(opts: DeployOptions, deps: DeployDeps): Promise<ExitCode> {
  const status = new AgentStatus(opts.image, deps.reporter, deps.dp);
  const run = new DeployRun(opts, deps, status);
  deps.reporter.header({ image: opts.image, server: opts.server, target: opts.target, version: AGENT_VERSION }, deps.clock.now());
  try {
    // On a stop the run is abandoned where it is; the catch below tells the DP, the finally journals
    // what was written (a write still in flight then fails on the closed target, which is harmless).
    await (deps.stop ? Promise.race([run.run(), deps.stop]) : run.run());
    return await reportDone(status, deps);
  } catch (err) {
    // Stop writing and journal what was written before anything else (a stop leaves the run going
    // in the background until the target is closed).
    await run.close(true);
    return await reportFailed(err, status, deps);
  } finally {
    await run.close();
  }
}

class DeployRun {
  private store: ChunkStore | undefined;
  private assembler: { key: string; value: ChunkAssembler } | undefined;
  private iface: PickedInterface | undefined;
  /** Multicast fell silent; decided on once the DP, asked again, says join (fallback-policy). */
  private silentOn: { silentMs: number; dpAnswered: boolean } | undefined;
  /** The last request to the DP needed retries: the DP was not answering. */
  private requestRetried = false;
  private previousReceiverId: number | undefined;
  /** Multicast hash failures per chunk in this deploy, across its sessions (multicast-run.ts). */
  private readonly badChunks = new Map<number, number>();
  /** Gives the state directory back (memory.lock). */
  private unlock: ReleaseStateDir | undefined;
  /** Gives the target back (stores.lock). */
  private unlockTarget: (() => Promise<void>) | undefined;
  /**
   * close() has run: a run abandoned by a stop may still be going in the background, and must not
   * write to the state dir it no longer holds (the caller may already be removing it).
   */
  private closed = false;

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
    // Other agents may use other state dirs for the same target: the target has its own lock.
    this.unlockTarget = await this.deps.stores.lock?.();
    const mem = await this.deps.memory.load();
    if (mem && mem.server === this.opts.server && mem.image === this.opts.image) this.previousReceiverId = mem.receiverId;
    for (let pass = 1; ; pass++) {
      const store = await this.transfer(pass === 1 && this.previousReceiverId === undefined);
      const damaged = await finishTarget(store, this.status, this.deps.clock);
      if (damaged.length === 0) {
        await this.forgetReceiverId();
        return;
      }
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
      // A DP that needed retries after a silence was down: the silence was its, not multicast's.
      if (this.silentOn && this.requestRetried) this.silentOn = { ...this.silentOn, dpAnswered: false };
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
      // allSettled, not all: when one step fails (a manifest that does not verify) the others must
      // still finish before the flow returns, or agent.json is written after the caller has moved
      // on (a test's cleanup removing the state dir failed with ENOTEMPTY).
      const [saved, opened] = await Promise.allSettled([
        this.registered(reply.receiverId),
        this.openStore(reply.manifest),
        reply.status === 'join' ? this.interfaceReady().catch(() => undefined) : undefined,
      ]);
      if (opened.status === 'rejected') throw opened.reason;
      if (saved.status === 'rejected') throw saved.reason;
      const store = opened.value;
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

  /**
   * Closes the target (journaling what was written) and gives the state dir back; after a failure
   * the default one beside the target goes unless it holds a resumable journal. Idempotent.
   */
  async close(failed = false): Promise<void> {
    this.closed = true;
    await this.store?.close().catch(() => undefined);
    // Once each: a second call must not remove a lock another agent took since.
    const unlockTarget = this.unlockTarget;
    this.unlockTarget = undefined;
    await unlockTarget?.().catch(() => undefined);
    const unlock = this.unlock;
    this.unlock = undefined;
    await unlock?.({ discard: failed && !this.opts.stateDirGiven }).catch(() => undefined);
  }

  private fallbackCtx(fallbackAllowed: boolean): { fallbackAllowed: boolean; noFallback: boolean } {
    return { fallbackAllowed, noFallback: this.opts.noFallback };
  }

  private async request(patienceMs: number): Promise<AgentRequestReply> {
    this.status.progress.set(this.status.progress.phase === 'reconnecting' ? 'reconnecting' : 'requesting');
    const body: AgentRequest = {
      image: this.opts.image,
      hostname: this.deps.hostname,
      ...macsField(this.deps.interfaces(), this.iface?.name),
      ...(this.previousReceiverId === undefined ? {} : { previousReceiverId: this.previousReceiverId }),
      ...(this.store ? { chunksDone: this.store.chunksDone() } : {}),
      ...(await this.mtuField()),
    };
    this.requestRetried = false;
    return withPatience(() => this.deps.dp.request(body), this.deps.clock, {
      patienceMs,
      onRetry: (e) => {
        this.requestRetried = true;
        this.status.progress.set('reconnecting', e.message);
        this.status.tick(this.deps.clock.now());
      },
    });
  }

  /**
   * The MTU of the interface the agent will receive on, for the request: the one already picked,
   * else the one the join would pick (quietly: the join says which). One that cannot be picked (no
   * interface shares the DP's subnet) leaves the field out; a multicast join says why later, and a
   * fallback never needs one.
   */
  private async mtuField(): Promise<{ mtu?: number }> {
    const read = this.deps.interfaceMtu;
    if (!read) return {};
    try {
      const dpAddress = this.iface !== undefined || this.opts.interface !== undefined ? '' : await this.deps.resolveDp();
      return mtuField(read((this.iface ?? pickInterface(this.opts.interface, dpAddress, this.deps.interfaces())).name));
    } catch {
      return {};
    }
  }

  private async wait(reply: Extract<AgentRequestReply, { status: 'wait' }>): Promise<void> {
    const until = this.deps.clock.now() + Math.min(Math.max(reply.retryAfterMs, 200), 60_000);
    this.status.progress.set('waiting', reply.reason, waitInfo(reply, until));
    // Sleep in short steps so the waiting line keeps coming once a second.
    while (this.deps.clock.now() < until) {
      this.status.tick(this.deps.clock.now());
      await this.deps.clock.sleep(Math.min(250, until - this.deps.clock.now()));
    }
  }

  private async registered(receiverId: number): Promise<void> {
    this.previousReceiverId = receiverId;
    this.status.progress.receiverId = receiverId;
    this.status.posts.dpForgotUs = false;
    if (this.closed) return;
    await this.deps.memory.save({ server: this.opts.server, image: this.opts.image, receiverId });
  }

  /**
   * A later run must start as a new client: the DP keeps "went to unicast" on the client record a
   * previousReceiverId names, and answered a later deploy from this state dir "kicked to unicast
   * earlier" (issue 22.7). So the id is kept only while the run may still be resumed by multicast:
   * it is dropped once this run has gone to unicast and once the image is complete. This run
   * itself keeps it (a read-back pass asks again as the same client).
   */
  private async forgetReceiverId(): Promise<void> {
    if (this.closed) return;
    await this.deps.memory.save({ server: this.opts.server, image: this.opts.image });
  }

  private async openStore(manifest: Manifest): Promise<ChunkStore> {
    // Same content, sent the same way (a store opened for raw chunks cannot take zstd frames).
    if (this.store && this.store.manifest.sha256 === manifest.sha256 && this.store.manifest.size === manifest.size && sameStoredChunks(this.store.manifest, manifest)) {
      return this.store;
    }
    if (this.store) {
      // The DP now serves other content under this name (the image was re-imported): the journal
      // of the old content must not be trusted for the new one. The store opener starts afresh.
      await this.store.close();
      this.assembler = undefined;
    }
    const store = await this.deps.stores.open(manifest);
    if (this.closed) {
      // Stopped while the target was being opened: nobody would close this one.
      await store.close();
      throw new AgentError('internal', 'the deploy was stopped while the target was being opened');
    }
    this.store = store;
    this.status.progress.store = store;
    return store;
  }

  /** Runs multicast on a session; returns 'done' when the image is complete, 'again' to re-request. */
  private async multicast(
    session: SessionInfo,
    manifest: Manifest,
    receiverId: number,
    senderId: number,
    store: ChunkStore,
  ): Promise<'done' | 'again'> {
    this.status.progress.sessionId = session.id;
    this.deps.reporter.session(session.id, `${session.mode} multicast ${session.group}:${session.port}${session.encrypted ? ', encrypted' : ''}`);
    const version = decideOnProtocolVersion(session.protocolVersion ?? 1, WIRE_VERSION, this.fallbackCtx(session.fallbackAllowed));
    if (version) {
      await this.act(version, session.contentPath);
      return 'done';
    }
    const silent = this.silentOn;
    this.silentOn = undefined;
    if (silent) {
      // Whatever session the DP names: a lone agent's session ends when it leaves, so the next one
      // has another id, and waiting for the same id again looped for ever (issue 21.1).
      const d = decideOnSilence(
        { ...silent, ...(this.iface ? { listenedOn: `${this.iface.name} ${this.iface.address}` } : {}) },
        this.fallbackCtx(session.fallbackAllowed),
      );
      if (d.action === 'unicast' || d.action === 'fail') {
        await this.act(d, session.contentPath);
        return 'done';
      }
      this.deps.reporter.note(d.why);
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
      placeBlock: (block, size) => assembler.placeFor(block, size),
      nowMs: this.deps.clock.now(),
      ...(this.deps.buffers ? { buffers: this.deps.buffers } : {}),
    });
    const failedPostsBefore = this.status.posts.failedPosts;
    const outcome = await runMulticast({
      session,
      receiverId,
      parts,
      store,
      assembler,
      status: this.status,
      now: () => this.deps.clock.now(),
      silenceTimeoutMs: this.opts.silenceTimeoutMs,
      ...(this.deps.timers ? { timers: this.deps.timers } : {}),
      // A chunk whose multicast copies keep failing comes by HTTP Range, as the unicast path fetches.
      fetchChunk: (chunk) => {
        const { start, length } = new StoredChunkIndex(manifest).range(chunk);
        return withPatience(() => this.deps.dp.fetchRange(session.contentPath, start, length), this.deps.clock, { patienceMs: this.opts.dpPatienceMs });
      },
      note: (text) => this.deps.reporter.note(text),
      badChunks: this.badChunks,
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
        this.silentOn = { silentMs: outcome.silentMs, dpAnswered: this.status.posts.failedPosts === failedPostsBefore };
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
    this.status.progress.set('fallback', d.why);
    await this.forgetReceiverId();
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

  private assemblerFor(session: SessionInfo, manifest: Manifest, layout: BlockLayout): ChunkAssembler {
    const key = `${manifest.sha256}/${session.symbolSize}/${session.blockSymbols}`;
    if (this.assembler?.key !== key) {
      this.assembler = {
        key,
        // Blocks cover the chunk as sent: its zstd frame for a compressed image.
        value: new ChunkAssembler(layout, { chunkLength: (i) => storedLength(manifest, i) }, this.deps.buffers),
      };
    }
    return this.assembler.value;
  }
}
