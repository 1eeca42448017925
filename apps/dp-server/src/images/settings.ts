// Per-image multicast settings as the API and the CLI spell them, checked and normalised.
import { DpError } from '../errors';
import type { CastMode, ImageSettings, SlowPolicy } from '../state/types';

/** The settings fields of the REST API (all optional: defaults apply). */
export interface ImageSettingsInput {
  multicastOnly?: boolean;
  encrypt?: boolean;
  mode?: CastMode;
  /** On a change (PATCH), null clears a scheduled field. */
  minClients?: number | null;
  startDelaySec?: number | null;
  startAt?: string | null;
  maxWaitSec?: number | null;
  /** `same-speed`, `tiers` or `disconnect:KBPS`. */
  slowPolicy?: string;
}

export function parseSlowPolicy(value: string): SlowPolicy {
  if (value === 'same-speed') return { kind: 'same-speed' };
  if (value === 'tiers') return { kind: 'tiers' };
  const m = /^disconnect:(\d{1,9})$/.exec(value);
  if (m && Number(m[1]) > 0) return { kind: 'disconnect', kbps: Number(m[1]) };
  throw new DpError('DP_BAD_SETTING', `slow-policy: expected same-speed, tiers or disconnect:KBPS (got ${JSON.stringify(value)})`, {
    setting: 'slow-policy',
    value,
  });
}

export function formatSlowPolicy(p: SlowPolicy): string {
  return p.kind === 'disconnect' ? `disconnect:${p.kbps}` : p.kind;
}

/**
 * Applies `input` over `base` (or the defaults) and checks the combination. A change keeps what it
 * does not name, except: null clears a scheduled field, switching to autocast clears them all, and
 * start-at and start-delay replace each other (until 2026-11-24 none of these could be undone
 * short of removing the image).
 */
export function resolveImageSettings(input: ImageSettingsInput, base?: ImageSettings): ImageSettings {
  const mode = input.mode ?? base?.mode ?? 'autocast';
  const kept = input.mode === 'autocast' ? undefined : base;
  const replaced = (k: 'startAt' | 'startDelaySec'): boolean =>
    (k === 'startAt' && input.startDelaySec !== undefined && input.startDelaySec !== null) ||
    (k === 'startDelaySec' && input.startAt !== undefined && input.startAt !== null);
  const pick = <K extends 'minClients' | 'startDelaySec' | 'startAt' | 'maxWaitSec'>(k: K): ImageSettings[K] => {
    const v = input[k];
    if (v === null) return undefined;
    if (v !== undefined) return v as ImageSettings[K];
    return (k === 'startAt' || k === 'startDelaySec') && replaced(k) ? undefined : kept?.[k];
  };
  const minClients = pick('minClients');
  const startDelaySec = pick('startDelaySec');
  const startAt = pick('startAt');
  const maxWaitSec = pick('maxWaitSec');
  if (startAt !== undefined && (!/^\d{4}-\d\d-\d\dT/.test(startAt) || Number.isNaN(Date.parse(startAt)))) {
    throw new DpError('DP_BAD_SETTING', `start-at: expected an ISO 8601 time like 2026-01-31T20:00:00Z (got ${JSON.stringify(startAt)})`, {
      setting: 'start-at',
      value: startAt,
    });
  }
  if (startAt !== undefined && startDelaySec !== undefined) {
    throw new DpError('DP_BAD_SETTING', 'start-at and start-delay exclude each other', { setting: 'start-at' });
  }
  if (mode === 'autocast' && (minClients !== undefined || startDelaySec !== undefined || startAt !== undefined || maxWaitSec !== undefined)) {
    throw new DpError('DP_BAD_SETTING', 'min-clients, start-delay, start-at and max-wait need --mode scheduled', { setting: 'mode' });
  }
  return {
    multicastOnly: input.multicastOnly ?? base?.multicastOnly ?? false,
    encrypt: input.encrypt ?? base?.encrypt ?? false,
    mode,
    slowPolicy: input.slowPolicy !== undefined ? parseSlowPolicy(input.slowPolicy) : (base?.slowPolicy ?? { kind: 'same-speed' }),
    ...(minClients !== undefined ? { minClients } : {}),
    ...(startDelaySec !== undefined ? { startDelaySec } : {}),
    ...(startAt !== undefined ? { startAt } : {}),
    ...(maxWaitSec !== undefined ? { maxWaitSec } : {}),
  };
}
