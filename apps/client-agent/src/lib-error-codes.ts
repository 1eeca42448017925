// Which agent error (and so which exit code) each library error code ends the agent with. One row
// per code of every lib, checked at compile time: a lib that adds a code fails `tsc` here until
// someone decides what the technician's script should see for it.
import type { ChunkingErrorCode } from '@castpoint/chunking';
import type { RepairErrorCode } from '@castpoint/repair';
import type { TransportErrorCode } from '@castpoint/transport';
import type { WireErrorCode } from '@castpoint/wire';
import type { AgentErrorCode } from './errors';

/** Every error code a library can throw. */
export type LibErrorCode = WireErrorCode | RepairErrorCode | ChunkingErrorCode | TransportErrorCode;

// Data the agent cannot decode, a bad option or a socket that failed are bugs or environment
// faults the message explains: "internal". Only the target and the data's integrity have their own
// exit codes, because scripts branch on them (swap the disk; re-import the image).
export const LIB_ERROR_AGENT_CODES = {
  // The wire codec: decode rejections are dropped and counted, never thrown; what is thrown is ours.
  short: 'internal',
  'too-large': 'internal',
  'bad-magic': 'internal',
  'bad-version': 'internal',
  'bad-type': 'internal',
  'bad-flags': 'internal',
  'wrong-mode': 'internal',
  'wrong-session': 'internal',
  'bad-length': 'internal',
  'auth-failed': 'internal',
  'bad-body': 'internal',
  'bad-field': 'internal',
  unsigned: 'internal',
  'bad-signature': 'internal',
  'bad-key': 'internal',

  REPAIR_BAD_CODE_PARAMS: 'internal',
  REPAIR_BAD_SYMBOL: 'internal',
  REPAIR_NOT_ENOUGH_SYMBOLS: 'internal',
  REPAIR_BAD_LAYOUT: 'internal',
  REPAIR_BAD_OPTIONS: 'internal',
  REPAIR_BAD_BLOCK: 'internal',

  CHUNKING_BAD_OPTION: 'internal',
  CHUNKING_IMAGE_UNREADABLE: 'internal',
  CHUNKING_IMAGE_CHANGED: 'verification-failed',
  CHUNKING_MANIFEST_INVALID: 'verification-failed',
  // A manifest whose chunk count disagrees with the data sent for it: the data is not the image.
  CHUNKING_CHUNK_OUT_OF_RANGE: 'verification-failed',
  CHUNKING_CHUNK_LENGTH_MISMATCH: 'verification-failed',
  CHUNKING_CHUNK_HASH_MISMATCH: 'verification-failed',
  CHUNKING_TARGET_IS_DIRECTORY: 'target-refused',
  CHUNKING_TARGET_PARENT_MISSING: 'target-refused',
  CHUNKING_TARGET_UNSUPPORTED_TYPE: 'target-refused',
  CHUNKING_TARGET_DEVICE_NOT_ALLOWED: 'target-refused',
  CHUNKING_TARGET_DEVICE_UNSUPPORTED: 'target-refused',
  CHUNKING_TARGET_TOO_SMALL: 'target-refused',
  CHUNKING_TARGET_MOUNTED: 'target-refused',
  CHUNKING_TARGET_IN_USE: 'target-refused',
  CHUNKING_TARGET_NOT_WRITABLE: 'target-refused',
  CHUNKING_TARGET_PROBE_FAILED: 'target-refused',
  // A device target without --state-dir: the command line lacks an option.
  CHUNKING_STATE_DIR_REQUIRED: 'usage',
  CHUNKING_JOURNAL_IO: 'target-refused',
  CHUNKING_WRITE_FAILED: 'target-refused',
  CHUNKING_WRITER_CLOSED: 'target-refused',
  // Finishing with chunks missing means the data received did not add up to the image.
  CHUNKING_INCOMPLETE: 'verification-failed',
  // The agent turns a held state directory into its own message before it gets here (agent-state.ts).
  CHUNKING_DIR_IN_USE: 'internal',
  CHUNKING_DIR_UNUSABLE: 'internal',
  // The staged WIM does not hold the image the DP named: the data is not what was promised.
  CHUNKING_WIM_INVALID: 'verification-failed',

  TRANSPORT_BAD_OPTION: 'internal',
  TRANSPORT_BIND_FAILED: 'internal',
  TRANSPORT_MEMBERSHIP_FAILED: 'internal',
  TRANSPORT_SEND_FAILED: 'internal',
  TRANSPORT_DATAGRAM_TOO_LARGE: 'internal',
  TRANSPORT_CLOSED: 'internal',
  TRANSPORT_SOCKET_ERROR: 'internal',
} as const satisfies Record<LibErrorCode, AgentErrorCode>;

/** The agent code for a library code; a code no lib declares (another app's error) is "internal". */
export function agentCodeOfLibCode(code: string): AgentErrorCode {
  return Object.hasOwn(LIB_ERROR_AGENT_CODES, code) ? LIB_ERROR_AGENT_CODES[code as LibErrorCode] : 'internal';
}
