// Entry point of an import worker thread (bundled into a string by worker-source.ts, never
// imported by the lib itself). It answers the main thread's requests one at a time, in order:
// `chunks` (hash and compress the chunks of a shared read buffer), `whole` (feed a buffer to the
// whole-image SHA-256) and `digest` (that hash, then a fresh one).
import { createHash, type Hash } from 'node:crypto';
import { parentPort, threadId } from 'node:worker_threads';
import { loadZstd, type ChunkZstd } from '../chunk-compression';
import { workChunks } from './chunk-work';
import { errorReply, type WorkerReply, type WorkerRequest } from './protocol';

const port = parentPort;
if (port === null) throw new Error('the import worker must run in a worker thread');
const zeroCache = new Map<number, string>();
let whole: Hash = createHash('sha256');
let zstd: ChunkZstd | undefined;

async function answer(m: WorkerRequest): Promise<WorkerReply> {
  switch (m.kind) {
    case 'chunks': {
      if (m.job.store !== undefined) zstd ??= await loadZstd();
      const r = workChunks(new Uint8Array(m.sab, m.offset, m.length), m.job, zstd, zeroCache, threadId);
      return { id: m.id, ok: true, kind: 'chunks', result: r };
    }
    case 'whole':
      whole.update(new Uint8Array(m.sab, m.offset, m.length));
      return { id: m.id, ok: true, kind: 'whole', threadId };
    case 'digest': {
      const hex = whole.digest('hex');
      whole = createHash('sha256');
      return { id: m.id, ok: true, kind: 'digest', hex, threadId };
    }
  }
}

// Requests are answered strictly in arrival order (the whole-image hash depends on it): each waits
// for the one before.
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: WorkerRequest) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      reply = await answer(m);
    } catch (err) {
      port.postMessage(errorReply(m.id, err));
      return;
    }
    const frames = reply.ok && reply.kind === 'chunks' ? reply.result.stored?.bytes.buffer : undefined;
    port.postMessage(reply, frames instanceof ArrayBuffer ? [frames] : []);
  });
});
