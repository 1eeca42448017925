// Tokens from files (--admin-token-file, --client-token-file, and the same in env and config):
// they keep the tokens out of `ps`; a file others can read is refused, as are both forms at once.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokenFile } from './token-files';
import { readConfigFile, resolveSettings } from './settings';

const base = { 'data-dir': '/var/lib/castpoint', listen: '0.0.0.0:8080', 'mcast-interface': '10.0.0.5' };
const ADMIN = 'admin-token-from-a-file-0001';
const CLIENT = 'client-token-from-a-file-001';

describe('token files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cp-dp-tokfile-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = (name: string, text: string, mode = 0o600): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    chmodSync(f, mode);
    return f;
  };

  it('reads each token from its file (a final newline is not part of it)', () => {
    const s = resolveSettings({ flags: { ...base, 'admin-token-file': tokenFile('admin', `${ADMIN}\n`), 'client-token-file': tokenFile('client', CLIENT, 0o400) } });
    expect(s.adminToken).toBe(ADMIN);
    expect(s.clientToken).toBe(CLIENT);
  });

  it('takes the files from the environment and the config file too', () => {
    const env = resolveSettings({ flags: base, env: { CASTPOINT_ADMIN_TOKEN_FILE: tokenFile('admin', ADMIN) } });
    expect(env.adminToken).toBe(ADMIN);
    const cfg = join(dir, 'dp.json');
    writeFileSync(cfg, JSON.stringify({ ...base, clientTokenFile: tokenFile('client', CLIENT) }));
    expect(resolveSettings({ file: readConfigFile(cfg) }).clientToken).toBe(CLIENT);
  });

  it.each([0o640, 0o604, 0o620, 0o644])('refuses a token file of mode %o (others may read or write it)', (mode) => {
    const f = tokenFile('admin', ADMIN, mode);
    expect(() => readTokenFile(f, 'admin-token-file')).toThrow(
      `admin-token-file ${f}: its group or other users may read or write it (mode 0${mode.toString(8)}): chmod 600 it`,
    );
  });

  it('refuses a token given both ways, whichever layers they come from', () => {
    const f = tokenFile('admin', ADMIN);
    expect(() => resolveSettings({ flags: { ...base, 'admin-token': ADMIN, 'admin-token-file': f } })).toThrow('admin-token and admin-token-file are both given');
    expect(() => resolveSettings({ env: { CASTPOINT_CLIENT_TOKEN: CLIENT }, flags: { ...base, 'client-token-file': tokenFile('client', CLIENT) } })).toThrow(
      'client-token and client-token-file are both given',
    );
  });

  it('refuses a missing file, a directory, a bad token, and equal admin and client tokens', () => {
    expect(() => readTokenFile(join(dir, 'nope'), 'client-token-file')).toThrow(/client-token-file .*nope: cannot read it: ENOENT/);
    expect(() => readTokenFile(dir, 'client-token-file')).toThrow(/not a regular file/);
    expect(() => readTokenFile(tokenFile('short', 'abc\n'), 'admin-token-file')).toThrow(/admin-token-file: a token is 16 to 256 characters/);
    expect(() => resolveSettings({ flags: { ...base, 'admin-token-file': tokenFile('a', ADMIN), 'client-token': ADMIN } })).toThrow(/admin-token and client-token must differ/);
  });
});
