// The packaged linux-x64 single executable (Node SEA): its command line, its exit codes, and a
// deploy inside a netlab LAN against a small fake DP (unicast fallback path, real HTTP over the
// bridge). The real DP end to end is in agent-e2e.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { decodeJournal, journalPathFor } from '@castpoint/chunking';
import { collect, describeLan, Lan, waitForLine } from '@castpoint/netlab';
import { FAKE_DP, manifestOf } from './fake-dp';

const root = path.resolve(__dirname, '../..');
const binary = path.join(root, 'dist/castpoint-agent-linux-x64');
const bundle = path.join(root, 'dist/apps/client-agent/main.cjs');

/** Builds the bundle and the linux-x64 executable when missing or older than the sources' bundle. */
function ensureAgentBinary(): string {
  if (!existsSync(bundle)) {
    execFileSync(process.execPath, ['tools/build/bundle.mjs', 'apps/client-agent/src/main.ts', bundle], { cwd: root, stdio: 'inherit' });
  }
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(bundle).mtimeMs) {
    execFileSync(process.execPath, ['apps/client-agent/scripts/package.mjs', '--only', 'linux-x64'], { cwd: root, stdio: 'inherit' });
  }
  return binary;
}

describe('castpoint-agent single executable (linux-x64)', () => {
  beforeAll(() => ensureAgentBinary(), 300_000);

  it.each([[['deploy', '--help']], [['deploy', '-h']], [['-h']]])('prints usage with the exit-code table on %j and exits 0', (args) => {
    const r = spawnSync(binary, args, { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--server');
    if (args[0] === 'deploy') expect(r.stdout).toContain('--no-fallback');
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*7 {2}The DP removed the agent[\s\S]*143 {2}Stopped by SIGTERM/);
    expect(r.stderr).toBe('');
  });

  it.each([[['--version']], [['deploy', '--version']]])('prints the version of apps/client-agent/package.json on %j', (args) => {
    const r = spawnSync(binary, args, { encoding: 'utf8' });
    const pkg = JSON.parse(readFileSync(path.join(root, 'apps/client-agent/package.json'), 'utf8')) as { version: string };
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it.each([
    [[], /Give a command: deploy, run, capture or refresh\./],
    [['refresh', '--server', 'http://h', '--deployment', 'a/b'], /--deployment needs a deployment's name/],
    // run: the DP names the image and --disk the disk; its server may come from the kernel command line (not this machine's).
    [['run', '--server', 'http://h', '--image', 'x'], /Unknown argument: image/],
    [['run', '--server', 'http://h', '--disk', 'colour:blue'], /--disk: disk selector "colour:blue": unknown kind "colour"/],
    [['run'], /--server is required \(or castpoint.server=URL on the kernel command line\)\./],
    [['restore', '--server', 'http://h'], /Unknown arguments: server, restore/],
    [['deploy', '--server', 'http://h', '--image', 'x', '--target', '/tmp/x', 'extra'], /Unknown argument: extra/],
    [['deploy', '--image', 'x', '--target', '/tmp/x'], /Missing required argument: server/],
    [['deploy', '--server', 'nope', '--image', 'x', '--target', '/tmp/x'], /--server must be a URL/],
    [['deploy', '--server', 'http://h', '--image', 'x', '--target', '/tmp/x', '--bogus'], /Unknown option --bogus\. Run castpoint-agent --help for usage\. \(exit 2, usage\)/],
    // The typo hides a required option: the typo is named, with the option meant (not "Missing required argument: target").
    [['deploy', '--server', 'http://h', '--image', 'x', '--targt', '/tmp/x'], /Unknown option --targt \(did you mean --target\?\)\. Run castpoint-agent --help/],
    [['deploy', '--server', 'http://h', '--image', 'x', '--target', '/tmp/x', '--dp-patience', '0'], /--dp-patience must be a number of seconds from 0.001 to 86400, got 0\./],
  ])('exits 2 with one line on a usage error: %j', (args, re) => {
    const r = spawnSync(binary, args, { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/\(exit 2, usage\)\n$/);
  });

  it('exits 3 when nothing listens at the DP address (127.0.0.1)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cp-agent-'));
    // A port that was just free: listen on an ephemeral one, then close it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    try {
      const r = spawnSync(binary, ['deploy', '--server', `http://127.0.0.1:${port}`, '--image', 'x', '--target', path.join(dir, 't.img'), '--dp-patience', '1'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/cannot be reached: nothing listens on 127\.0\.0\.1:\d+ \(ECONNREFUSED\), and it did not come back within 1 s\. \(exit 3, dp-unreachable\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeLan('castpoint-agent single executable in a LAN, against a fake DP', () => {
  let lan: Lan | undefined;
  let dir = '';
  beforeAll(() => {
    ensureAgentBinary();
    lan = Lan.create({ clients: 1 });
    dir = mkdtempSync(path.join(tmpdir(), 'cp-agent-lan-'));
  }, 300_000);
  afterAll(() => {
    lan?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('downloads by unicast fallback, verifies, writes JSON lines and exits 0; unknown image exits 4', async () => {
    if (!lan) throw new Error('no LAN');
    const chunkSize = 64 * 1024;
    const image = Buffer.concat([randomBytes(5 * chunkSize), Buffer.alloc(2 * chunkSize), randomBytes(chunkSize / 2)]);
    const imageFile = path.join(dir, 'image.bin');
    const manifestFile = path.join(dir, 'manifest.json');
    writeFileSync(imageFile, image);
    writeFileSync(manifestFile, JSON.stringify(manifestOf(image, chunkSize)));
    const dp = lan.spawn(lan.server, process.execPath, ['-e', FAKE_DP, imageFile, manifestFile, lan.server.ip, '8080']);
    dp.stdout?.resume();
    try {
      await waitForLine(dp, /^listening$/, 10_000);
      const target = path.join(dir, 'disk.img');
      const client = lan.clients[0];
      if (!client) throw new Error('no client');
      const server = `http://${lan.server.ip}:8080`;
      const ok = await collect(lan.spawn(client, binary, ['deploy', '--server', server, '--image', 'img', '--target', target]), 60_000);
      expect(ok.stderr).toContain('downloading the missing chunks by unicast');
      // The executable carries castpoint's native packet crypto and loads it from its asset
      // (adapters/native-addon-asset.ts); wire's packet-mac.spec requires the add-on on Linux x64.
      expect(ok.stderr).toContain('castpoint-agent: packet crypto: native add-on');
      expect(ok.code).toBe(0);
      expect(Buffer.compare(readFileSync(target), image)).toBe(0);
      // stdout is a pipe here: JSON lines, the last one "done".
      const lines = ok.stdout.trim().split('\n').map((l) => JSON.parse(l) as { state: string; percent: number });
      expect(lines[lines.length - 1]).toMatchObject({ state: 'done', percent: 100 });

      // --no-fallback (a contract flag) is the technician's veto: the fallback reply is refused.
      const vetoed = await collect(lan.spawn(client, binary, ['deploy', '--server', server, '--image', 'img', '--target', path.join(dir, 'v.img'), '--no-fallback']), 60_000);
      expect(vetoed.stderr).toMatch(/--no-fallback forbids unicast fallback.*\(exit 7, removed-by-policy\)/);
      expect(vetoed.code).toBe(7);

      const unknown = await collect(lan.spawn(client, binary, ['deploy', '--server', server, '--image', 'other', '--target', path.join(dir, 'o.img')]), 60_000);
      expect(unknown.code).toBe(4);
      expect(unknown.stderr).toMatch(/does not know the image "other"\. \(exit 4, image-unknown\)/);
    } finally {
      dp.kill('SIGKILL');
    }
  });

  it('after kill -9, running the same command again fetches exactly the chunks the journal lacks', async () => {
    if (!lan) throw new Error('no LAN');
    const client = lan.clients[0];
    if (!client) throw new Error('no client');
    const chunkSize = 64 * 1024;
    const chunks = 240;
    const image = randomBytes(chunks * chunkSize);
    image.fill(0, 10 * chunkSize, 12 * chunkSize); // two zero chunks: never fetched
    const imageFile = path.join(dir, 'image2.bin');
    const manifestFile = path.join(dir, 'manifest2.json');
    writeFileSync(imageFile, image);
    writeFileSync(manifestFile, JSON.stringify(manifestOf(image, chunkSize)));
    // 15 ms per range and 4 at a time: about 0.9 s for the whole image, long enough to kill midway.
    const dp = lan.spawn(lan.server, process.execPath, ['-e', FAKE_DP, imageFile, manifestFile, lan.server.ip, '8081', '15']);
    const ranges: number[] = [];
    let buf = '';
    dp.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('range ')) ranges.push(Number(l.slice(6)) / chunkSize);
    });
    try {
      await waitForLine(dp, /^listening$/, 10_000);
      const target = path.join(dir, 'resume.img');
      const stateDir = path.join(dir, 'resume-state');
      const args = ['deploy', '--server', `http://${lan.server.ip}:8081`, '--image', 'img', '--target', target, '--state-dir', stateDir];
      const first = lan.spawn(client, binary, args);
      const firstDone = collect(first, 60_000);
      for (let i = 0; i < 400 && ranges.length < 150; i++) await new Promise((r) => setTimeout(r, 10));
      first.kill('SIGKILL');
      const killed = await firstDone;
      expect(killed.signal).toBe('SIGKILL');
      const firstRun = new Set(ranges);
      expect(firstRun.size).toBeGreaterThanOrEqual(100);
      expect(firstRun.size).toBeLessThan(chunks - 2);

      const journal = decodeJournal(readFileSync(journalPathFor(target, 'file', stateDir)));
      if ('damaged' in journal) throw new Error(`journal damaged: ${journal.damaged}`);
      const journaled = (c: number): boolean => ((journal.bitmap[c >> 3] ?? 0) & (1 << (c & 7))) !== 0;
      const lacking: number[] = [];
      for (let c = 0; c < chunks; c++) if (!journaled(c) && c !== 10 && c !== 11) lacking.push(c);
      // The writer commits every 32 chunks: some chunks must be journaled, and never more than were fetched.
      expect(lacking.length).toBeLessThan(chunks - 2);

      ranges.length = 0;
      const second = await collect(lan.spawn(client, binary, args), 60_000);
      expect(second.code).toBe(0);
      expect([...new Set(ranges)].sort((a, b) => a - b)).toEqual(lacking);
      expect(ranges).toHaveLength(lacking.length);
      expect(Buffer.compare(readFileSync(target), image)).toBe(0);
    } finally {
      dp.kill('SIGKILL');
    }
  });
});
