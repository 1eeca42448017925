import { probeSupport, type Support } from './support';

let cached: Support | undefined;

/** The machine's namespace support, probed once per test file. */
export function lanSupport(): Support {
  cached ??= probeSupport();
  return cached;
}

/**
 * `describe` for tests that need a namespace LAN. Where the machine cannot make namespaces, the
 * block is skipped with one line saying why, except under CI=true, where that is a failure: CI must
 * run these tests, never quietly skip them.
 */
export function describeLan(name: string, fn: () => void): void {
  const s = lanSupport();
  if (s.lan) {
    describe(name, fn);
    return;
  }
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      it('needs network namespaces', () => {
        throw new Error(`CI=true but this machine cannot make network namespaces: ${s.why ?? 'unknown'}`);
      });
    });
    return;
  }
  process.stderr.write(`skipping "${name}": ${s.why ?? 'network namespaces unavailable'}\n`);
  describe.skip(name, fn);
}
