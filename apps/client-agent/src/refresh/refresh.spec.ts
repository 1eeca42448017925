import { AgentError, EXIT, exitCodeOf } from '../errors';
import { DpClient } from '../dp/dp-client';
import type { httpExchange } from '../dp/http-exchange';
import { FakeClock } from '../testing/fake-clock';
import { BCD_OVMF, EFI_HP_INACTIVE, EFI_OVMF } from './boot-fixtures';
import type { RefreshAnswer, RefreshRequest } from './refresh-api';
import { refresh, type OutputRunner, type RefreshDeps, type RefreshOptions } from './refresh';

const MAC = '52:54:00:a1:00:01';
const ANSWER: RefreshAnswer = { machine: 'lab-01', deployment: 'lab-v2', image: 'lab-v2.img', rearmed: 1 };

/** A machine whose commands are recorded and answered from a table; nothing is ever run. */
function machine(over: Partial<RefreshDeps> & { answers?: Record<string, { code: number | null; stdout?: string; stderr?: string }>; dpAnswer?: () => Promise<RefreshAnswer> } = {}) {
  const commands: string[] = [];
  const asked: RefreshRequest[] = [];
  const printed: string[] = [];
  const { answers = {}, dpAnswer = async () => ANSWER, ...deps } = over;
  const exec: OutputRunner = async (cmd, args) => {
    const line = [cmd, ...args].join(' ');
    commands.push(line);
    const a = answers[line] ?? { code: 0 };
    return { code: a.code, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
  };
  const full: RefreshDeps = {
    dp: {
      refresh: async (b) => {
        asked.push(b);
        return dpAnswer();
      },
    },
    identity: () => ({ macs: [MAC], uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', model: 'Standard PC (Q35 + ICH9, 2009)' }),
    platform: 'linux',
    uefi: () => true,
    systemd: true,
    exec,
    clock: new FakeClock(Date.parse('2026-12-06T07:00:00Z')),
    out: (t) => printed.push(t),
    ...deps,
  };
  return { deps: full, commands, asked, printed };
}

const opts = (over: Partial<RefreshOptions> = {}): RefreshOptions => ({ server: 'http://10.0.0.5:8080', reboot: true, json: false, ...over });

async function failure(p: Promise<unknown>): Promise<AgentError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof AgentError)) throw new Error(`expected an AgentError, got ${String(e)}`);
  return e;
}

describe('refresh', () => {
  it('Linux UEFI: reads the entries, re-arms on the DP, sets BootNext to the PXEv4 entry of this NIC, then systemctl reboot', async () => {
    const m = machine({ answers: { 'efibootmgr -v': { code: 0, stdout: EFI_OVMF } } });
    expect(await refresh(opts({ deployment: 'lab-v2' }), m.deps)).toBe(EXIT.ok);
    expect(m.commands).toEqual(['efibootmgr -v', 'efibootmgr --bootnext 0002', 'systemctl reboot']);
    expect(m.asked).toEqual([{ macs: [MAC], uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', model: 'Standard PC (Q35 + ICH9, 2009)', deployment: 'lab-v2' }]);
    expect(m.printed.join('')).toBe(
      [
        'castpoint-agent refresh: this machine: 52:54:00:a1:00:01, Standard PC (Q35 + ICH9, 2009)',
        `castpoint-agent refresh: network boot entry 0002 "UEFI PXEv4 (MAC:525400A10001)" (PXE over IPv4, this machine's NIC ${MAC})`,
        'castpoint-agent refresh: the DP re-armed deployment lab-v2 (image lab-v2.img) for machine lab-01',
        'castpoint-agent refresh: the next boot is entry 0002 (efibootmgr --bootnext 0002)',
        'castpoint-agent refresh: rebooting: systemctl reboot',
        '',
      ].join('\n'),
    );
  });

  it('--no-reboot: re-arms and sets the next boot, prints the reboot it would run, runs none, exits 0', async () => {
    const m = machine({ answers: { 'efibootmgr -v': { code: 0, stdout: EFI_OVMF } }, dpAnswer: async () => ({ ...ANSWER, rearmed: 0 }) });
    expect(await refresh(opts({ reboot: false }), m.deps)).toBe(EXIT.ok);
    expect(m.commands).toEqual(['efibootmgr -v', 'efibootmgr --bootnext 0002']);
    expect(m.asked[0]).not.toHaveProperty('deployment');
    expect(m.printed.join('')).toContain('the DP already had pending deployment lab-v2');
    expect(m.printed.at(-1)).toBe('castpoint-agent refresh: not rebooting (--no-reboot); would run: systemctl reboot; the next restart, whenever it is, boots from the network\n');
  });

  it('--json: one JSON object per step, the last one saying what would be run', async () => {
    const m = machine({ answers: { 'efibootmgr -v': { code: 0, stdout: EFI_OVMF } } });
    await refresh(opts({ reboot: false, json: true }), m.deps);
    const lines = m.printed.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['step'])).toEqual(['identity', 'firmware', 'rearm', 'next-boot', 'reboot']);
    expect(lines[2]).toMatchObject({ time: '2026-12-06T07:00:00.000Z', machine: 'lab-01', deployment: 'lab-v2', rearmed: 1 });
    expect(lines[4]).toMatchObject({ command: ['systemctl', 'reboot'], rebooted: false });
  });

  it('Linux BIOS: no efibootmgr, says network-first boot order is required, and reboots with plain reboot without systemd', async () => {
    const m = machine({ uefi: () => false, systemd: false });
    expect(await refresh(opts(), m.deps)).toBe(EXIT.ok);
    expect(m.commands).toEqual(['reboot']);
    expect(m.printed[1]).toMatch(/boots by BIOS \(no \/sys\/firmware\/efi\).*only if the firmware boot order puts the network first/);
  });

  it('Windows: bcdedit /enum firmware, bootsequence set to the PXEv4 entry of this NIC, shutdown /r /t 0', async () => {
    const m = machine({ platform: 'win32', identity: () => ({ macs: ['52:54:00:a1:00:02'] }), answers: { 'bcdedit /enum firmware': { code: 0, stdout: BCD_OVMF } } });
    expect(await refresh(opts(), m.deps)).toBe(EXIT.ok);
    expect(m.commands).toEqual(['bcdedit /enum firmware', 'bcdedit /set {fwbootmgr} bootsequence {7d3a1c42-0000-11ef-8000-525400a10002}', 'shutdown /r /t 0']);
  });

  it.each<[string, Parameters<typeof machine>[0], RegExp]>([
    ['no active network entry (names the inactive one and how to enable it)', { answers: { 'efibootmgr -v': { code: 0, stdout: EFI_HP_INACTIVE } } }, /^efibootmgr -v: the network boot entries are inactive: 0000 "IPV4 Network - Intel\(R\) Ethernet Connection I219-LM"; enable one with efibootmgr -b 0000 -a\. Nothing was re-armed/],
    ['efibootmgr not installed', { answers: { 'efibootmgr -v': { code: null } } }, /^efibootmgr could not be started: install it \(Debian\/Ubuntu: apt-get install efibootmgr\)/],
    ['efibootmgr fails (not root)', { answers: { 'efibootmgr -v': { code: 2, stderr: 'Could not read variable: Permission denied' } } }, /^"efibootmgr -v" failed \(exit 2: Could not read variable: Permission denied\): refresh must run as root/],
    ['bcdedit refused (not Administrator)', { platform: 'win32', answers: { 'bcdedit /enum firmware': { code: 1, stdout: 'The boot configuration data store could not be opened.\r\nAccess is denied.\r\n' } } }, /^"bcdedit \/enum firmware" failed \(exit 1: The boot configuration data store could not be opened\. Access is denied\.\): run refresh as Administrator/],
  ])('refuses before asking the DP, changing nothing, when the next boot cannot be the network: %s (exit 10)', async (_why, over, message) => {
    const m = machine(over);
    const e = await failure(refresh(opts(), m.deps));
    expect([e.code, exitCodeOf(e)]).toEqual(['netboot-unavailable', 10]);
    expect(e.message).toMatch(message);
    expect(m.asked).toEqual([]);
    expect(m.commands).toHaveLength(1);
  });

  it('the DP re-arms nothing: its error goes up, no boot entry is set and nothing reboots', async () => {
    const m = machine({ answers: { 'efibootmgr -v': { code: 0, stdout: EFI_OVMF } }, dpAnswer: async () => Promise.reject(new AgentError('nothing-to-do', 'The DP re-armed nothing: machine lab-01 has no required deployment to re-arm')) });
    const e = await failure(refresh(opts(), m.deps));
    expect(exitCodeOf(e)).toBe(EXIT.nothingToDo);
    expect(m.commands).toEqual(['efibootmgr -v']);
  });

  it('waits out a DP that is briefly away (its patience, on the injected clock)', async () => {
    let calls = 0;
    const m = machine({
      answers: { 'efibootmgr -v': { code: 0, stdout: EFI_OVMF } },
      dpAnswer: async () => {
        calls += 1;
        if (calls < 3) throw new AgentError('dp-unreachable', 'The DP at http://10.0.0.5:8080 cannot be reached: connection refused');
        return ANSWER;
      },
    });
    expect(await refresh(opts({ reboot: false }), m.deps)).toBe(EXIT.ok);
    expect(calls).toBe(3);
    expect((m.deps.clock as FakeClock).sleeps).toEqual([500, 1000]);
  });

  it.each<[string, Record<string, { code: number | null; stderr?: string }>, string[], RegExp]>([
    ['BootNext cannot be set: not rebooted', { 'efibootmgr --bootnext 0002': { code: 5, stderr: 'Could not set BootNext: Read-only file system' } }, ['efibootmgr -v', 'efibootmgr --bootnext 0002'], /^deployment lab-v2 is pending on the DP, but "efibootmgr --bootnext 0002" failed \(exit 5: Could not set BootNext: Read-only file system\): the machine was not rebooted/],
    ['the reboot command fails', { 'systemctl reboot': { code: 1, stderr: 'Failed to reboot: Access denied' } }, ['efibootmgr -v', 'efibootmgr --bootnext 0002', 'systemctl reboot'], /^deployment lab-v2 is pending on the DP and the next boot is the network, but "systemctl reboot" failed \(exit 1: Failed to reboot: Access denied\): restart the machine by hand/],
  ])('after the re-arm: %s (exit 10, the message says the deployment is pending)', async (_why, answers, commands, message) => {
    const m = machine({ answers: { 'efibootmgr -v': { code: 0, stdout: EFI_OVMF }, ...answers } });
    const e = await failure(refresh(opts(), m.deps));
    expect(exitCodeOf(e)).toBe(EXIT.netbootUnavailable);
    expect(e.message).toMatch(message);
    expect(m.commands).toEqual(commands);
  });

  it('refuses a machine without MACs (exit 2) and a platform it does not know', async () => {
    expect(exitCodeOf(await failure(refresh(opts(), machine({ identity: () => ({ macs: [] }) }).deps)))).toBe(EXIT.usage);
    expect((await failure(refresh(opts(), machine({ platform: 'darwin' }).deps))).message).toBe('castpoint-agent refresh runs on Linux and Windows, not darwin');
  });
});

describe('DpClient.refresh', () => {
  const answering = (status: number, body: unknown): typeof httpExchange => async () => ({ status, body: Buffer.from(JSON.stringify(body)) });
  const client = (status: number, body: unknown) => new DpClient({ server: 'http://dp.lan', token: 't', exchange: answering(status, body) });

  it('posts to /api/v1/agent/refresh and reads the answer', async () => {
    const seen: Array<{ url: string; body?: string | Uint8Array; auth?: string }> = [];
    const exchange: typeof httpExchange = async (url, o) => {
      seen.push({ url: url.href, ...(o.body === undefined ? {} : { body: o.body }), ...(o.headers['authorization'] ? { auth: o.headers['authorization'] } : {}) });
      return { status: 200, body: Buffer.from(JSON.stringify(ANSWER)) };
    };
    expect(await new DpClient({ server: 'http://dp.lan', token: 't', exchange }).refresh({ macs: [MAC], deployment: 'lab-v2' })).toEqual(ANSWER);
    expect(seen).toEqual([{ url: 'http://dp.lan/api/v1/agent/refresh', body: JSON.stringify({ macs: [MAC], deployment: 'lab-v2' }), auth: 'Bearer t' }]);
  });

  it.each<[number, string, string, number, string]>([
    [409, 'DP_NO_DEPLOYMENT', 'machine lab-01 has no required deployment to re-arm (no deployment targets it)', EXIT.nothingToDo, 'The DP at http://dp.lan re-armed nothing: machine lab-01 has no required deployment to re-arm (no deployment targets it)'],
    [404, 'DP_DEPLOYMENT_NOT_FOUND', 'no deployment lab-v9', EXIT.nothingToDo, 'The DP at http://dp.lan re-armed nothing: no deployment lab-v9'],
    [409, 'DP_DEPLOYMENT_AMBIGUOUS', 'required deployments a, b all target machine lab-01: name the one to re-arm', EXIT.dpUnreachable, 'The DP at http://dp.lan re-armed nothing: required deployments a, b all target machine lab-01: name the one to re-arm (give --deployment NAME)'],
    [409, 'DP_IDENTIFIER_TAKEN', 'the MACs x, y belong to machines p, q', EXIT.dpUnreachable, 'The DP at http://dp.lan re-armed nothing: the MACs x, y belong to machines p, q'],
  ])('HTTP %d %s: the DP\'s words and the exit code they mean', async (status, error, message, exit, said) => {
    const e = await failure(client(status, { error, message }).refresh({ macs: [MAC] }));
    expect([exitCodeOf(e), e.message]).toEqual([exit, said]);
  });

  it('a malformed answer or a bad token is the DP refusing (exit 3)', async () => {
    expect((await failure(client(200, { machine: 'x' }).refresh({ macs: [MAC] }))).message).toBe('The DP sent a malformed refresh answer: rearmed is not a count');
    const auth = await failure(client(403, { error: 'FORBIDDEN', message: 'the token presented is not the client token' }).refresh({ macs: [MAC] }));
    expect([auth.code, exitCodeOf(auth)]).toEqual(['dp-refused', 3]);
  });
});
