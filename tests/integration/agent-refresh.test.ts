// Issue 25, "Refresh an existing computer": the built `castpoint-agent refresh` against a running
// `castpoint-dp serve`, HTTP on 127.0.0.1 only (nothing multicast, no session runs). The agent reads
// this machine's real /sys (its MACs register it as an unknown machine, which a collection with the
// `unknown` rule targets). It never reboots anything: a directory first on its PATH holds stand-ins
// for systemctl, reboot and efibootmgr that only write down how they were called.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DP = path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');
const AGENT = path.resolve(__dirname, '../../dist/apps/client-agent/main.cjs');
const ADMIN = 'admin-token-agent-refresh-01';
const CLIENT = 'client-token-agent-refresh-1';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// A UEFI host (CI may be one) reads its entries with efibootmgr -v: the stand-in lists a PXE one.
const STAND_IN = `#!/bin/sh
echo "$(basename "$0") $*" >> "$CP_COMMAND_LOG"
if [ "$(basename "$0")" = efibootmgr ] && [ "$1" = -v ]; then
  printf 'BootCurrent: 0001\\nBootOrder: 0001,0002\\nBoot0001* debian\\tHD(1,GPT,x,0x800,0x100000)/File(\\\\EFI\\\\debian\\\\shimx64.efi)\\nBoot0002* UEFI PXEv4 (MAC:525400000001)\\tPciRoot(0x0)/Pci(0x3,0x0)/MAC(525400000001,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)\\n'
fi
exit 0
`;

describe('castpoint-agent refresh (built, against a DP on 127.0.0.1)', () => {
  let dir: string;
  let url: string;
  let stop: () => void;
  let bin: string;
  let log: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cp-agent-refresh-'));
    bin = path.join(dir, 'bin');
    mkdirSync(bin);
    for (const name of ['systemctl', 'reboot', 'efibootmgr', 'shutdown']) {
      writeFileSync(path.join(bin, name), STAND_IN);
      chmodSync(path.join(bin, name), 0o755);
    }
    log = path.join(dir, 'commands.log');
    writeFileSync(path.join(dir, 'v2.img'), Buffer.alloc(1 << 20, 7));
    const child = spawn(
      process.execPath,
      [DP, 'serve', '--data-dir', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1', '--admin-token', ADMIN, '--client-token', CLIENT, '--image-root', dir],
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

  const run = (file: string, args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
  const dp = (...args: string[]) => run(DP, [...args, '--server', url, '--token', ADMIN]);
  const agentRefresh = (...args: string[]) => run(AGENT, ['refresh', '--server', url, '--token', CLIENT, ...args], { PATH: `${bin}:${process.env['PATH'] ?? ''}`, CP_COMMAND_LOG: log });
  const commands = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '') : []);
  const uefi = existsSync('/sys/firmware/efi');
  const rebootLine = existsSync('/run/systemd/system') ? 'systemctl reboot' : 'reboot';

  it('exit 8 naming the machine while no deployment targets it; re-arms, sets the next boot and reboots once one does; history keeps each re-arm', async () => {
    const none = await agentRefresh('--no-reboot');
    expect(none.code).toBe(8);
    expect(none.stderr).toMatch(/^castpoint-agent: The DP at http:\/\/127\.0\.0\.1:\d+ re-armed nothing: machine (unknown-[0-9a-f]{12}) has no required deployment to re-arm \(no deployment targets it\)\. \(exit 8, nothing-to-do\)\n$/);
    const machine = /machine (unknown-[0-9a-f]{12})/.exec(none.stderr)?.[1] ?? '';
    // Nothing was set or rebooted (on a UEFI host only the listing was read).
    expect(commands()).toEqual(uefi ? ['efibootmgr -v'] : []);

    expect((await dp('image', 'add', 'v2', path.join(dir, 'v2.img'))).code).toBe(0);
    expect((await dp('collection', 'add', 'strays', '--rule', 'unknown')).code).toBe(0);
    expect((await dp('deployment', 'add', 'lab-v2', '--image', 'v2', '--collection', 'strays')).code).toBe(0);

    const dry = await agentRefresh('--no-reboot', '--json');
    expect(dry.code).toBe(0);
    const steps = dry.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(steps.map((s) => s['step'])).toEqual(uefi ? ['identity', 'firmware', 'rearm', 'next-boot', 'reboot'] : ['identity', 'firmware', 'rearm', 'reboot']);
    // Pending already (it never ran here): nothing to delete, said so.
    expect(steps.find((s) => s['step'] === 'rearm')).toMatchObject({ machine, deployment: 'lab-v2', image: 'v2', rearmed: 0 });
    expect(steps.at(-1)).toMatchObject({ rebooted: false, command: rebootLine.split(' ') });
    expect(commands().filter((c) => !c.startsWith('efibootmgr'))).toEqual([]);

    // The deployment runs on the machine (its agent reports success): it is used up until re-armed.
    const macs = (JSON.parse((await dp('machine', 'show', machine, '--json')).stdout) as { macs: string[] }).macs;
    const report = await fetch(`${url}/api/v1/agent/assignment/report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ macs, deployment: 'lab-v2', result: 'ok', startedAt: new Date().toISOString(), exitCode: 0, message: 'deployed v1' }),
    });
    expect(report.status).toBe(204);

    const rebooted = await agentRefresh();
    expect(rebooted.code).toBe(0);
    expect(rebooted.stdout).toContain(`castpoint-agent refresh: the DP re-armed deployment lab-v2 (image v2) for machine ${machine}`);
    expect(rebooted.stdout).toContain(`castpoint-agent refresh: rebooting: ${rebootLine}`);
    expect(commands().at(-1)).toBe(rebootLine);
    if (uefi) expect(commands()).toContain('efibootmgr --bootnext 0002');

    const history = JSON.parse((await dp('history', '--machine', machine, '--json')).stdout) as Array<{ result: string; deployment: string }>;
    expect(history.filter((h) => h.result === 'rearmed').map((h) => h.deployment)).toEqual(['lab-v2', 'lab-v2']);
  }, 300_000);

  it('a flag it does not know is exit 2 and nothing is contacted', async () => {
    const r = await agentRefresh('--reboot-now');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('reboot-now');
  }, 60_000);
});
