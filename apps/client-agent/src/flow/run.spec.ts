import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { libSessionFactory } from '../adapters/lib-session';
import { libStoreOpener } from '../adapters/lib-store';
import { DpClient } from '../dp/dp-client';
import { AgentError, EXIT, type ExitCode } from '../errors';
import { checkedPreflight, openSource } from '../run-capture';
import { readIdentity } from '../identity/identity';
import { readWindowsIdentity } from '../identity/windows-identity';
import { FakeWin32 } from '../win32/fake-win32';
import { physicalDriveTarget } from '../win32/physical-drive-target';
import { fakeSys } from '../identity/fake-sys';
import { FakeClock } from '../testing/fake-clock';
import { FakeDp, type Scripted } from '../testing/fake-dp';
import { makeImage } from '../testing/image';
import { fileMemory } from './agent-state';
import { runCapture, type CapturePlan } from './capture';
import type { CaptureRunner } from './capture-step';
import { deploy } from './deploy';
import { run } from './run';
import { validateRunOptions, type RawRunArgs } from './run-options';
import { RunReporter } from './run-reporter';
import { runScript } from './run-script';

const IMG = makeImage(24, 4096, 10, [3]);
const CONTENT = '/api/v1/agent/content/win11';
const START = Date.parse('2026-12-06T06:00:00Z');
const DISK_BYTES = 1 << 20;
const TOKEN = 'client-secret';

const order = (over: Record<string, unknown> = {}): Scripted => ({
  status: 200,
  body: { action: 'deploy', machine: 'pc-07', deployment: 'win11-lab', image: 'win11', disk: 'first-fixed', after: 'reboot', script: null, variables: {}, imageBytes: IMG.manifest.size, ...over },
});
const nothing: Scripted = { status: 200, body: { action: 'nothing', machine: 'pc-07', reason: 'no deployment targets this machine', available: [] } };
const fallback: Scripted = { status: 200, body: { status: 'fallback', receiverId: 3, reason: 'unicast only', manifest: IMG.manifest, contentPath: CONTENT } };

/** What the lab's DP received of a capture: the bearer token used, the plan, the chunks sent. */
interface Captured {
  grant: string;
  source: string;
  plan?: CapturePlan;
  chunks: number[];
}

const captureOrder = (over: Record<string, unknown> = {}): Scripted => ({
  status: 200,
  body: { action: 'capture', machine: 'ref-1', deployment: 'ref-capture', image: 'ref-1-20261206', disk: 'first-fixed', after: 'poweroff', grant: 'cpc1.grant-for-ref-1', ...over },
});

interface Lab {
  root: string;
  captured: Captured[];
  dp: FakeDp;
  clock: FakeClock;
  out: string[];
  errs: string[];
  commands: string[][];
  disk(name: string): Buffer;
  /** `win`: run as the Windows agent on that fake machine (its identity, its \\.\PhysicalDriveN writer). */
  run(args?: RawRunArgs, systemd?: boolean, win?: FakeWin32): Promise<ExitCode>;
  steps(): Array<Record<string, unknown>>;
  remove(): Promise<void>;
}

/**
 * A machine (a fake root: /sys with one NIC, DMI, a USB stick sda, a fixed vda and loop0; /dev
 * with vda and loop0 as files filled with 0x5a) and a fake DP answering `assignment` as scripted,
 * the session request with a unicast fallback, and the image's ranges.
 */
async function lab(onAssignment: (n: number, dpUrl: string) => Scripted, more: { capture?: CaptureRunner; onRequest?: () => Scripted; onReport?: () => Scripted; files?: Record<string, string>; onRange?: (start: number) => Scripted | undefined } = {}): Promise<Lab> {
  const blocks = (name: string, bytes: number, removable: string) => ({ [`sys/block/${name}/size`]: String(bytes / 512), [`sys/block/${name}/removable`]: removable });
  const tree = fakeSys({
    'sys/class/net/eth0/address': '52:54:00:12:34:07',
    'sys/class/net/eth0/type': '1',
    'sys/class/dmi/id/product_uuid': '4C4C4544-0042-3510-8052-B4C04F4E4D32',
    'sys/class/dmi/id/product_name': 'OptiPlex 7090',
    ...blocks('sda', 8 * DISK_BYTES, '1'),
    ...blocks('vda', DISK_BYTES, '0'),
    ...blocks('loop0', DISK_BYTES, '0'),
  });
  mkdirSync(path.join(tree.root, 'dev'));
  for (const d of ['vda', 'loop0']) writeFileSync(path.join(tree.root, 'dev', d), Buffer.alloc(DISK_BYTES, 0x5a));
  // onAssignment reads dp.url: it runs only once the server listens.
  const dp: FakeDp = await new FakeDp({
    token: TOKEN,
    onAssignment: (_b, n) => onAssignment(n, dp.url),
    onRequest: () => more.onRequest?.() ?? fallback,
    ...(more.onReport ? { onReport: more.onReport } : {}),
    content: IMG.bytes,
    contentPath: CONTENT,
    ...(more.files ? { files: more.files } : {}),
    ...(more.onRange ? { onRange: more.onRange } : {}),
  }).start();
  const clock = new FakeClock(START);
  const out: string[] = [];
  const errs: string[] = [];
  const commands: string[][] = [];
  const captured: Captured[] = [];
  // The capture command's own flow (map, hash, plan, upload) over an in-memory capture API that
  // wants every data chunk and keeps what it is sent.
  const capture: CaptureRunner = (c) => {
    const rec: Captured = { grant: c.grant, source: c.source, chunks: [] };
    captured.push(rec);
    return runCapture({
      source: c.source,
      name: c.image,
      chunkSize: 64 * 1024,
      api: {
        begin: async (p) => {
          rec.plan = p;
          const missing = p.hashes.flatMap((h, i) => (h === '' ? [] : [i]));
          return { missing, dataChunks: missing.length };
        },
        putChunk: async (_name, i) => void rec.chunks.push(i),
        finish: async (name) => ({ name, size: rec.plan?.size ?? 0, manifestHash: 'ab'.repeat(32) }),
      },
      preflight: checkedPreflight,
      open: openSource,
      onEvent: c.onEvent,
    });
  };
  const l: Lab = {
    root: tree.root,
    captured,
    dp,
    clock,
    out,
    errs,
    commands,
    disk: (name) => readFileSync(path.join(tree.root, 'dev', name)),
    async run(args = {}, systemd = true, win = undefined) {
      const ctx = { env: {}, stdoutIsTty: false, cwd: tree.root, cmdline: `BOOT_IMAGE=/vmlinuz castpoint.server=${dp.url} quiet`, root: tree.root, ...(win ? { platform: 'win32' as const } : {}) };
      const opts = validateRunOptions({ token: TOKEN, dpPatience: 2, ...args }, ctx);
      const reporter = new RunReporter({ out: (t) => out.push(t), err: (t) => errs.push(t) }, { mode: opts.output }, () => new Date(clock.now()).toISOString());
      return run(opts, {
        dp: new DpClient({ server: opts.server, token: TOKEN, timeoutMs: 2000 }),
        identity: () => (win ? readWindowsIdentity(win, { Ethernet: [{ address: '10.0.0.7', netmask: '255.255.255.0', family: 'IPv4', mac: '52:54:00:12:34:56', internal: false, cidr: '10.0.0.7/24' }] }) : readIdentity(tree.root)),
        // The deploy command's own flow, on the fake DP (unicast) and the file standing for the disk.
        deploy: (d) =>
          deploy(d, {
            dp: new DpClient({ server: d.server, ...(d.token === undefined ? {} : { token: d.token }), timeoutMs: 2000 }),
            stores: libStoreOpener({ target: d.target, stateDir: d.stateDir, stateDirGiven: d.stateDirGiven, ...(win ? { windowsDisk: physicalDriveTarget(win) } : {}) }),
            sessions: libSessionFactory(),
            clock,
            reporter,
            memory: fileMemory(d.stateDir),
            hostname: 'pc-07',
            interfaces: () => ({}),
            resolveDp: async () => '127.0.0.1',
          }),
        capture: more.capture ?? capture,
        script: runScript,
        commands: async (cmd, a) => {
          commands.push([cmd, ...a]);
          return 0;
        },
        systemd,
        clock,
        reporter,
        ctx,
      });
    },
    steps: () => out.filter((l) => l.includes('"step"')).map((l) => JSON.parse(l) as Record<string, unknown>),
    async remove() {
      await dp.stop();
      tree.remove();
    },
  };
  return l;
}

describe('castpoint-agent run against a fake DP and a fake machine', () => {
  let l: Lab | undefined;
  afterEach(async () => {
    await l?.remove();
    l = undefined;
  });

  it('deploys what the DP says to the first fixed disk, runs the script with the variables, reports every field, then reboots', async () => {
    const script = '#!/bin/sh\necho "site=$SITE machine=$CASTPOINT_MACHINE deployment=$CASTPOINT_DEPLOYMENT image=$CASTPOINT_IMAGE disk=$CASTPOINT_DISK token=${CASTPOINT_TOKEN:-none}" > "$OUT"\necho post-deploy done\n';
    const outFile = path.join(tmpdir(), `cp-run-script-${process.pid}.txt`);
    l = await lab((_n, url) => order({ script: `${url}/scripts/post.sh`, variables: { SITE: 'lab-3', OUT: outFile } }), { files: { '/scripts/post.sh': script } });
    // The agent's own environment holds a token: the operator's script must not see it.
    process.env['CASTPOINT_TOKEN'] = 'from-the-environment';
    try {
      expect(await l.run()).toBe(EXIT.ok);
    } finally {
      delete process.env['CASTPOINT_TOKEN'];
    }
    // The image is on vda (first fixed disk; sda is removable, loop0 never implied), loop0 untouched.
    expect(l.disk('vda').subarray(0, IMG.bytes.length).equals(Buffer.from(IMG.bytes))).toBe(true);
    expect(l.disk('loop0').equals(Buffer.alloc(DISK_BYTES, 0x5a))).toBe(true);
    expect(l.dp.assignments).toEqual([{ macs: ['52:54:00:12:34:07'], uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', model: 'OptiPlex 7090' }]);
    expect(l.dp.requests.map((r) => r.image)).toEqual(['win11']);
    expect(readFileSync(outFile, 'utf8')).toBe(`site=lab-3 machine=pc-07 deployment=win11-lab image=win11 disk=/dev/vda token=none\n`);
    // The token went with the script request to the DP's own origin.
    expect(l.dp.fileAuth).toEqual([`Bearer ${TOKEN}`]);
    expect(l.dp.reports).toEqual([
      {
        macs: ['52:54:00:12:34:07'],
        deployment: 'win11-lab',
        result: 'ok',
        startedAt: new Date(START).toISOString(),
        durationMs: expect.any(Number),
        exitCode: 0,
        message: 'deployed and verified; the post-deploy script exited 0',
        bytes: IMG.manifest.size,
        transport: 'unicast',
        repairedSymbols: 0,
      },
    ]);
    expect(l.commands).toEqual([['systemctl', 'reboot']]);
    expect(l.errs.join('')).toContain('post-deploy done');
    expect(l.steps().map((s) => s['step'])).toEqual(['identity', 'disk', 'script', 'script', 'report', 'after', 'result']);
    rmSync(outFile, { force: true });
  });

  it('exits 8 when the DP has nothing: no session asked for, no report, no disk touched, no reboot', async () => {
    l = await lab(() => nothing);
    expect(await l.run()).toBe(EXIT.nothingToDo);
    expect(l.disk('vda').equals(Buffer.alloc(DISK_BYTES, 0x5a))).toBe(true);
    expect(l.dp.requests).toEqual([]);
    expect(l.dp.reports).toEqual([]);
    expect(l.commands).toEqual([]);
    expect(l.steps().at(-1)).toMatchObject({ step: 'result', action: 'nothing', exitCode: 8, reason: 'no deployment targets this machine' });
  });

  it('waits as the DP says (shown, on the injected clock), asks again, then deploys; after none does nothing more', async () => {
    l = await lab((n) => (n === 1 ? { status: 200, body: { action: 'wait', machine: 'pc-07', until: new Date(START + 20_000).toISOString(), reason: 'deployment win11-lab starts at 06:00:20' } } : n === 2 ? { status: 200, body: { action: 'wait', machine: 'pc-07', until: '2026-12-07T00:00:00Z', reason: 'tomorrow' } } : order({ after: 'none' })));
    expect(await l.run()).toBe(EXIT.ok);
    expect(l.dp.assignments).toHaveLength(3);
    // 20 s as asked; a far wait is re-asked every minute (the DP decides, the clocks may differ).
    expect(l.clock.sleeps.slice(0, 2)).toEqual([20_000, 60_000]);
    expect(l.steps().filter((s) => s['step'] === 'wait').map((s) => s['reason'])).toEqual(['deployment win11-lab starts at 06:00:20', 'tomorrow']);
    expect(l.commands).toEqual([]);
    expect(l.dp.reports[0]).toMatchObject({ result: 'ok' });
  });

  it('a deployment whose image the DP lost: exit 4 with the DP\'s words (the DP keeps the refusal in its history)', async () => {
    l = await lab(() => ({ status: 404, body: { error: 'DP_IMAGE_NOT_FOUND', message: 'image win11 of deployment win11-lab is not on the DP (removed since the deployment was made)' } }));
    expect(await l.run()).toBe(EXIT.imageUnknown);
    expect(l.errs.join('')).toContain('says: image win11 of deployment win11-lab is not on the DP');
    expect(l.dp.requests).toEqual([]);
    expect(l.disk('vda').equals(Buffer.alloc(DISK_BYTES, 0x5a))).toBe(true);
  });

  it('--choose asks for an available deployment by name; the DP decides', async () => {
    l = await lab((n) => (n === 1 ? { status: 200, body: { action: 'nothing', machine: 'pc-07', reason: 'no required deployment; available: office', available: ['office'] } } : order({ deployment: 'office', after: 'none' })));
    expect(await l.run()).toBe(EXIT.nothingToDo);
    expect(l.steps().at(-1)?.['text']).toContain('(available: office)');
    expect(await l.run({ choose: 'office' })).toBe(EXIT.ok);
    expect(l.dp.assignments[1]).toMatchObject({ choose: 'office', macs: ['52:54:00:12:34:07'] });
    expect(l.dp.assignments[0]).not.toHaveProperty('choose');
    expect(l.dp.reports).toEqual([expect.objectContaining({ deployment: 'office', result: 'ok' })]);
  });

  it('a conflict exits 3 with the DP\'s reason and deploys nothing', async () => {
    l = await lab(() => ({ status: 200, body: { action: 'conflict', machine: 'pc-07', deployments: ['a', 'b'], reason: 'required deployments a, b all target machine pc-07' } }));
    expect(await l.run()).toBe(EXIT.dpUnreachable);
    expect(l.errs.join('')).toContain('until an operator resolves it: required deployments a, b all target machine pc-07');
    expect(l.dp.requests).toEqual([]);
  });

  it('no disk matching: exit 5 listing the disks, a refused report, nothing written', async () => {
    l = await lab(() => order({ disk: 'serial:NOPE' }));
    expect(await l.run()).toBe(EXIT.targetRefused);
    expect(l.errs.join('')).toContain('no disk matches serial:NOPE; nothing was written. Disks:');
    expect(l.errs.join('')).toContain('/dev/vda: 1.0 MB');
    expect(l.dp.reports).toEqual([expect.objectContaining({ result: 'refused', exitCode: 5, deployment: 'win11-lab', message: expect.stringContaining('/dev/loop0: 1.0 MB, only by path:') })]);
    expect(l.dp.requests).toEqual([]);
    expect(l.disk('vda').equals(Buffer.alloc(DISK_BYTES, 0x5a))).toBe(true);
  });

  it('--disk overrides the deployment\'s selector (a loop device only by path:)', async () => {
    l = await lab(() => order({ disk: 'serial:NOPE', after: 'poweroff' }));
    expect(await l.run({ disk: 'path:/dev/loop0' }, false)).toBe(EXIT.ok);
    expect(l.disk('loop0').subarray(0, IMG.bytes.length).equals(Buffer.from(IMG.bytes))).toBe(true);
    expect(l.disk('vda').equals(Buffer.alloc(DISK_BYTES, 0x5a))).toBe(true);
    // No systemd (an initramfs): poweroff -f.
    expect(l.commands).toEqual([['poweroff', '-f']]);
  });

  it('on Windows: the disk chosen from the Win32 identity is written as \\\\.\\PhysicalDriveN, the system disk never', async () => {
    l = await lab(() => order({ disk: 'first-fixed', after: 'poweroff' }));
    const disk = (size: number, serial: string) => ({ bytes: new Uint8Array(size).fill(0x5a), descriptor: { vendor: 'ATA', product: 'TestDisk', serial, removable: false, busType: 11 } });
    // Disk 0 holds C:, the first fixed disk by number: first-fixed picks it and the writer refuses it.
    const win = new FakeWin32(new Map([[0, disk(DISK_BYTES, 'SYS0')], [1, disk(DISK_BYTES, 'DATA1')]]), [{ guid: 'sys', disks: [0], letter: 'C' }]);
    expect(await l.run({}, false, win)).toBe(EXIT.targetRefused);
    expect(l.errs.join('')).toContain('PhysicalDrive0 holds C: (the running Windows)');
    expect(win.log.filter((x) => x.startsWith('write'))).toEqual([]);
    l.errs.length = 0;
    expect(await l.run({ disk: 'serial:DATA1' }, false, win)).toBe(EXIT.ok);
    expect(Buffer.from(win.disks.get(1)?.bytes.subarray(0, IMG.bytes.length) ?? []).equals(Buffer.from(IMG.bytes))).toBe(true);
    expect(l.steps()).toEqual(expect.arrayContaining([expect.objectContaining({ step: 'disk', disk: '\\\\.\\PhysicalDrive1', selector: 'serial:DATA1' })]));
    // WinPE has no shutdown.exe: the after-action goes through wpeutil.
    expect(l.commands).toEqual([['wpeutil', 'shutdown']]);
  });

  it('a failing script: exit 9, the report says failed with the output tail, no reboot; the image stays', async () => {
    l = await lab((_n, url) => order({ script: `${url}/post.sh`, variables: { SITE: 'lab-3' } }), { files: { '/post.sh': 'echo "formatting D: for $SITE"\necho "no such volume" >&2\nexit 3\n' } });
    expect(await l.run()).toBe(EXIT.scriptFailed);
    expect(l.dp.reports).toEqual([expect.objectContaining({ result: 'failed', exitCode: 9, transport: 'unicast', message: expect.stringMatching(/deployed and verified; but the script exited 3; its output ends:\nformatting D: for lab-3\nno such volume\n$/) })]);
    expect(l.commands).toEqual([]);
    expect(l.disk('vda').subarray(0, IMG.bytes.length).equals(Buffer.from(IMG.bytes))).toBe(true);
  });

  it('a script that cannot be fetched fails the same way, naming the HTTP status', async () => {
    l = await lab((_n, url) => order({ script: `${url}/missing.sh` }));
    expect(await l.run()).toBe(EXIT.scriptFailed);
    expect(l.dp.reports[0]).toMatchObject({ result: 'failed', exitCode: 9, message: expect.stringContaining(`the script ${l.dp.url}/missing.sh could not be fetched: HTTP 404`) });
  });

  it('an image the DP does not know: deploy\'s exit 4, reported as refused with deploy\'s message, no reboot', async () => {
    l = await lab(() => order(), { onRequest: () => ({ status: 404, body: { error: 'DP_IMAGE_NOT_FOUND', message: 'no image named win11' } }) });
    expect(await l.run()).toBe(EXIT.imageUnknown);
    expect(l.dp.reports).toEqual([expect.objectContaining({ result: 'refused', exitCode: 4, message: expect.stringContaining('does not know the image "win11"') })]);
    expect(l.commands).toEqual([]);
  });

  it('resumes as deploy does: a failed run keeps its journal in the state dir, the next run fetches only what is missing', async () => {
    let broken = true;
    l = await lab(() => order({ after: 'none' }), { onRange: (start) => (broken && start === 6 * 4096 ? { status: 403, body: { error: 'x' } } : undefined) });
    expect(await l.run()).toBe(EXIT.dpUnreachable);
    expect(l.dp.reports).toEqual([expect.objectContaining({ result: 'failed', exitCode: 3, transport: 'unicast', message: expect.stringContaining('refused download') })]);
    const first = l.dp.ranges.length;
    broken = false;
    expect(await l.run()).toBe(EXIT.ok);
    // Chunk 3 is all zeros (never fetched); of the other nine, the second run fetched only those the first did not write.
    const second = l.dp.ranges.length - first;
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThan(9);
    expect(l.disk('vda').subarray(0, IMG.bytes.length).equals(Buffer.from(IMG.bytes))).toBe(true);
    expect(l.dp.reports[1]).toMatchObject({ result: 'ok', bytes: IMG.manifest.size });
  });

  it('deployed but the report refused: exit 3 and no reboot (the next boot would deploy again)', async () => {
    l = await lab(() => order(), { onReport: () => ({ status: 500, body: { error: 'x' } }) });
    expect(await l.run()).toBe(EXIT.dpUnreachable);
    expect(l.errs.join('')).toContain('The image is deployed but the DP did not take the report, so the after-action (reboot) was not done');
    expect(l.commands).toEqual([]);
  });

  it('a capture deployment: reads the chosen disk into the image the DP named, with its grant, reports it, then powers off', async () => {
    l = await lab(() => captureOrder());
    expect(await l.run()).toBe(EXIT.ok);
    // vda (first fixed; sda removable, loop0 only by path:), every 64 KiB chunk of it sent, with the grant.
    expect(l.captured).toEqual([{ grant: 'cpc1.grant-for-ref-1', source: path.join(l.root, 'dev', 'vda'), plan: expect.objectContaining({ name: 'ref-1-20261206', size: DISK_BYTES }), chunks: [...Array(16).keys()] }]);
    expect(l.disk('vda').equals(Buffer.alloc(DISK_BYTES, 0x5a))).toBe(true);
    expect(l.dp.requests).toEqual([]);
    expect(l.dp.reports).toEqual([
      {
        macs: ['52:54:00:12:34:07'],
        deployment: 'ref-capture',
        image: 'ref-1-20261206',
        result: 'ok',
        startedAt: new Date(START).toISOString(),
        durationMs: expect.any(Number),
        exitCode: 0,
        message: expect.stringMatching(/^captured \/dev\/vda to image ref-1-20261206: 16 data, 0 zero, 0 unused chunks; 16 sent \(1\.0 MiB\)/),
        bytes: DISK_BYTES,
      },
    ]);
    expect(l.commands).toEqual([['systemctl', 'poweroff']]);
    expect(l.steps().map((s) => s['step'])).toEqual(['identity', 'disk', 'capture', 'capture', 'capture', 'report', 'after', 'result']);
  });

  it('a capture the DP refuses midway: its exit code, a failed report with the reason, no after-action', async () => {
    l = await lab(() => captureOrder({ disk: 'path:/dev/loop0' }), {
      capture: async () => {
        throw new AgentError('dp-refused', 'The DP refused the capture: the capture grant expired at 2026-12-06T12:00:00.000Z');
      },
    });
    expect(await l.run()).toBe(EXIT.dpUnreachable);
    expect(l.dp.reports).toEqual([expect.objectContaining({ deployment: 'ref-capture', image: 'ref-1-20261206', result: 'failed', exitCode: 3, message: expect.stringContaining('the capture of /dev/loop0 to image ref-1-20261206 failed: The DP refused the capture: the capture grant expired') })]);
    expect(l.errs.join('')).toContain('the capture grant expired');
    expect(l.commands).toEqual([]);
  });

  it('a capture source that is refused (mounted, in use): exit 5, reported as refused, nothing sent', async () => {
    l = await lab(() => captureOrder(), { capture: async () => Promise.reject(new AgentError('target-refused', '/dev/vda is mounted (/dev/vda1 on /)')) });
    expect(await l.run()).toBe(EXIT.targetRefused);
    expect(l.dp.reports).toEqual([expect.objectContaining({ result: 'refused', exitCode: 5, message: expect.stringContaining('/dev/vda is mounted') })]);
    expect(l.commands).toEqual([]);
  });
});
