import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from './args';
import { castpointBuild, isCastpoint, runtimeVersion } from './castpoint-build';

const PEERS = ['udpcast', 'uftp'];

/** A dist directory holding both bundles (their content does not matter here). */
function fakeDist(root: string, name: string): string {
  const dist = path.join(root, name);
  for (const app of ['dp-server', 'client-agent']) {
    mkdirSync(path.join(dist, 'apps', app), { recursive: true });
    writeFileSync(path.join(dist, 'apps', app, 'main.cjs'), '');
  }
  return dist;
}

/** The bundle paths castpointBuild should name inside `dist`. */
function bundles(dist: string): { dp: string; agent: string } {
  return { dp: path.join(dist, 'apps/dp-server/main.cjs'), agent: path.join(dist, 'apps/client-agent/main.cjs') };
}

describe('castpoint builds in --tools', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'cp-build-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs this checkout for `castpoint` and the named dist for `castpoint@DIR`', () => {
    const own = fakeDist(root, 'own');
    const other = fakeDist(root, 'other');
    expect(castpointBuild('castpoint', own)).toEqual({ tool: 'castpoint', ...bundles(own) });
    expect(castpointBuild(`castpoint@${other}`, own)).toEqual({ tool: `castpoint@${other}`, ...bundles(other) });
    expect(castpointBuild('udpcast', own)).toBeUndefined();
    expect([isCastpoint('castpoint'), isCastpoint(`castpoint@${other}`), isCastpoint('udpcast'), isCastpoint('castpointx')]).toEqual([true, true, false, false]);
  });

  it('runs this checkout with the DP default cap (no --max-rate) for `castpoint+default-cap`', () => {
    const own = fakeDist(root, 'own');
    expect(castpointBuild('castpoint+default-cap', own)).toEqual({ tool: 'castpoint+default-cap', ...bundles(own), defaultCap: true });
    expect(isCastpoint('castpoint+default-cap')).toBe(true);
    const a = parseArgs(['--link', '100mbit', '--tools', 'castpoint,castpoint+default-cap', '--receivers', '2', '--loss', '0'], own, PEERS);
    expect([...a.builds.keys()]).toEqual(['castpoint', 'castpoint+default-cap']);
  });

  it('runs a warm-up session on the DP first for any castpoint tool ending in +warm-dp', () => {
    const own = fakeDist(root, 'own');
    const other = fakeDist(root, 'other');
    expect(castpointBuild('castpoint+warm-dp', own)).toEqual({ tool: 'castpoint+warm-dp', ...bundles(own), warmDp: true });
    expect(castpointBuild(`castpoint@${other}+warm-dp`, own)).toEqual({ tool: `castpoint@${other}+warm-dp`, ...bundles(other), warmDp: true });
    expect(castpointBuild('castpoint+default-cap+warm-dp', own)).toEqual({ tool: 'castpoint+default-cap+warm-dp', ...bundles(own), defaultCap: true, warmDp: true });
    expect(castpointBuild('udpcast+warm-dp', own)).toBeUndefined();
    expect([isCastpoint('castpoint+warm-dp'), isCastpoint(`castpoint@${other}+warm-dp`), isCastpoint('udpcast+warm-dp')]).toEqual([true, true, false]);
    expect(castpointBuild('castpoint', own)?.warmDp).toBeUndefined();
  });

  it('adds the image with --encrypt for any castpoint tool ending in +encrypt, before or after +warm-dp', () => {
    const own = fakeDist(root, 'own');
    const other = fakeDist(root, 'other');
    expect(castpointBuild('castpoint+encrypt', own)).toEqual({ tool: 'castpoint+encrypt', ...bundles(own), encrypt: true });
    expect(castpointBuild(`castpoint@${other}+encrypt`, own)).toEqual({ tool: `castpoint@${other}+encrypt`, ...bundles(other), encrypt: true });
    expect(castpointBuild('castpoint+encrypt+warm-dp', own)).toEqual({ tool: 'castpoint+encrypt+warm-dp', ...bundles(own), encrypt: true, warmDp: true });
    expect(castpointBuild('castpoint+warm-dp+encrypt', own)).toEqual({ tool: 'castpoint+warm-dp+encrypt', ...bundles(own), encrypt: true, warmDp: true });
    expect(castpointBuild('udpcast+encrypt', own)).toBeUndefined();
    expect([isCastpoint('castpoint+encrypt'), isCastpoint('castpoint+warm-dp+encrypt'), isCastpoint(`castpoint@${other}+encrypt+warm-dp`), isCastpoint('uftp+encrypt')]).toEqual([true, true, true, false]);
    expect(castpointBuild('castpoint', own)?.encrypt).toBeUndefined();
  });

  it('runs a dist directory on the node inside it, when it holds an executable one', () => {
    const own = fakeDist(root, 'own');
    const linked = fakeDist(root, 'linked');
    symlinkSync(process.execPath, path.join(linked, 'node'));
    expect(castpointBuild(`castpoint@${linked}`, own)).toEqual({ tool: `castpoint@${linked}`, ...bundles(linked), node: path.join(linked, 'node') });
    expect(castpointBuild(`castpoint@${linked}+warm-dp`, own)?.node).toBe(path.join(linked, 'node'));
    // A file that cannot run is not a runtime: the bench's own node is used.
    const plain = fakeDist(root, 'plain');
    writeFileSync(path.join(plain, 'node'), '');
    chmodSync(path.join(plain, 'node'), 0o644);
    expect(castpointBuild(`castpoint@${plain}`, own)?.node).toBeUndefined();
    expect(castpointBuild('castpoint', own)?.node).toBeUndefined();
    // Each row's flags name the runtime that ran it.
    expect(runtimeVersion(path.join(linked, 'node'))).toBe(process.version);
    expect(runtimeVersion(path.join(plain, 'node'))).toBe('node ?');
  });

  it('refuses a dist directory without both bundles, naming the missing file', () => {
    const half = fakeDist(root, 'half');
    rmSync(path.join(half, 'apps/client-agent/main.cjs'));
    expect(() => castpointBuild(`castpoint@${half}`, root)).toThrow(path.join(half, 'apps/client-agent/main.cjs'));
    expect(() => castpointBuild(`castpoint@${path.join(root, 'nowhere')}`, root)).toThrow(/does not exist/);
    expect(() => castpointBuild('castpoint@', root)).toThrow(/needs a dist directory/);
  });

  it('checks every tool before the run: two builds alternate, a typo fails at once', () => {
    const own = fakeDist(root, 'own');
    const base = fakeDist(root, 'base');
    const a = parseArgs(['--receivers', '4', '--loss', '0.01', '--link', '500mbit,none', '--tools', `castpoint,castpoint@${base},udpcast`, '--repeat', '3'], own, PEERS);
    expect(a.tools).toEqual(['castpoint', `castpoint@${base}`, 'udpcast']);
    expect([...a.builds.keys()]).toEqual(['castpoint', `castpoint@${base}`]);
    expect(a.builds.get(`castpoint@${base}`)?.agent).toBe(path.join(base, 'apps/client-agent/main.cjs'));
    expect(a.cases).toEqual([
      { receivers: 4, loss: 0.01, linkBps: 500e6 },
      { receivers: 4, loss: 0.01 },
    ]);
    expect(a.repeat).toBe(3);
    expect(() => parseArgs(['--tools', 'castpoint,udpcat'], own, PEERS)).toThrow(/unknown tool udpcat \(castpoint, castpoint@DIST_DIR, udpcast, uftp\)/);
    expect(() => parseArgs(['--tools', `castpoint@${path.join(root, 'typo')}`], own, PEERS)).toThrow(/does not exist/);
  });
});
