// SessionFactory over the libs: chunking's BlockLayout (both sides derive it from the manifest),
// repair's ReceiverEngine, wire's codec and a transport socket on the session port.
import { randomInt } from 'node:crypto';
import type { Manifest, SessionInfo } from '@castpoint/wire';
import { BlockLayout, manifestHash } from '@castpoint/chunking';
import { AgentError } from '../errors';
import { ReceiverEngine, seededRng } from '@castpoint/repair';
import type { JoinArgs, SessionFactory, SessionParts, SessionSocket } from '../flow/ports';
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
        ...(a.placeBlock ? { placeBlock: a.placeBlock } : {}),
      });
      const codec = wireSessionCodec(a.session, a.senderId);
      const open = o.openSocket ?? openSessionSocket;
      const socket = await open({ group: a.session.group, port: a.session.port, interfaceAddress: a.interfaceAddress });
      return { layout, engine, codec, socket };
    },
  };
}

/** The session's FEC blocks over the image: the DP derives the same layout from the same manifest. */
export function sessionLayout(session: Pick<SessionInfo, 'symbolSize' | 'blockSymbols'>, manifest: Manifest): BlockLayout {
  return new BlockLayout(manifest, { symbolSize: session.symbolSize, blockSymbols: session.blockSymbols });
}
