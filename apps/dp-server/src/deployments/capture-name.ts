// The name of the image a `capture` deployment makes on a machine: a pattern with fields, set when
// the deployment is added (`--image-name`), expanded by the DP when the machine asks. Pure.
import { IMAGE_NAME_RE } from '../images/names';

/** One image per machine and day: a capture interrupted and run again the same day resumes. */
export const DEFAULT_CAPTURE_NAME = '{machine}-{date}';

const FIELDS = ['machine', 'deployment', 'date', 'time'] as const;
type Field = (typeof FIELDS)[number];

export interface CaptureNameInput {
  readonly machine: string;
  readonly deployment: string;
  readonly at: Date;
}

const pad = (n: number): string => String(n).padStart(2, '0');

function fieldValue(f: Field, i: CaptureNameInput): string {
  const d = i.at;
  switch (f) {
    case 'machine':
      return i.machine;
    case 'deployment':
      return i.deployment;
    case 'date':
      return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
    case 'time':
      return `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  }
}

export type CaptureName = { ok: true; name: string } | { ok: false; message: string };

/** `pattern` with each `{field}` replaced (UTC date and time); refused when the result is not an image name. */
export function expandCaptureName(pattern: string, input: CaptureNameInput): CaptureName {
  let unknown: string | undefined;
  const name = pattern.replace(/\{([^{}]*)\}/g, (_m, f: string) => {
    if (!(FIELDS as readonly string[]).includes(f)) {
      unknown ??= f;
      return '';
    }
    return fieldValue(f as Field, input);
  });
  if (unknown !== undefined) return { ok: false, message: `image name pattern "${pattern}": unknown field {${unknown}} (known: ${FIELDS.map((f) => `{${f}}`).join(' ')})` };
  if (!IMAGE_NAME_RE.test(name)) return { ok: false, message: `image name pattern "${pattern}" gives "${name}", which is not an image name (letters, digits, . _ -, at most 64, starting with a letter or digit)` };
  return { ok: true, name };
}

/**
 * Checked when the deployment is added, with a one-letter machine name: a pattern that can fit no
 * machine is refused then. One too long only for long machine names is refused on that machine.
 */
export function checkCaptureNamePattern(pattern: string, deployment: string): string | undefined {
  const r = expandCaptureName(pattern, { machine: 'm', deployment, at: new Date(0) });
  return r.ok ? undefined : r.message;
}
