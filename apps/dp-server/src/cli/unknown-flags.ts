// yargs' strict mode says "Unknown argument: servr" and stops there; this names the flag as it was
// typed and the nearest known one ("did you mean --server?"), as git and npm do.
import leven from 'leven';

/**
 * How far a typo may be from a flag to be suggested: 1 edit for names of up to 3 letters, 2 (one
 * swapped pair: --bytse) up to 8, then 3.
 */
function maxDistance(flag: string): number {
  if (flag.length <= 3) return 1;
  return flag.length <= 8 ? 2 : 3;
}

/** The known flag nearest to `typed` (without dashes), if one is close enough. */
export function nearestFlag(typed: string, known: readonly string[]): string | undefined {
  let best: { flag: string; d: number } | undefined;
  for (const flag of known) {
    const d = leven(typed, flag);
    if (d <= maxDistance(flag) && (best === undefined || d < best.d)) best = { flag, d };
  }
  return best?.flag;
}

const camelTwin = (s: string): string => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Rewrites yargs' "Unknown argument(s): a, b" as one sentence per argument, flags with a
 * suggestion; any other message is returned as it is. `known` are the command's flag names,
 * `argv` the words typed (to tell a flag from a stray word: yargs lists both without dashes).
 */
export function explainUnknownArguments(message: string, known: readonly string[], argv: readonly string[]): string {
  const command = /^Did you mean (\S+)\?$/.exec(message)?.[1];
  if (command !== undefined) {
    // yargs' recommendCommands names the command but not the word it stands for: the nearest typed word.
    const words = argv.filter((w) => !w.startsWith('-'));
    const typed = words.reduce<string | undefined>((best, w) => (best === undefined || leven(w, command) < leven(best, command) ? w : best), undefined);
    return `unknown command ${JSON.stringify(typed ?? '')}: did you mean ${command}?`;
  }
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return message;
  const listed = (m[1] ?? '').split(', ');
  // yargs lists --min-client twice, as typed and camelCased.
  const args = listed.filter((a) => !listed.some((b) => b !== a && camelTwin(b) === a));
  const flags = known.filter((k) => /^[a-z][a-z0-9-]*$/.test(k));
  const typedAsFlag = (a: string): boolean => argv.some((w) => w === `--${a}` || w.startsWith(`--${a}=`) || w === `-${a}`);
  return args
    .map((a) => {
      if (!typedAsFlag(a)) return `unexpected argument ${JSON.stringify(a)}`;
      const near = nearestFlag(a, flags);
      return `unknown option --${a}${near !== undefined ? `: did you mean --${near}?` : ''}`;
    })
    .join('; ');
}
