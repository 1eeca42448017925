// The WinPE kit: its scripts as text (firewall rule for the session ports only, the firewall never
// turned off, run with the server and token from settings.cmd, CRLF), and `bootenv winpe` writing
// them beside the agent with check-dlls.cmd made from the executable's own import table (koffi's
// win32-x64 module stands in for the 75 MB agent: a real PE from the npm package).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../cli/api-args';
import type { CliIo } from '../cli/io';
import { bootenvWinpe } from '../cli/winpe-command';
import { kitFiles } from './kit-files';

const PE = path.join(__dirname, '../../../../node_modules/koffi/build/koffi/win32_x64/koffi.node');
const text = (files: ReturnType<typeof kitFiles>, p: string): string => files.find((f) => f.path === p)?.text ?? `(no ${p})`;

describe('kitFiles', () => {
  const files = kitFiles({ server: 'http://10.0.0.5:8080', token: 'client-secret-token', portLow: 63000, portHigh: 64000, dlls: ['KERNEL32.dll', 'WS2_32.dll', 'kernel32.dll', 'NODE.EXE'] });

  it.each<[string, string[]]>([
    ['Windows/System32/startnet.cmd', ['wpeinit', 'wpeutil WaitForNetwork', 'call X:\\castpoint\\firewall.cmd', 'call X:\\castpoint\\deploy.cmd', '']],
    ['castpoint/settings.cmd', [expect.stringMatching(/^rem /) as unknown as string, 'set CASTPOINT_SERVER=http://10.0.0.5:8080', 'set CASTPOINT_TOKEN=client-secret-token', '']],
  ])('%s', (p, lines) => {
    expect(text(files, p).split('\r\n')).toEqual(lines);
  });

  it('opens inbound UDP on the session ports for the agent only, and never turns the firewall off', () => {
    const fw = text(files, 'castpoint/firewall.cmd');
    expect(fw).toContain('netsh advfirewall firewall add rule name="castpoint sessions (UDP in)" dir=in action=allow protocol=UDP localport=63000-64000 program="X:\\castpoint\\castpoint-agent.exe" enable=yes\r\n');
    const all = files.map((f) => f.text).join('');
    expect(all).not.toMatch(/DisableFirewall|state off|opmode disable/i);
  });

  it('runs the agent with the server of settings.cmd and says what a failure means', () => {
    const d = text(files, 'castpoint/deploy.cmd');
    expect(d).toContain('"X:\\castpoint\\castpoint-agent.exe" run --server %CASTPOINT_SERVER% --state-dir X:\\castpoint\\state --json > X:\\castpoint\\agent.log\r\n');
    expect(d).toContain('if "%CASTPOINT_SERVER%"=="" (');
    expect(d).toMatch(/5 disk refused/);
  });

  it('checks each imported DLL once, lower-case, not the N-API host', () => {
    const c = text(files, 'castpoint/check-dlls.cmd');
    expect(c.match(/^if not exist .*$/gm)).toEqual([
      'if not exist %SystemRoot%\\System32\\kernel32.dll (echo missing: kernel32.dll& set MISSING=1)',
      'if not exist %SystemRoot%\\System32\\ws2_32.dll (echo missing: ws2_32.dll& set MISSING=1)',
    ]);
  });

  it.each<[string, Parameters<typeof kitFiles>[0], RegExp]>([
    ['a token cmd.exe would interpret', { token: 'a&b', portLow: 1, portHigh: 2, dlls: [] }, /--token "a&b" holds a character cmd.exe would interpret/],
    ['a port range upside down', { portLow: 64000, portHigh: 63000, dlls: [] }, /64000-63000 are not a port range/],
  ])('refuses %s', (_n, s, message) => {
    expect(() => kitFiles(s)).toThrow(message);
  });
});

describe('castpoint-dp bootenv winpe', () => {
  const out: string[] = [];
  const io: CliIo = { out: (t) => void out.push(t), err: () => undefined, errIsTty: false, now: () => 0, every: () => () => undefined };
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'winpe-kit-'));
    out.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the agent and the scripts laid out like boot.wim, and lists what the agent imports', () => {
    bootenvWinpe({ out: dir, agent: PE, server: 'http://10.0.0.5:8080/', 'port-range': '62000-62100' }, io);
    expect(readFileSync(path.join(dir, 'castpoint/castpoint-agent.exe')).equals(readFileSync(PE))).toBe(true);
    expect(readFileSync(path.join(dir, 'castpoint/firewall.cmd'), 'utf8')).toContain('localport=62000-62100');
    expect(readFileSync(path.join(dir, 'castpoint/settings.cmd'), 'utf8')).toContain('set CASTPOINT_SERVER=http://10.0.0.5:8080\r\n');
    expect(readFileSync(path.join(dir, 'Windows/System32/startnet.cmd'), 'utf8')).toMatch(/^wpeinit\r\n/);
    expect(readFileSync(path.join(dir, 'castpoint/check-dlls.cmd'), 'utf8')).toMatch(/advapi32\.dll[\s\S]*kernel32\.dll/);
    expect(out.join('')).toContain('the agent imports KERNEL32.dll, ADVAPI32.dll; delay-loads NODE.EXE');
  });

  it.each<[string, object, RegExp]>([
    ['no --out', {}, /give --out DIR/],
    ['a server that is not a URL', { server: '10.0.0.5' }, /--server must be the DP's URL/],
    ['an agent that is missing', { agent: '/nonexistent/agent.exe' }, /no castpoint-agent Windows executable at \/nonexistent\/agent\.exe/],
    ['an agent that is not a PE', { agent: __filename }, /not a PE32\+ executable: no MZ header/],
  ])('refuses %s (usage, exit 2)', (_n, args, message) => {
    const a = { out: dir, agent: PE, ...args } as Parameters<typeof bootenvWinpe>[0];
    if (!('out' in args) && Object.keys(args).length === 0) delete (a as { out?: string }).out;
    expect(() => bootenvWinpe(a, io)).toThrow(UsageError);
    expect(() => bootenvWinpe(a, io)).toThrow(message);
  });
});
