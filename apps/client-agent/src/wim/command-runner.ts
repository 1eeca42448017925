// The real CommandRunner: execFile (no shell: arguments are never re-parsed), output kept small.
import { execFile } from 'node:child_process';
import { CommandFailed, type CommandRunner } from './apply-wim';

/** mtools checks the FAT geometry against the device's and refuses a loop device without this. */
const ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C' };

export const execRunner: CommandRunner = (argv) =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return reject(new CommandFailed(argv, 'empty command'));
    execFile(cmd, args, { env: ENV, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const said = stderr.trim().split('\n').slice(-3).join(' / ');
      const code = (err as NodeJS.ErrnoException).code;
      reject(new CommandFailed(argv, code === 'ENOENT' ? `${cmd} is not installed (Debian: gdisk, dosfstools, ntfs-3g, wimtools, mtools)` : said || err.message));
    });
  });
