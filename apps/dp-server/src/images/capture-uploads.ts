// Capture uploads: an agent sends a plan (every chunk's SHA-256, which chunks are unused, where the
// used-block map came from), then only the data chunks, each checked against the plan before it is
// written into a sparse staging file under the first image root. Finishing renames the file into
// that root and imports it with the used-block map, so the image and its manifest appear in
// `image list` like any other. Resume: beginning again with the same plan re-hashes the staging
// file and answers only the chunks still missing (no journal to keep consistent: the hashes are
// the journal).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assertChunkSize, chunkCount, chunkLength, chunkOffset, isChunkingError, validateManifest } from '@castpoint/chunking';
import type { UsedMapInfo } from '@castpoint/wire';
import { DpError } from '../errors';
import type { ImageRecord } from '../state/types';
import type { ImageCatalog } from './catalog';
import { validateImageName } from './names';

const HEX64 = /^[0-9a-f]{64}$/;

/** What the agent sends first. */
export interface CapturePlan {
  readonly name: string;
  readonly size: number;
  readonly chunkSize: number;
  /** One entry per chunk: the SHA-256 of a data chunk, '' for a chunk not uploaded (zero or unused). */
  readonly hashes: readonly string[];
  /** Chunks no filesystem uses, ascending: never uploaded, never written on targets. */
  readonly unusedChunks: readonly number[];
  readonly usedMap: UsedMapInfo;
}

export interface CaptureStatus {
  readonly name: string;
  readonly dataChunks: number;
  /** Data chunks the DP does not hold yet, ascending. */
  readonly missing: number[];
}

interface Upload {
  readonly plan: CapturePlan;
  readonly dir: string;
  readonly fh: FileHandle;
  readonly have: Uint8Array;
}

function invalid(why: string): DpError {
  return new DpError('DP_CAPTURE_INVALID', `capture plan is invalid: ${why}`);
}

/** Checks what the shape schema cannot: counts, ranges, hex, the map's source. */
export function checkPlan(plan: CapturePlan): void {
  validateImageName(plan.name);
  if (!Number.isSafeInteger(plan.size) || plan.size <= 0) throw invalid(`size ${plan.size} must be a positive integer`);
  try {
    assertChunkSize(plan.chunkSize);
  } catch (err) {
    throw invalid(isChunkingError(err, 'CHUNKING_BAD_OPTION') ? err.message : String(err));
  }
  const count = chunkCount(plan.size, plan.chunkSize);
  if (plan.hashes.length !== count) throw invalid(`hashes lists ${plan.hashes.length} entries for ${count} chunks`);
  plan.hashes.forEach((h, i) => {
    if (h !== '' && !HEX64.test(h)) throw invalid(`hashes[${i}] must be 64 lowercase hex digits or ''`);
  });
  let prev = -1;
  for (const u of plan.unusedChunks) {
    if (!Number.isSafeInteger(u) || u <= prev || u >= count) throw invalid(`unusedChunks must be ascending chunk indexes below ${count}`);
    if (plan.hashes[u] !== '') throw invalid(`unused chunk ${u} has a hash: unused chunks are not uploaded`);
    prev = u;
  }
  // The manifest codec owns the usedMap rules (source, number and length of reasons).
  try {
    validateManifest({ version: 1, size: 0, chunkSize: 4096, sha256: '0'.repeat(64), chunks: [], zeroChunks: [], usedMap: plan.usedMap });
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
}

const planHash = (p: CapturePlan): string => createHash('sha256').update(JSON.stringify(p)).digest('hex');

/** Used byte extents of an image whose unused chunks are `unused`: every other chunk, merged. */
export function usedExtentsOf(size: number, chunkSize: number, unused: readonly number[]): { start: number; length: number }[] {
  const out: { start: number; length: number }[] = [];
  let from = 0;
  for (const u of [...unused, chunkCount(size, chunkSize)]) {
    if (u > from) out.push({ start: from * chunkSize, length: Math.min(size, u * chunkSize) - from * chunkSize });
    from = u + 1;
  }
  return out;
}

export class CaptureUploads {
  private readonly open = new Map<string, Upload>();

  /** `stagingRoot`: where uploads are assembled; `imageDir`: the image root finished images go to. */
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly imageDir: string,
  ) {}

  private stagingDir(name: string): string {
    return join(this.imageDir, '.castpoint-captures', name);
  }

  private finalPath(name: string): string {
    return join(this.imageDir, `${name}.img`);
  }

  /** Opens (or resumes) the upload of `plan`; answers the data chunks still missing. */
  async begin(plan: CapturePlan): Promise<CaptureStatus> {
    checkPlan(plan);
    if (this.catalog.list().some((i) => i.name === plan.name) || existsSync(this.finalPath(plan.name))) {
      throw new DpError('DP_IMAGE_EXISTS', `an image named ${plan.name} already exists (remove it first)`, { name: plan.name });
    }
    const hash = planHash(plan);
    const dir = this.stagingDir(plan.name);
    const current = this.open.get(plan.name);
    if (current !== undefined) {
      if (planHash(current.plan) === hash) return this.status(current);
      await this.drop(plan.name);
    }
    const old = await readFile(join(dir, 'plan.sha256'), 'utf8').catch(() => '');
    const resumed = old === hash;
    if (!resumed) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, 'plan.json'), JSON.stringify(plan));
    }
    const fh = await open(join(dir, 'image.partial'), resumed ? 'r+' : 'w+');
    if (!resumed) await fh.truncate(plan.size);
    const upload: Upload = { plan, dir, fh, have: new Uint8Array(plan.hashes.length) };
    if (resumed) await this.rescan(upload);
    else await writeFile(join(dir, 'plan.sha256'), hash);
    this.open.set(plan.name, upload);
    return this.status(upload);
  }

  /** After an interruption the staging file is the record: a data chunk is held when its bytes hash right. */
  private async rescan(u: Upload): Promise<void> {
    const buf = Buffer.alloc(u.plan.chunkSize);
    for (let c = 0; c < u.plan.hashes.length; c++) {
      const want = u.plan.hashes[c];
      if (want === '' || want === undefined) continue;
      const len = chunkLength(c, u.plan.size, u.plan.chunkSize);
      const { bytesRead } = await u.fh.read(buf, 0, len, chunkOffset(c, u.plan.chunkSize));
      if (bytesRead === len && createHash('sha256').update(buf.subarray(0, len)).digest('hex') === want) u.have[c] = 1;
    }
  }

  private status(u: Upload): CaptureStatus {
    const missing: number[] = [];
    let dataChunks = 0;
    u.plan.hashes.forEach((h, c) => {
      if (h === '') return;
      dataChunks++;
      if (u.have[c] !== 1) missing.push(c);
    });
    return { name: u.plan.name, dataChunks, missing };
  }

  private get(name: string): Upload {
    const u = this.open.get(name);
    if (u === undefined) throw new DpError('DP_CAPTURE_NOT_FOUND', `no capture of ${name} is open: begin it (POST /api/v1/captures) first`, { name });
    return u;
  }

  /** Checks chunk `index` against the plan (data chunk, length, SHA-256), then writes it. */
  async putChunk(name: string, index: number, data: Uint8Array): Promise<void> {
    const u = this.get(name);
    const want = u.plan.hashes[index];
    if (!Number.isSafeInteger(index) || want === undefined || want === '') {
      throw new DpError('DP_CAPTURE_CHUNK_REFUSED', `chunk ${index} is not a data chunk of the capture of ${name}`, { name, chunk: index });
    }
    const len = chunkLength(index, u.plan.size, u.plan.chunkSize);
    if (data.length !== len) throw new DpError('DP_CAPTURE_CHUNK_REFUSED', `chunk ${index} has ${data.length} bytes, the plan says ${len}`, { name, chunk: index });
    const got = createHash('sha256').update(data).digest('hex');
    if (got !== want) throw new DpError('DP_CAPTURE_CHUNK_REFUSED', `chunk ${index} does not match its SHA-256 in the plan; nothing was written`, { name, chunk: index, expected: want, actual: got });
    await u.fh.write(data, 0, len, chunkOffset(index, u.plan.chunkSize));
    u.have[index] = 1;
  }

  /**
   * Every data chunk held: sync, move the file into the image root, import it with the used-block
   * map, and check the import saw the very chunks the plan promised.
   */
  async finish(name: string): Promise<ImageRecord> {
    const u = this.get(name);
    const st = this.status(u);
    if (st.missing.length > 0) {
      throw new DpError('DP_CAPTURE_INCOMPLETE', `${st.missing.length} of ${st.dataChunks} data chunks of ${name} are not uploaded yet`, { name, missing: st.missing.length });
    }
    await u.fh.sync();
    await u.fh.close();
    this.open.delete(name);
    const file = this.finalPath(name);
    await rename(join(u.dir, 'image.partial'), file);
    const { plan } = u;
    let rec: ImageRecord;
    try {
      rec = await this.catalog.add(name, file, {}, { chunkSize: plan.chunkSize, usedMap: { used: usedExtentsOf(plan.size, plan.chunkSize, plan.unusedChunks), ...plan.usedMap } });
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    const m = this.catalog.manifest(rec);
    const bad = plan.hashes.findIndex((h, c) => h !== '' && m.chunks[c] !== h);
    if (bad >= 0) {
      this.catalog.remove(name);
      await rm(file, { force: true });
      throw new DpError('DP_CAPTURE_CHUNK_REFUSED', `chunk ${bad} of the assembled image does not match the plan (disk error on the DP?); the capture was dropped`, { name, chunk: bad });
    }
    await rm(u.dir, { recursive: true, force: true });
    return rec;
  }

  /** Abandons an upload: closes and deletes its staging files. */
  async drop(name: string): Promise<void> {
    const u = this.open.get(name);
    this.open.delete(name);
    await u?.fh.close().catch(() => undefined);
    await rm(this.stagingDir(name), { recursive: true, force: true });
  }

  async closeAll(): Promise<void> {
    for (const u of this.open.values()) await u.fh.close().catch(() => undefined);
    this.open.clear();
  }
}
