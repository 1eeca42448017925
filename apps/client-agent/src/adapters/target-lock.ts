// One agent per target file. The state-dir lock only keeps out agents sharing a --state-dir: two
// agents with different state dirs and one --target both reported success while the file held one
// image (issue 22.6). Node has no flock and native addons do not load in the single-file build, so
// a lock file beside the target is claimed the way the state dir is (libs/chunking claimDirectory:
// pid and boot time, stale locks of killed agents and of earlier boots taken over).
import path from 'node:path';
import { claimDirectory, isChunkingError } from '@castpoint/chunking';
import { AgentError } from '../errors';

/** `/images/disk.img` -> `/images/.disk.img.castpoint-lock`. */
export function targetLockPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.castpoint-lock`);
}

/**
 * Claims `target` for this process until the returned release is called. Throws target-refused
 * (exit 5) while another agent writes to it. Only for files: a disk is opened exclusively already.
 */
export function lockTargetFile(target: string): () => Promise<void> {
  const file = targetLockPath(target);
  try {
    const release = claimDirectory(path.dirname(file), path.basename(file));
    return async () => release();
  } catch (err) {
    if (isChunkingError(err, 'CHUNKING_DIR_IN_USE')) {
      const pid = err.data.pid;
      const who = pid === undefined ? 'Another castpoint-agent' : `Another castpoint-agent (pid ${pid})`;
      throw new AgentError(
        'target-refused',
        `${who} is writing to ${target}: two agents on one target would both report success with one image in it; let it finish or stop it (if none runs, delete ${file})`,
        { target, ...(pid === undefined ? {} : { pid }) },
        { cause: err },
      );
    }
    throw new AgentError('target-refused', `Cannot lock the target ${target} (${file}): ${(err as Error).message}`, { target }, { cause: err });
  }
}
