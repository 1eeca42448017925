// The checks before capture reads a disk: a mounted filesystem changes under the reader, so a
// source holding one is refused exactly as the writer refuses such a target.
import { errnoOf } from '@castpoint/wire';
import { ChunkingError } from './errors';
import { type SystemProbe, assertDiskIdle, blockDeviceSize, defaultStat } from './preflight';

export interface SourceInfo {
  readonly kind: 'file' | 'block';
  /** Bytes to capture: the file's size or the whole device. */
  readonly size: number;
}

/**
 * A capture source is a regular file (an image already on disk, the tests' fixture) or, on Linux,
 * a disk whose filesystems are all unmounted and that no swap, LVM, RAID or device mapper holds.
 */
export async function preflightSource(path: string, probe: SystemProbe = {}): Promise<SourceInfo> {
  let st;
  try {
    st = await (probe.statTarget ?? defaultStat)(path);
  } catch (err) {
    throw new ChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot read the capture source ${path}: ${(err as Error).message}`, { path, errno: errnoOf(err) ?? '' }, { cause: err });
  }
  if (st.kind === 'file') return { kind: 'file', size: st.size };
  if (st.kind !== 'block') {
    throw new ChunkingError('CHUNKING_TARGET_UNSUPPORTED_TYPE', `capture source ${path} is neither a regular file nor a disk (block device)`, { path });
  }
  const platform = probe.platform ?? process.platform;
  if (platform !== 'linux') {
    throw new ChunkingError('CHUNKING_TARGET_DEVICE_UNSUPPORTED', `capturing disk ${path} is not supported on ${platform} yet`, { path });
  }
  const rdev = st.rdev ?? '';
  const size = await blockDeviceSize(probe.sysRoot ?? '/sys', rdev);
  await assertDiskIdle(path, rdev, probe);
  return { kind: 'block', size };
}
