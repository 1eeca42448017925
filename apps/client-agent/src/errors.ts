// The agent's typed errors and the exit code each one ends the process with. Exit codes are a
// contract (scripts in WinPE task sequences and initramfs branch on them): never renumber one.
import { CastpointError } from '@castpoint/wire';
import { agentCodeOfLibCode } from './lib-error-codes';

/** Process exit codes of `castpoint-agent`. Documented in docs/agent.md. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  dpUnreachable: 3,
  imageUnknown: 4,
  targetRefused: 5,
  verificationFailed: 6,
  removedByPolicy: 7,
  /** `run`: the DP has nothing for this machine; no disk was touched. */
  nothingToDo: 8,
  /** `run`: the image is on the disk and verified, but the deployment's post-deploy script failed. */
  scriptFailed: 9,
  /**
   * `refresh`: the next boot could not be made a network boot, or the reboot failed. Its own code:
   * none of the others fits (3 is the DP, 5 the target disk, 1 a bug), and a script must tell
   * "the firmware or the OS would not" from "the DP said no" to decide what a technician does.
   */
  netbootUnavailable: 10,
  /** 128 + the signal's number, as a shell reports a process a signal ended. */
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One sentence per exit code: printed by `--help` and checked against docs/agent.md by a test. */
export const EXIT_CODE_DOCS: Readonly<Record<ExitCode, string>> = {
  0: 'The target holds the image and every chunk and the whole image were verified.',
  1: 'An unexpected internal error (a bug): the message says where.',
  2: 'Usage error: a missing or malformed option; nothing was contacted or written.',
  3: 'The DP could not be reached, or refused the agent (bad token, server error).',
  4: 'The DP does not know the image name asked for.',
  5: 'The target was refused: too small, mounted, not writable, or the disk is full.',
  6: 'Verification failed: data did not match the manifest, or the manifest itself is invalid.',
  7: 'The DP removed the agent from multicast by policy and unicast fallback is not allowed.',
  8: 'Run: the DP has nothing for this machine to do; no disk was touched. Refresh: the DP has no deployment to re-arm for it; nothing was changed.',
  9: 'Run only: the image was deployed and verified, but the post-deploy script could not be fetched or exited non-zero.',
  10: 'Refresh only: the next boot could not be made a network boot (no active network boot entry, efibootmgr or bcdedit missing or failing) or the reboot failed; the machine was not rebooted.',
  130: 'Stopped by Ctrl-C (SIGINT): what was written is journaled and the DP told; run the same command to resume.',
  143: 'Stopped by SIGTERM (a shutdown, a task sequence ending it): as for 130.',
};

/** Agent error codes, each with the exit code it maps to and a sentence saying what it means. */
export const AGENT_ERROR_CODES = {
  usage: { exit: EXIT.usage, doc: 'An option is missing or malformed.' },
  'no-interface': { exit: EXIT.usage, doc: 'No --interface was given and no local interface shares a subnet with the DP.' },
  'dp-unreachable': { exit: EXIT.dpUnreachable, doc: 'The DP did not answer within the time the agent waits for it.' },
  'dp-refused': { exit: EXIT.dpUnreachable, doc: 'The DP answered with an error status (401/403 bad token, 5xx) or a malformed reply.' },
  'image-unknown': { exit: EXIT.imageUnknown, doc: 'The DP answered 404 for the image name.' },
  'target-refused': { exit: EXIT.targetRefused, doc: 'The target failed a preflight check or a write failed (size, mount, permission, space).' },
  'verification-failed': { exit: EXIT.verificationFailed, doc: 'A chunk or the whole image did not match its SHA-256, or the manifest is invalid.' },
  interrupted: { exit: EXIT.interrupted, doc: 'Ctrl-C (SIGINT) stopped the deploy; a second Ctrl-C stops the process at once.' },
  terminated: { exit: EXIT.terminated, doc: 'SIGTERM stopped the deploy.' },
  'removed-by-policy': { exit: EXIT.removedByPolicy, doc: 'Kicked from multicast (policy, silence, client limit) and fallback is not allowed.' },
  'session-failed': { exit: EXIT.removedByPolicy, doc: 'The DP told the agent to stop (kick reason fail).' },
  'nothing-to-do': { exit: EXIT.nothingToDo, doc: 'run: the DP answered nothing (no deployment for this machine, or all done); refresh: the DP has no deployment to re-arm.' },
  'assignment-conflict': { exit: EXIT.dpUnreachable, doc: 'run: the DP cannot tell what this machine is to do (two required deployments, or MACs of two machines) until an operator resolves it; refresh: several deployments could be re-armed (name one with --deployment).' },
  'script-failed': { exit: EXIT.scriptFailed, doc: 'run: the post-deploy script could not be fetched, could not start, or exited non-zero.' },
  'netboot-unavailable': { exit: EXIT.netbootUnavailable, doc: 'refresh: no active network boot entry, efibootmgr/bcdedit missing or failing, or the reboot command failed.' },
  internal: { exit: EXIT.internal, doc: 'An unexpected error; the message carries the cause.' },
} as const satisfies Record<string, { exit: ExitCode; doc: string }>;

export type AgentErrorCode = keyof typeof AGENT_ERROR_CODES;

export class AgentError extends CastpointError<AgentErrorCode, Record<string, unknown>> {
  constructor(code: AgentErrorCode, message: string, data?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'AgentError';
  }
}

/** Maps any thrown value to the agent error it stands for (lib errors by their `code`). */
export function toAgentError(err: unknown): AgentError {
  if (err instanceof AgentError) return err;
  if (err instanceof CastpointError) {
    const code = agentCodeOfLibCode(err.code);
    return new AgentError(code, err.message, { libCode: err.code }, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AgentError('internal', message, undefined, { cause: err });
}

export function exitCodeOf(err: AgentError): ExitCode {
  return AGENT_ERROR_CODES[err.code].exit;
}
