// The images a DP serves: imported once (manifest kept in DATA_DIR, the file only referenced).
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Manifest } from '@castpoint/wire';
import { DpError } from '../errors';
import type { StateStore } from '../state/store';
import type { ImageRecord } from '../state/types';
import type { ImageImporter } from './importer';
import { validateImageName } from './names';
import { resolveImageSettings, type ImageSettingsInput } from './settings';

export class ImageCatalog {
  private readonly manifests = new Map<string, Manifest>();

  constructor(
    private readonly store: StateStore,
    private readonly importer: ImageImporter,
    private readonly now: () => number,
  ) {}

  list(): ImageRecord[] {
    return Object.values(this.store.state.images).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ImageRecord {
    validateImageName(name);
    const img = Object.prototype.hasOwnProperty.call(this.store.state.images, name) ? this.store.state.images[name] : undefined;
    if (!img) throw new DpError('DP_IMAGE_NOT_FOUND', `no image named ${name}`, { name });
    return img;
  }

  manifest(img: ImageRecord): Manifest {
    let m = this.manifests.get(img.manifestHash);
    if (!m) {
      m = this.store.loadManifest(img.manifestHash);
      this.manifests.set(img.manifestHash, m);
    }
    return m;
  }

  async add(name: string, file: string, input: ImageSettingsInput): Promise<ImageRecord> {
    validateImageName(name);
    const settings = resolveImageSettings(input);
    this.store.assertWritable(`importing image ${name}`);
    if (Object.prototype.hasOwnProperty.call(this.store.state.images, name)) {
      throw new DpError('DP_IMAGE_EXISTS', `an image named ${name} already exists (remove it first)`, { name });
    }
    if (!isAbsolute(file)) throw new DpError('DP_IMAGE_FILE', `FILE must be an absolute path on the DP's disk (got ${file})`, { file });
    const path = resolve(file);
    const st = await stat(path).catch((err: unknown) => {
      throw new DpError('DP_IMAGE_FILE', `cannot read ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
    });
    // libs/chunking imports regular files (raw images, WIM, ISO); a disk must be captured to a file first.
    if (!st.isFile()) throw new DpError('DP_IMAGE_FILE', `${path} is not a regular file`, { file: path });
    if (st.size === 0) throw new DpError('DP_IMAGE_FILE', `${path} is empty: there is no image to deploy`, { file: path });
    const imported = await this.importer.importImage(path);
    // A second add of the same name may have raced with this one while the file was being read.
    if (Object.prototype.hasOwnProperty.call(this.store.state.images, name)) {
      throw new DpError('DP_IMAGE_EXISTS', `an image named ${name} already exists (remove it first)`, { name });
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
    this.get(name);
    delete this.store.state.images[name];
    this.store.record({ event: 'image-removed', image: name }, new Date(this.now()));
    this.store.save();
  }

  /** Checks the file still holds what was imported (before each session and each fallback download). */
  async assertUnchanged(img: ImageRecord): Promise<void> {
    await this.importer.assertUnchanged(img.file, this.manifest(img), img.fileMtimeMs);
  }
}
