// What the end of a run means for the machine, in the words the screen and the final JSON line
// share: safe to reboot or not, and for each exit code what the technician does next.
import { EXIT, type ExitCode } from '../errors';

export const VERIFIED = 'verified: safe to reboot';
export const NOT_SAFE = 'FAILED: not safe to reboot into the target';

/** What to do after each exit code: one sentence, shown under a failure and in the final JSON line. */
export const EXIT_ADVICE: Readonly<Record<ExitCode, string>> = {
  0: 'Nothing: the target holds the verified image.',
  1: 'Keep this screen (or the --json log) for a bug report, then run the same command again.',
  2: 'Correct the command line (castpoint-agent --help lists the options) and run it again.',
  3: 'Check that castpoint-dp runs at that address, that this machine reaches it (cable, VLAN, firewall) and the token; then run the same command again: it resumes.',
  4: 'Check the image name against `castpoint-dp image list` on the DP.',
  5: 'Check the target named above: large enough, not mounted, writable; or pick another target.',
  6: 'Run the same command again; if it fails the same way, the image on the DP is damaged: ask the DP\'s administrator to re-import it.',
  7: 'Ask the DP\'s administrator why this client was stopped; run the same command again to retry.',
  8: 'Nothing on this machine: an operator adds it to a deployment\'s collection (castpoint-dp deployment list) if it should get one.',
  9: 'The disk holds the verified image: read the script\'s output above (also in `castpoint-dp history`), fix the script, then `castpoint-dp deployment rerun`.',
  10: 'Make the machine boot from the network by hand (firmware boot menu, or network first in the boot order), or fix what the message names and run refresh again.',
  130: 'Run the same command again to resume: what was written is kept.',
  143: 'Run the same command again to resume: what was written is kept.',
};

/** The verdict word for the final JSON line. */
export function verdictOf(state: 'done' | 'failed', exit: ExitCode | undefined): { verdict: string; advice?: string } {
  if (state === 'done') return { verdict: VERIFIED };
  return { verdict: NOT_SAFE, advice: EXIT_ADVICE[exit ?? EXIT.internal] };
}
