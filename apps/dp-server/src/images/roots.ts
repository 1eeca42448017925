// Image roots: the only directories image files may come from. An admin import names a path on
// the DP's disk and every client-token holder can then download that file (unicast fallback), so
// without roots `POST /images {"file":"/etc/shadow"}` published any file the DP could read.
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DpError } from '../errors';

/** A root as configured, and its real path (a root may itself be a symlink: /srv/images -> /data/images). */
export interface ImageRoot {
  readonly path: string;
  readonly real: string;
}

/** The default root, created at start when it is the one in use. */
export function defaultImageRoot(dataDir: string): string {
  return join(resolve(dataDir), 'images');
}

/** True when `path` is strictly below `dir` (both absolute and already resolved). */
export function isBelow(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export class ImageRoots {
  private constructor(
    readonly list: readonly ImageRoot[],
    /** Real paths of the data directory and of its images/ subdirectory. */
    private readonly dataDir: { readonly real: string; readonly images: string },
  ) {}

  /**
   * At start: creates the default root if it is used, checks every root is a directory, and finds
   * their real paths. Relative roots are taken from the working directory.
   */
  static prepare(roots: readonly string[], dataDir: string): ImageRoots {
    const def = defaultImageRoot(dataDir);
    const list = roots.map((given) => {
      const root = resolve(given);
      if (root === def) mkdirSync(root, { recursive: true, mode: 0o700 });
      let real: string;
      try {
        real = realpathSync(root);
      } catch (err) {
        throw new DpError('DP_BAD_SETTING', `image-root ${root} cannot be used: ${(err as Error).message}`, { setting: 'image-root', value: root }, { cause: err });
      }
      if (!statSync(real).isDirectory()) throw new DpError('DP_BAD_SETTING', `image-root ${root} is not a directory`, { setting: 'image-root', value: root });
      return { path: root, real };
    });
    const real = realpathSync(dataDir);
    return new ImageRoots(list, { real, images: join(real, 'images') });
  }

  get paths(): string[] {
    return this.list.map((r) => r.path);
  }

  /**
   * A real path may be served when it lies below a root, and not inside the data directory (its
   * state.json holds the tokens) unless in its images/ subdirectory: a root above the data
   * directory must not make the state importable.
   */
  allows(real: string): boolean {
    if (!this.list.some((r) => isBelow(r.real, real))) return false;
    return !isBelow(this.dataDir.real, real) || isBelow(this.dataDir.images, real);
  }

  /**
   * The real path of an image FILE an admin names, refused unless it lies inside a root. The lexical
   * check comes first, so a path outside the roots is refused without the DP even looking at it
   * (the answer must not tell what exists elsewhere); the real path then catches symlinks and `..`
   * that lead back out.
   */
  async resolve(file: string): Promise<string> {
    if (!isAbsolute(file)) throw new DpError('DP_IMAGE_FILE', `FILE must be an absolute path on the DP's disk (got ${file})`, { file });
    const path = resolve(file);
    if (!this.list.some((r) => isBelow(r.path, path) || isBelow(r.real, path))) throw this.refusal(path);
    const real = await realpath(path).catch((err: unknown) => {
      throw new DpError('DP_IMAGE_FILE', `cannot read ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
    });
    if (!this.allows(real)) throw this.refusal(real === path ? path : `${path} (which is ${real})`);
    return real;
  }

  /** For images kept in state from before the roots (or another start's roots): still inside? */
  holdsStored(file: string): boolean {
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      // A missing file is refused later anyway ("cannot read"); judge its path as written.
      real = resolve(file);
    }
    return this.allows(real);
  }

  /** The refusal for serving a stored image whose file lies outside the roots. */
  notServed(name: string, file: string): DpError {
    return new DpError(
      'DP_IMAGE_OUTSIDE_ROOTS',
      `image ${name} is not served: its file ${file} is not inside an image root (${this.paths.join(', ')}); start the DP with --image-root for its directory, or remove the image and add it from a root`,
      { name, file, roots: this.paths },
    );
  }

  private refusal(file: string): DpError {
    return new DpError(
      'DP_IMAGE_OUTSIDE_ROOTS',
      `${file} is not inside an image root (${this.paths.join(', ')}): put the image there, or start the DP with --image-root for its directory`,
      { file, roots: this.paths },
    );
  }
}
