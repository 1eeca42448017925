// Generated tokens: in 0600 files of the data directory, and only their place printed.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokenFile } from '../config/token-files';
import { saveGeneratedTokens, savedTokensNotice } from './generated-tokens';

const ADMIN = 'generated-admin-token-0000000000000000000001';
const CLIENT = 'generated-client-token-000000000000000000001';

describe('generated tokens', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cp-dp-gen-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each to DATA_DIR/ROLE.token with mode 0600, readable back as a token file', () => {
    // A stale file of another mode is replaced, not rewritten in place.
    writeFileSync(join(dir, 'admin.token'), 'old');
    chmodSync(join(dir, 'admin.token'), 0o644);
    const saved = saveGeneratedTokens(dir, { admin: ADMIN, client: CLIENT });
    expect(saved).toEqual([
      { role: 'admin', path: join(dir, 'admin.token') },
      { role: 'client', path: join(dir, 'client.token') },
    ]);
    for (const s of saved) expect(statSync(s.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'admin.token'), 'utf8')).toBe(`${ADMIN}\n`);
    expect(readTokenFile(join(dir, 'client.token'), 'client-token-file')).toBe(CLIENT);
  });

  it('writes only the generated ones, and prints where they are, never the tokens', () => {
    const saved = saveGeneratedTokens(dir, { client: CLIENT });
    expect(saved.map((s) => s.role)).toEqual(['client']);
    const notice = savedTokensNotice(saveGeneratedTokens(dir, { admin: ADMIN, client: CLIENT }));
    expect(notice).toBe(
      `admin token generated: ${join(dir, 'admin.token')} (mode 0600; give it to the CLI and the dashboard)\n` +
        `client token generated: ${join(dir, 'client.token')} (mode 0600; give it to the agents)\n`,
    );
    expect(notice).not.toContain(ADMIN);
    expect(savedTokensNotice([])).toBe('');
  });
});
