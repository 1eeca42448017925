// SessionFactory over the libs: chunking's BlockLayout (both sides derive it from the manifest),
// repair's ReceiverEngine, wire's codec and a transport socket on the session port.
import { randomInt } from 'node:crypto';
import type { Manifest, SessionInfo } from '@castpoint/wire';
import { BlockLayout, manifestHash } from '@castpoint/chunking';
import { AgentError } from '../errors';
import { ReceiverEngine, seededRng, type ReceiverAction } from '@castpoint/repair';
import type { JoinArgs, Receiver, ReceiverOutput, SessionFactory, SessionParts, SessionSocket } from '../flow/ports';
import { openSessionSocket } from './transport-socket';
import { wireSessionCodec } from './wire-codec';

export interface LibSessionOptions {
  /** Opens the session socket. @default a real UDP socket (openSessionSocket) */
  readonly openSocket?: (o: { group: string; port: number; interfaceAddress: string }) => Promise<SessionSocket>;
  /** Seed of the NACK backoff randomness. @default a random seed per join */
  readonly seed?: number;
}

export function libSessionFactory(o: LibSessionOptions = {}): SessionFactory {
  return {
    layoutFor: (session, manifest) => sessionLayout(session, manifest),
    async join(a: JoinArgs): Promise<SessionParts> {
      const hash = manifestHash(a.manifest);
      if (hash !== a.session.manifestHash) {
        throw new AgentError(
          'verification-failed',
          `The DP's session ${a.session.id} sends manifest ${a.session.manifestHash.slice(0, 12)}… but gave this agent manifest ${hash.slice(0, 12)}…`,
        );
      }
      const layout = sessionLayout(a.session, a.manifest);
      const engine = new ReceiverEngine({
        receiverId: a.receiverId,
        layout,
        symbolSize: a.session.symbolSize,
        rng: seededRng(o.seed ?? randomInt(2 ** 31)),
        held: a.heldBlocks(layout),
        ...(a.buffers ? { pool: a.buffers } : {}),
      });
      const codec = wireSessionCodec(a.session, a.senderId);
      const open = o.openSocket ?? openSessionSocket;
      const socket = await open({ group: a.session.group, port: a.session.port, interfaceAddress: a.interfaceAddress });
      return { layout, receiver: engineReceiver(engine), codec, socket };
    },
  };
}

/** The session's FEC blocks over the image: the DP derives the same layout from the same manifest. */
export function sessionLayout(session: Pick<SessionInfo, 'symbolSize' | 'blockSymbols'>, manifest: Manifest): BlockLayout {
  return new BlockLayout(manifest, { symbolSize: session.symbolSize, blockSymbols: session.blockSymbols });
}

/** Most packets change nothing the flow acts on: one shared, frozen answer for them. */
const NOTHING: ReceiverOutput = Object.freeze({ control: Object.freeze([]), rebuilt: Object.freeze([]) });

/** Adapts the engine's action list to the flow's ReceiverOutput. */
export function engineReceiver(engine: ReceiverEngine): Receiver {
  let repaired = 0;
  const convert = (actions: readonly ReceiverAction[]): ReceiverOutput => {
    if (actions.length === 0) return NOTHING;
    const control: ReceiverOutput['control'][number][] = [];
    const rebuilt: { block: number; data: Uint8Array }[] = [];
    let kick: ReceiverOutput['kick'];
    let finished: ReceiverOutput['finished'];
    for (const x of actions) {
      if (x.type === 'send') control.push(x.message);
      else if (x.type === 'block') rebuilt.push({ block: x.block, data: x.data });
      else if (x.type === 'kicked') kick = { reason: x.reason, detail: x.detail };
      else if (x.type === 'finished') finished = { complete: x.complete };
    }
    return { control, rebuilt, ...(kick ? { kick } : {}), ...(finished ? { finished } : {}) };
  };
  return {
    handle: (packet, now) => {
      const m = packet.message;
      const isParity = m.type === 'data' && m.symbol >= m.k;
      const before = isParity ? engine.stats() : undefined;
      const out = convert(engine.handle({ type: 'packet', packet }, now));
      // A parity symbol the engine kept (not a duplicate, for a block it lacked) stands in for a
      // lost source symbol: that is one repaired symbol.
      if (before) {
        const after = engine.stats();
        if (after.packets > before.packets && after.duplicates === before.duplicates) repaired++;
      }
      return out;
    },
    tick: (now) => convert(engine.tick(now)),
    rerequest: (blocks, now) => convert(engine.handle({ type: 'rerequest', blocks }, now)),
    stored: (blocks, now) => convert(engine.handle({ type: 'stored', blocks }, now)),
    repairedSymbols: () => repaired,
    blocksDone: () => engine.stats().blocksDone,
  };
}
