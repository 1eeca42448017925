// The images a DP serves: imported once (manifest kept in DATA_DIR, the file only referenced),
// and only from the image roots.
import { rmSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_ZSTD_LEVEL, packIndexPath } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';
import { DpError } from '../errors';
import type { StateStore } from '../state/store';
import type { ImageRecord } from '../state/types';
import { checkContentInput, resolveImageContent, type ImageContentInput } from './image-content';
import { ImportTracker } from './import-progress';
import type { ImageImporter, ImportImageOptions } from './importer';
import { validateImageName } from './names';
import { mapImageFile } from './used-blocks';
import type { ImageRoots } from './roots';
import { resolveImageSettings, type ImageSettingsInput } from './settings';

/** A pack and its index (an import that lost a race for its name leaves neither). */
async function removePack(pack: string): Promise<void> {
  await rm(pack, { force: true });
  await rm(packIndexPath(pack), { force: true });
}

/** Chunk packs of compressed images, in DATA_DIR. */
const PACK_DIR = 'packs';

export class ImageCatalog {
  private readonly manifests = new Map<string, Manifest>();
  /**
   * Images kept in state from before the roots (or from a start with other roots) whose file lies
   * outside them: listed, changeable and removable, but never served, so an import that published
   * a file like /etc/shadow does not survive the upgrade.
   */
  private readonly outside: Set<string>;
  /** Imports under way (GET /api/v1/imports). */
  readonly importing = new ImportTracker();

  constructor(
    private readonly store: StateStore,
    private readonly importer: ImageImporter,
    private readonly now: () => number,
    private readonly roots: ImageRoots,
    /** zstd level of an import that names none; 'off': images are added raw unless asked. @default DEFAULT_ZSTD_LEVEL */
    private readonly defaultCompressLevel: number | 'off' = DEFAULT_ZSTD_LEVEL,
  ) {
    this.outside = new Set(Object.values(store.state.images).filter((i) => !roots.holdsStored(i.file)).map((i) => i.name));
  }

  /** Names of the stored images that are not served because their file is outside the roots. */
  outsideRoots(): ImageRecord[] {
    return this.list().filter((i) => this.outside.has(i.name));
  }

  isOutsideRoots(name: string): boolean {
    return this.outside.has(name);
  }

  /** Refuses (DP_IMAGE_OUTSIDE_ROOTS) an image that is not served; see `outside`. */
  assertServable(img: ImageRecord): void {
    if (this.outside.has(img.name)) throw this.roots.notServed(img.name, img.file);
  }

  list(): ImageRecord[] {
    return Object.values(this.store.state.images).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ImageRecord {
    validateImageName(name);
    const img = Object.prototype.hasOwnProperty.call(this.store.state.images, name) ? this.store.state.images[name] : undefined;
    if (!img) throw new DpError('DP_IMAGE_NOT_FOUND', `no image named ${name}`, { name });
    return img;
  }

  /**
   * Every path that hands an image out needs its manifest (a join reply, a fallback reply, a
   * session's runner, one resumed at start too): refusing here refuses all of them for an image
   * outside the roots, while listing, changing and removing it still work.
   */
  manifest(img: ImageRecord): Manifest {
    this.assertServable(img);
    let m = this.manifests.get(img.manifestHash);
    if (!m) {
      m = this.store.loadManifest(img.manifestHash);
      this.manifests.set(img.manifestHash, m);
    }
    return m;
  }

  /**
   * Where the chunk pack of a compressed manifest lives: in DATA_DIR, named by the manifest hash
   * (two images of the same content share it). Undefined for a manifest without compression.
   */
  packPath(manifestHash: string, manifest: Manifest): string | undefined {
    return manifest.compression === undefined ? undefined : join(this.store.dataDir, PACK_DIR, `${manifestHash}.zst`);
  }

  /**
   * The zstd level (or 'off') of an add from its request: `compress: false` adds it raw (a level
   * with it is refused, DP_BAD_SETTING), a level compresses at it, `compress: true` alone at the
   * DP's default level (3 when that is off), and neither at the DP's default (`compress-level`).
   */
  compressionOf(compress: boolean | undefined, level: number | undefined): number | 'off' {
    if (compress === false) {
      if (level !== undefined) throw new DpError('DP_BAD_SETTING', 'compressLevel cannot go with compress: false (leave one out)', { setting: 'compressLevel' });
      return 'off';
    }
    if (level !== undefined) return level;
    if (compress === true && this.defaultCompressLevel === 'off') return DEFAULT_ZSTD_LEVEL;
    return this.defaultCompressLevel;
  }

  /**
   * `options.usedMap`: a capture's used-block map, so the manifest lists unused chunks;
   * `options.mapUsedBlocks`: the file is a whole disk, mapped here with libs/diskmap;
   * `options.compressLevel`: compress the stored chunks with zstd at that level into a chunk pack
   *   (with its index beside it), 'off' to add the image raw; the DP's default level when absent;
   * `kind`: a disk image (default) or a WIM and the index in it to apply.
   */
  async add(
    name: string,
    file: string,
    input: ImageSettingsInput,
    options: Omit<ImportImageOptions, 'compress'> & { mapUsedBlocks?: boolean; compressLevel?: number | 'off' } = {},
    kind: ImageContentInput = {},
  ): Promise<ImageRecord> {
    validateImageName(name);
    const settings = resolveImageSettings(input);
    checkContentInput(kind);
    this.store.assertWritable(`importing image ${name}`);
    if (Object.prototype.hasOwnProperty.call(this.store.state.images, name)) {
      throw new DpError('DP_IMAGE_EXISTS', `an image named ${name} already exists (remove it first)`, { name });
    }
    // The real path is stored and read from then on: a symlink inside a root cannot be turned
    // later to point elsewhere.
    const path = await this.roots.resolve(file);
    const st = await stat(path).catch((err: unknown) => {
      throw new DpError('DP_IMAGE_FILE', `cannot read ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
    });
    // libs/chunking imports regular files (raw images, WIM, ISO); a disk must be captured to a file first.
    if (!st.isFile()) throw new DpError('DP_IMAGE_FILE', `${path} is not a regular file`, { file: path });
    if (st.size === 0) throw new DpError('DP_IMAGE_FILE', `${path} is empty: there is no image to deploy`, { file: path });
    // A WIM is checked before its bytes are read for chunking: a wrong index costs nothing.
    const content = await resolveImageContent(kind, path);
    const tracked = this.importing.begin(name, path, st.size, this.now());
    const { mapUsedBlocks, compressLevel: asked, ...importOptions } = options;
    const level = asked ?? this.defaultCompressLevel;
    const compressLevel = level === 'off' ? undefined : level;
    // The pack is named by the manifest hash, known only at the end: written under the image's name first.
    const importingPack = compressLevel === undefined ? undefined : join(this.store.dataDir, PACK_DIR, `${name}.importing.zst`);
    if (importingPack !== undefined) await mkdir(join(this.store.dataDir, PACK_DIR), { recursive: true, mode: 0o700 });
    const imported = await (async () => {
      const usedMap = mapUsedBlocks === true ? await mapImageFile(path, st.size) : importOptions.usedMap;
      const compress = importingPack !== undefined && compressLevel !== undefined ? { packPath: importingPack, level: compressLevel } : undefined;
      return this.importer.importImage(path, tracked.progress, { ...importOptions, ...(usedMap ? { usedMap } : {}), ...(compress ? { compress } : {}) });
    })().finally(tracked.end);
    // A second add of the same name may have raced with this one while the file was being read.
    if (Object.prototype.hasOwnProperty.call(this.store.state.images, name)) {
      if (importingPack !== undefined) await removePack(importingPack);
      throw new DpError('DP_IMAGE_EXISTS', `an image named ${name} already exists (remove it first)`, { name });
    }
    const pack = this.packPath(imported.manifestHash, imported.manifest);
    if (importingPack !== undefined && pack !== undefined) {
      // The index first: a pack found without it is still checked (by decoding), never the reverse.
      await rename(packIndexPath(importingPack), packIndexPath(pack));
      await rename(importingPack, pack);
    }
    this.store.saveManifest(imported.manifestHash, imported.manifest);
    this.manifests.set(imported.manifestHash, imported.manifest);
    const rec: ImageRecord = {
      name,
      file: path,
      manifestHash: imported.manifestHash,
      size: imported.manifest.size,
      chunks: imported.manifest.chunks.length,
      fileMtimeMs: imported.mtimeMs,
      addedAt: new Date(this.now()).toISOString(),
      settings,
      ...(content ? { content } : {}),
    };
    this.store.state.images[name] = rec;
    this.store.record({ event: 'image-added', image: name, detail: `${path} (${rec.size} bytes, manifest ${rec.manifestHash.slice(0, 12)})` }, new Date(this.now()));
    this.store.save();
    return rec;
  }

  update(name: string, input: ImageSettingsInput): ImageRecord {
    const img = this.get(name);
    const rec: ImageRecord = { ...img, settings: resolveImageSettings(input, img.settings) };
    this.store.state.images[name] = rec;
    this.store.save();
    return rec;
  }

  remove(name: string): void {
    const img = this.get(name);
    this.outside.delete(name);
    delete this.store.state.images[name];
    this.store.record({ event: 'image-removed', image: name }, new Date(this.now()));
    this.store.save();
    // The chunk pack goes with the last image of its content (the file itself stays, as before).
    if (!Object.values(this.store.state.images).some((i) => i.manifestHash === img.manifestHash)) {
      // Sync: one unlink, and the caller's reply then means the space is free.
      try {
        const pack = join(this.store.dataDir, PACK_DIR, `${img.manifestHash}.zst`);
        rmSync(pack, { force: true });
        rmSync(packIndexPath(pack), { force: true });
      } catch {
        // An undeletable pack only wastes space; the image is gone either way.
      }
    }
  }

  /** Checks the file still holds what was imported (before each session and each fallback download). */
  async assertUnchanged(img: ImageRecord): Promise<void> {
    this.assertServable(img);
    await this.importer.assertUnchanged(img.file, this.manifest(img), img.fileMtimeMs);
  }
}
