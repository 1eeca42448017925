// Test doubles for the two lib-facing seams: an importer that builds real manifests with
// node:crypto (so hashes and sizes are true), and a runner that records what the manager asks of it
// and lets a test play the runner's events.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Manifest } from '@castpoint/wire';
import { DpError } from '../errors';
import type { ImageImporter, ImportedImage } from '../images/importer';
import type { RunnerEvents, RunnerSpec, RunnerStats, SessionRunner, SessionRunnerFactory } from '../sessions/runner';

export function manifestOf(bytes: Uint8Array, chunkSize = 1 << 20): Manifest {
  const chunks: string[] = [];
  const zeroChunks: number[] = [];
  for (let off = 0, i = 0; off < bytes.length; off += chunkSize, i++) {
    const c = bytes.subarray(off, Math.min(bytes.length, off + chunkSize));
    chunks.push(createHash('sha256').update(c).digest('hex'));
    if (c.every((b) => b === 0)) zeroChunks.push(i);
  }
  return { version: 1, size: bytes.length, chunkSize, sha256: createHash('sha256').update(bytes).digest('hex'), chunks, zeroChunks };
}

export class TestImporter implements ImageImporter {
  imports = 0;

  async importImage(file: string, onProgress?: (bytesDone: number, size: number) => void): Promise<ImportedImage> {
    this.imports++;
    const bytes = await readFile(file);
    onProgress?.(bytes.length, bytes.length);
    const manifest = manifestOf(bytes);
    const st = await stat(file);
    return { manifest, manifestHash: createHash('sha256').update(JSON.stringify(manifest)).digest('hex'), mtimeMs: st.mtimeMs };
  }

  async assertUnchanged(file: string, manifest: Manifest, mtimeMs: number): Promise<void> {
    const st = await stat(file);
    if (st.size !== manifest.size || st.mtimeMs !== mtimeMs) throw new DpError('DP_IMAGE_FILE', `${file} changed since import`, { file });
  }
}

export class RecordingRunner implements SessionRunner {
  started = false;
  closed: { reason: string; detail: string } | 'quiet' | undefined;
  readonly receivers = new Set<number>();
  bytesSent = 0;

  constructor(
    readonly spec: RunnerSpec,
    readonly events: RunnerEvents,
  ) {
    for (const r of spec.receivers) this.receivers.add(r);
  }

  async start(): Promise<void> {
    this.started = true;
  }

  addReceiver(id: number): void {
    this.receivers.add(id);
  }

  removeReceiver(id: number): void {
    this.receivers.delete(id);
  }

  /** The last awaitJoiners call. */
  joiners: { count: number; graceMs: number } | undefined;

  awaitJoiners(count: number, graceMs: number): void {
    this.joiners = { count, graceMs };
  }

  stats(): RunnerStats {
    return { bytesSent: this.bytesSent, packetsSent: Math.ceil(this.bytesSent / 1400), dataPackets: 0, repairPackets: 0, nacksReceived: 0, badPackets: 0, controlErrors: 0, unknownReceiverPackets: 0, refusedRepairSymbols: 0, rateBytesPerSec: this.spec.rateBytesPerSec, grttMs: 10 };
  }

  async close(kick?: { reason: string; detail: string }): Promise<void> {
    this.closed = kick ?? 'quiet';
  }
}

export function recordingFactory(): { factory: SessionRunnerFactory; runners: RecordingRunner[] } {
  const runners: RecordingRunner[] = [];
  return {
    runners,
    factory: (spec, events) => {
      const r = new RecordingRunner(spec, events);
      runners.push(r);
      return r;
    },
  };
}
