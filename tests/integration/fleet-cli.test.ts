// `castpoint-dp machine ...` and `collection ...` against a running `castpoint-dp serve` (the
// built bundle, so the SQL store's PGlite files are found from it too). HTTP on 127.0.0.1 only:
// no session runs, nothing is multicast.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DP = path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');
const ADMIN = 'admin-token-fleet-cli-000001';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('castpoint-dp machine / collection', () => {
  let dir: string;
  let url: string;
  let stop: () => void;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cp-fleet-cli-'));
    const child = spawn(
      process.execPath,
      [DP, 'serve', '--data-dir', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1', '--admin-token', ADMIN, '--client-token', 'client-token-fleet-cli-0001'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    stop = () => child.kill('SIGKILL');
    let out = '';
    url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('castpoint-dp listening'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.on('exit', () => reject(new Error(`the DP exited: ${out}`)));
    });
  }, 60_000);
  afterAll(() => {
    stop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [DP, ...args, '--server', url, '--token', ADMIN], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });

  it('adds, shows, lists, imports and removes machines; refusals exit 1 with the reason', async () => {
    // The first call opens the store (PGlite's initdb): the long timeout is for it.
    const add = await cli('machine', 'add', 'pc1', '--mac', '52-54-00-10-00-01', '--mac', '52:54:00:10:00:02', '--uuid', '4c4c4544-0042-3510-8052-b4c04f4e4d32');
    expect(add).toMatchObject({ code: 0, stdout: 'added machine pc1 (52:54:00:10:00:01 52:54:00:10:00:02)\n' });
    const dup = await cli('machine', 'add', 'pc2', '--mac', '52:54:00:10:00:02');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('castpoint-dp: POST /api/v1/machines: 409 DP_IDENTIFIER_TAKEN MAC 52:54:00:10:00:02 already belongs to machine pc1\n');
    const shown = await cli('machine', 'show', 'pc1', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'pc1', state: 'known', uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32' });

    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'pc3,52:54:00:10:00:03\npc4\n');
    const refused = await cli('machine', 'import', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('DP_BAD_CSV');
    expect(refused.stderr).toContain('line 2: expected name,mac[,uuid], got 1 field(s)');
    const good = path.join(dir, 'good.csv');
    writeFileSync(good, 'name,mac,uuid\npc3,52:54:00:10:00:03\npc4,52:54:00:10:00:04,11111111-2222-3333-4444-555555555555\n');
    expect(await cli('machine', 'import', good)).toMatchObject({ code: 0, stdout: 'imported 2 machine(s)\n' });
    const missing = await cli('machine', 'import', path.join(dir, 'nope.csv'));
    // A file that cannot be read is the caller's mistake, as a bad flag is: exit 2.
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv/);

    const list = await cli('machine', 'list');
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+STATE\s+MACS\s+UUID\s+MODEL\s+LASTIP\s+LASTSEEN$/);
    expect(list.stdout).toMatch(/^pc4\s+known\s+52:54:00:10:00:04\s+11111111-2222-3333-4444-555555555555/m);
    expect((JSON.parse((await cli('machine', 'list', '--json')).stdout) as Array<{ name: string }>).map((m) => m.name)).toEqual(['pc1', 'pc3', 'pc4']);
    expect(await cli('machine', 'rm', 'pc3')).toMatchObject({ code: 0, stdout: 'removed machine pc3\n' });
    const gone = await cli('machine', 'show', 'pc3');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('404 DP_MACHINE_NOT_FOUND no machine pc3');
  }, 240_000);

  it('adds collections with rules, manages members, and refuses a bad rule', async () => {
    await cli('machine', 'add', 'lab-01', '--mac', '52:54:00:20:00:01');
    const bad = await cli('collection', 'add', 'lab', '--rule', 'colour:red');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('400 DP_BAD_RULE');
    const add = await cli('collection', 'add', 'lab', '--rule', 'mac-prefix:52:54:00', '--rule', 'name:lab-*');
    expect(add).toMatchObject({ code: 0, stdout: 'added collection lab: rules mac-prefix:52:54:00 name:lab-*; members -\n' });
    expect((await cli('collection', 'add-member', 'lab', 'lab-01')).stdout).toBe('lab: rules mac-prefix:52:54:00 name:lab-*; members lab-01\n');
    expect(JSON.parse((await cli('collection', 'list', '--json')).stdout)).toEqual([{ id: expect.any(Number), name: 'lab', rules: ['mac-prefix:52:54:00', 'name:lab-*'], members: ['lab-01'], createdAt: expect.any(String) }]);
    expect((await cli('collection', 'remove-member', 'lab', 'lab-01')).stdout).toBe('lab: rules mac-prefix:52:54:00 name:lab-*; members -\n');
    expect(await cli('collection', 'rm', 'lab')).toMatchObject({ code: 0, stdout: 'removed collection lab\n' });
    expect((await cli('collection', 'list')).stdout).toBe('NAME  RULES  MEMBERS\n');
  }, 120_000);

  it('adds, shows, re-arms and removes deployments; history answers; unknown names exit 1 with the name', async () => {
    const file = path.join(dir, 'data', 'images', 'small.img');
    writeFileSync(file, Buffer.alloc(1 << 20, 7));
    expect((await cli('image', 'add', 'small', file)).code).toBe(0);
    await cli('collection', 'add', 'desks', '--rule', 'mac-prefix:52:54:00');
    const noImage = await cli('deployment', 'add', 'd1', '--image', 'nope', '--collection', 'desks');
    expect(noImage.code).toBe(1);
    expect(noImage.stderr).toContain('404 DP_IMAGE_NOT_FOUND');
    const badVar = await cli('deployment', 'add', 'd1', '--image', 'small', '--collection', 'desks', '--var', 'SITE');
    expect(badVar.code).toBe(2);
    expect(badVar.stderr).toContain('--var must be NAME=VALUE, got "SITE"');
    expect((await cli('deployment', 'add', 'd1', '--image', 'small', '--collection', 'desks', '--var', '1SITE=x')).stderr).toContain('400 DP_BAD_DEPLOYMENT');
    const add = await cli('deployment', 'add', 'd1', '--image', 'small', '--collection', 'desks', '--disk', 'serial:S1', '--after', 'none', '--not-before', '2030-01-01T00:00:00Z', '--var', 'SITE=north', '--var', 'URL=http://x/?a=b');
    expect(add).toMatchObject({ code: 0, stdout: 'added deployment d1: small -> desks (required)\n' });
    expect(JSON.parse((await cli('deployment', 'show', 'd1', '--json')).stdout)).toMatchObject({ name: 'd1', disk: 'serial:S1', after: 'none', notBefore: '2030-01-01T00:00:00.000Z', variables: { SITE: 'north', URL: 'http://x/?a=b' } });
    expect((await cli('deployment', 'list')).stdout).toMatch(/^d1\s+small\s+desks\s+required\s+serial:S1\s+none\s+2030-01-01T00:00:00.000Z/m);
    expect((await cli('deployment', 'rerun', 'd1')).stdout).toBe('re-armed d1 on 0 machine(s)\n');
    expect((await cli('deployment', 'rerun', 'd1', '--machine', 'ghost')).stderr).toContain('404 DP_MACHINE_NOT_FOUND no machine ghost');
    expect((await cli('history', '--machine', 'pc1')).stdout).toMatch(/^STARTEDAT\s+MACHINE\s+DEPLOYMENT/);
    expect((await cli('history', '--since', 'last-tuesday')).stderr).toContain('400');
    expect((await cli('deployment', 'rm', 'd1')).stdout).toBe('removed deployment d1\n');
    expect((await cli('deployment', 'show', 'd1')).stderr).toContain('404 DP_DEPLOYMENT_NOT_FOUND no deployment d1');
  }, 120_000);

  it('renames machines, lists the unknown ones and approves them (keeping or changing the name); refusals exit 1 naming the owner', async () => {
    // Two agents the DP has never seen ask what to do (HTTP on 127.0.0.1): they register themselves as unknown.
    for (const mac of ['52:54:00:30:00:01', '52:54:00:30:00:02']) {
      const r = await fetch(`${url}/api/v1/agent/assignment`, { method: 'POST', headers: { authorization: 'Bearer client-token-fleet-cli-0001', 'content-type': 'application/json' }, body: JSON.stringify({ macs: [mac] }) });
      expect(r.status).toBe(200);
    }
    const unknown = await cli('machine', 'list', '--state', 'unknown', '--json');
    expect((JSON.parse(unknown.stdout) as Array<{ name: string }>).map((m) => m.name)).toEqual(['unknown-525400300001', 'unknown-525400300002']);
    expect(await cli('machine', 'approve', 'unknown-525400300001')).toMatchObject({ code: 0, stdout: 'approved machine unknown-525400300001\n' });
    // --name beside the machine's positional: both reach the DP (yargs keeps them apart).
    expect(await cli('machine', 'approve', 'unknown-525400300002', '--name', 'desk-02')).toMatchObject({ code: 0, stdout: 'approved machine unknown-525400300002 as desk-02\n' });
    expect(JSON.parse((await cli('machine', 'list', '--state', 'unknown', '--json')).stdout)).toEqual([]);
    expect(JSON.parse((await cli('machine', 'show', 'desk-02', '--json')).stdout)).toMatchObject({ state: 'known', macs: ['52:54:00:30:00:02'] });
    expect(await cli('machine', 'rename', 'desk-02', 'desk-03')).toMatchObject({ code: 0, stdout: 'renamed machine desk-02 to desk-03\n' });
    expect(JSON.parse((await cli('machine', 'rename', 'desk-03', 'desk-04', '--json')).stdout)).toMatchObject({ name: 'desk-04', state: 'known' });
    const taken = await cli('machine', 'rename', 'desk-04', 'pc1');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe('castpoint-dp: PATCH /api/v1/machines/desk-04: 409 DP_MACHINE_EXISTS a machine named pc1 already exists (MAC 52:54:00:10:00:01 52:54:00:10:00:02)\n');
    const ghost = await cli('machine', 'approve', 'ghost', '--name', 'x1');
    expect([ghost.code, ghost.stderr]).toEqual([1, 'castpoint-dp: PATCH /api/v1/machines/ghost: 404 DP_MACHINE_NOT_FOUND no machine ghost\n']);
    // Usage errors are exit 2 before the DP is asked.
    expect((await cli('machine', 'rename', 'desk-04')).code).toBe(2);
    expect((await cli('machine', 'list', '--state', 'lost')).code).toBe(2);
  }, 120_000);
});
