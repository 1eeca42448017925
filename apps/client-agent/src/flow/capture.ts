// `castpoint-agent capture`: maps the source disk's used blocks (libs/diskmap), hashes each used
// chunk, sends the DP a plan, then uploads only the data chunks the DP says it lacks, re-hashing
// each on the way (a source that changed is refused, not captured half old, half new). Running the
// same command again after an interruption resumes: the DP answers only what it still needs.
import { createHash } from 'node:crypto';
import { chunkCount, chunkLength, chunkOffset, chunksTouched, isAllZero, type SourceInfo } from '@castpoint/chunking';
import { type DiskMap, mapDisk } from '@castpoint/diskmap';
import { AgentError } from '../errors';

/** What the agent sends first (the DP's POST /api/v1/captures body). */
export interface CapturePlan {
  readonly name: string;
  readonly size: number;
  readonly chunkSize: number;
  /** SHA-256 of each data chunk; '' for zero and unused chunks (not uploaded). */
  readonly hashes: string[];
  readonly unusedChunks: number[];
  readonly usedMap: { readonly source: 'filesystem' | 'every-block'; readonly reasons: string[] };
}

/** The DP's capture API as the flow needs it (HTTP in production, in memory in tests). */
export interface CaptureApi {
  begin(plan: CapturePlan): Promise<{ readonly missing: readonly number[]; readonly dataChunks: number }>;
  putChunk(name: string, index: number, data: Uint8Array): Promise<void>;
  finish(name: string): Promise<{ readonly name: string; readonly size: number; readonly manifestHash: string }>;
}

export interface CaptureSource {
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface CaptureArgs {
  readonly source: string;
  readonly name: string;
  readonly chunkSize: number;
  readonly api: CaptureApi;
  /** Refuses a mounted, swapped or held disk (chunking's preflightSource). */
  readonly preflight: (path: string) => Promise<SourceInfo>;
  readonly open: (path: string) => Promise<CaptureSource>;
  /** Phases and progress, for the terminal or JSON lines. */
  readonly onEvent?: (e: CaptureEvent) => void;
}

export type CaptureEvent =
  | { readonly phase: 'mapped'; readonly map: DiskMap }
  | { readonly phase: 'hashed'; readonly chunksDone: number; readonly chunks: number }
  | { readonly phase: 'planned'; readonly dataChunks: number; readonly missing: number }
  | { readonly phase: 'uploaded'; readonly chunksDone: number; readonly chunks: number; readonly bytes: number };

export interface CaptureResult {
  readonly image: { readonly name: string; readonly size: number; readonly manifestHash: string };
  readonly size: number;
  readonly usedBytes: number;
  readonly dataChunks: number;
  readonly zeroChunks: number;
  readonly unusedChunks: number;
  /** Data chunks sent by this run (fewer than dataChunks after a resume). */
  readonly uploadedChunks: number;
  readonly uploadedBytes: number;
  readonly mapSource: 'filesystem' | 'every-block';
  readonly reasons: readonly string[];
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function readChunk(src: CaptureSource, c: number, size: number, chunkSize: number): Promise<Uint8Array> {
  const len = chunkLength(c, size, chunkSize);
  const data = await src.read(chunkOffset(c, chunkSize), len);
  if (data.length !== len) throw new AgentError('target-refused', `the capture source ended early: chunk ${c} has ${data.length} of ${len} bytes`);
  return data;
}

/** Hashes every chunk the map touches; untouched ones are unused and never read. */
async function buildPlan(a: CaptureArgs, src: CaptureSource, size: number, map: DiskMap): Promise<CapturePlan> {
  const touched = chunksTouched(map.used, size, a.chunkSize);
  const count = chunkCount(size, a.chunkSize);
  const hashes: string[] = new Array<string>(count).fill('');
  const unusedChunks: number[] = [];
  for (let c = 0; c < count; c++) {
    if (touched[c] !== 1) {
      unusedChunks.push(c);
      continue;
    }
    const data = await readChunk(src, c, size, a.chunkSize);
    if (!isAllZero(data)) hashes[c] = sha256(data);
    if (c % 64 === 63) a.onEvent?.({ phase: 'hashed', chunksDone: c + 1, chunks: count });
  }
  a.onEvent?.({ phase: 'hashed', chunksDone: count, chunks: count });
  return { name: a.name, size, chunkSize: a.chunkSize, hashes, unusedChunks, usedMap: { source: map.source, reasons: map.reasons } };
}

export async function runCapture(a: CaptureArgs): Promise<CaptureResult> {
  const info = await a.preflight(a.source);
  if (info.size === 0) throw new AgentError('target-refused', `the capture source ${a.source} is empty`);
  const src = await a.open(a.source);
  try {
    const map = await mapDisk((offset, length) => src.read(offset, length), info.size);
    a.onEvent?.({ phase: 'mapped', map });
    const plan = await buildPlan(a, src, info.size, map);
    const reply = await a.api.begin(plan);
    a.onEvent?.({ phase: 'planned', dataChunks: reply.dataChunks, missing: reply.missing.length });
    let sent = 0;
    let bytes = 0;
    for (const c of reply.missing) {
      const want = plan.hashes[c];
      if (want === undefined || want === '') throw new AgentError('dp-refused', `the DP asked for chunk ${c}, which is not a data chunk of the plan`);
      const data = await readChunk(src, c, info.size, a.chunkSize);
      if (sha256(data) !== want) {
        throw new AgentError('verification-failed', `chunk ${c} of ${a.source} changed while it was being captured: is something writing to the disk? Nothing of it was sent`);
      }
      await a.api.putChunk(a.name, c, data);
      sent++;
      bytes += data.length;
      a.onEvent?.({ phase: 'uploaded', chunksDone: sent, chunks: reply.missing.length, bytes });
    }
    const image = await a.api.finish(a.name);
    const dataChunks = plan.hashes.filter((h) => h !== '').length;
    return {
      image,
      size: info.size,
      usedBytes: map.usedBytes,
      dataChunks,
      zeroChunks: plan.hashes.length - dataChunks - plan.unusedChunks.length,
      unusedChunks: plan.unusedChunks.length,
      uploadedChunks: sent,
      uploadedBytes: bytes,
      mapSource: map.source,
      reasons: map.reasons,
    };
  } finally {
    await src.close();
  }
}
