// What the agents said on stderr about how they ran, for the row's flags: today the engine of the
// packet cryptography (libs/wire native-addon.ts), so a row of another build (castpoint@DIR) or of a machine
// without a C compiler says which one it measured.

/** `native`, `node:crypto`, or `unknown` (a build from before the agents said). */
export function agentCryptoEngine(stderr: string): 'native' | 'node:crypto' | 'unknown' {
  const m = /castpoint-agent: packet crypto: (native add-on|node:crypto)/.exec(stderr);
  if (!m) return 'unknown';
  return m[1] === 'native add-on' ? 'native' : 'node:crypto';
}

/** One phrase for all agents of a run: the engine they share, or each one's when they differ. */
export function cryptoEnginesText(stderrs: readonly string[]): string {
  const engines = [...new Set(stderrs.map(agentCryptoEngine))];
  return `agents' packet crypto ${engines.join('/')}`;
}
