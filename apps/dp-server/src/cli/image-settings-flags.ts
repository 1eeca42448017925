// The per-image setting flags of `image add` and `image set` (one spelling for both: a contract),
// turned into the API's ImageSettingsInput, and a settings record turned back into words.
import { isCastpointError } from '@castpoint/wire';
import { formatSlowPolicy, type ImageSettingsInput } from '../images/settings';
import { validateImageName } from '../images/names';
import type { ImageSettings } from '../state/types';
import { usage } from './api-args';

export interface ImageSettingFlags {
  'multicast-only'?: boolean | undefined;
  encrypt?: boolean | undefined;
  mode?: string | undefined;
  'min-clients'?: string | undefined;
  'start-delay'?: string | undefined;
  'start-at'?: string | undefined;
  'max-wait'?: string | undefined;
  'slow-policy'?: string | undefined;
}

/** The word that clears a scheduled setting in `image set` (the API's null). */
export const CLEAR = 'none';

/**
 * A whole number of the flag, or null for `none` when clearing is allowed. yargs' number type
 * read `--min-clients abc` as NaN, which JSON sends as null: the flag was silently dropped.
 */
function whole(flag: string, value: string | undefined, clearable: boolean): number | null | undefined {
  if (value === undefined) return undefined;
  if (clearable && value === CLEAR) return null;
  if (!/^\d{1,9}$/.test(value)) {
    throw usage(`--${flag}: expected a whole number${clearable ? ` or ${CLEAR} (to clear it)` : ''} (got ${JSON.stringify(value)})`);
  }
  return Number(value);
}

/** The API body of the flags given; `clearable` (image set) lets `none` clear a scheduled setting. */
export function settingsInput(f: ImageSettingFlags, clearable: boolean): ImageSettingsInput {
  const minClients = whole('min-clients', f['min-clients'], clearable);
  const startDelaySec = whole('start-delay', f['start-delay'], clearable);
  const maxWaitSec = whole('max-wait', f['max-wait'], clearable);
  const startAt = clearable && f['start-at'] === CLEAR ? null : f['start-at'];
  if (f.mode !== undefined && f.mode !== 'autocast' && f.mode !== 'scheduled') throw usage(`--mode: expected autocast or scheduled (got ${JSON.stringify(f.mode)})`);
  return {
    ...(f['multicast-only'] !== undefined ? { multicastOnly: f['multicast-only'] } : {}),
    ...(f.encrypt !== undefined ? { encrypt: f.encrypt } : {}),
    ...(f.mode !== undefined ? { mode: f.mode } : {}),
    ...(minClients !== undefined ? { minClients } : {}),
    ...(startDelaySec !== undefined ? { startDelaySec } : {}),
    ...(startAt !== undefined ? { startAt } : {}),
    ...(maxWaitSec !== undefined ? { maxWaitSec } : {}),
    ...(f['slow-policy'] !== undefined ? { slowPolicy: f['slow-policy'] } : {}),
  };
}

/** A bad image name is a mistake on the command line: said before the DP is contacted, exit 2. */
export function checkImageName(name: string): string {
  try {
    return validateImageName(name);
  } catch (err) {
    if (isCastpointError(err)) throw usage(err.message);
    throw err;
  }
}

/** When a scheduled image starts, in words: `3 clients or 600 s`, `at 2026-...`; `-` for autocast. */
export function scheduleText(s: ImageSettings): string {
  if (s.mode !== 'scheduled') return '-';
  const parts = [
    ...(s.minClients !== undefined ? [`${s.minClients} clients`] : []),
    ...(s.startAt !== undefined ? [`at ${s.startAt}`] : []),
    ...(s.startDelaySec !== undefined ? [`${s.startDelaySec} s after the first`] : []),
  ];
  const start = parts.length > 0 ? parts.join(' or ') : 'when started';
  return s.maxWaitSec !== undefined ? `${start}, max wait ${s.maxWaitSec} s` : start;
}

/** One line of an image's settings, as `image set` confirms them. */
export function describeSettings(s: ImageSettings): string {
  return [
    `mode ${s.mode}${s.mode === 'scheduled' ? ` (start: ${scheduleText(s)})` : ''}`,
    `encrypt ${s.encrypt ? 'yes' : 'no'}`,
    `slow-policy ${formatSlowPolicy(s.slowPolicy)}`,
    `multicast-only ${s.multicastOnly ? 'yes' : 'no'}`,
  ].join(', ');
}
