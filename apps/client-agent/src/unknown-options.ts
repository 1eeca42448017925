// Names a mistyped option and what was probably meant. yargs' strict mode says "Unknown argument:
// targt" without the dashes or a suggestion, and when the typo hides a required option it says
// "Missing required argument: target" instead, which sends the technician looking at the wrong word.
// Pure (argv and the option names in), so it is unit-tested apart from yargs (ESM-only under jest).
import leven from 'leven';

export interface KnownOptions {
  /** Option names as declared, e.g. `state-dir`. */
  readonly names: readonly string[];
  /** The boolean ones, which yargs also takes as `--no-NAME`. */
  readonly booleans: readonly string[];
}

/** Every spelling yargs accepts for the options: `state-dir`, `stateDir`, `no-fallback`, `noFallback`. */
function accepted(known: KnownOptions): Set<string> {
  const out = new Set<string>();
  const add = (n: string): void => {
    out.add(n);
    out.add(camel(n));
  };
  for (const n of known.names) add(n);
  for (const n of known.booleans) add(`no-${n}`);
  return out;
}

function camel(n: string): string {
  return n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The option words of argv that are no option of the command, as typed (`--targt`, `-x`). */
export function unknownOptions(argv: readonly string[], known: KnownOptions): string[] {
  const ok = accepted(known);
  const out: string[] = [];
  for (const token of argv) {
    if (token === '--') break;
    // A negative number is a value (`--silence-timeout -1`), not an option.
    if (!token.startsWith('-') || /^-\d/.test(token) || token === '-') continue;
    const name = token.replace(/^--?/, '').split('=')[0] ?? '';
    if (name === '' || ok.has(name)) continue;
    out.push(token.split('=')[0] ?? token);
  }
  return out;
}

/**
 * The known option closest to a typed name: within two edits (one for a name of up to three letters,
 * one per three letters for a long one: a swap of two letters is two edits), or one it starts
 * (`--serv` for `--server`). Undefined when nothing is close enough to be a guess.
 */
export function suggestOption(typed: string, known: KnownOptions): string | undefined {
  const name = typed.replace(/^--?/, '');
  if (name.length < 2) return undefined;
  let best: { name: string; d: number } | undefined;
  for (const candidate of [...known.names, ...known.booleans.map((b) => `no-${b}`)]) {
    const d = candidate.startsWith(name) && name.length >= 3 ? 0.5 : leven(name, candidate);
    if (!best || d < best.d) best = { name: candidate, d };
  }
  const allowed = name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
  return best && best.d <= allowed ? `--${best.name}` : undefined;
}

/** `Unknown option --targt (did you mean --target?)`, or undefined when every option is known. */
export function describeUnknownOptions(argv: readonly string[], known: KnownOptions): string | undefined {
  const unknown = unknownOptions(argv, known);
  if (unknown.length === 0) return undefined;
  const parts = unknown.map((u) => {
    const guess = suggestOption(u, known);
    return guess === undefined ? u : `${u} (did you mean ${guess}?)`;
  });
  return `Unknown option${unknown.length > 1 ? 's' : ''} ${parts.join(', ')}`;
}
