import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpBaselineInitrd, httpFetchScript } from './vm-http-baseline';

describe('httpFetchScript', () => {
  it('is a valid sh script that wgets the agent image route with the token and checks the SHA-256', () => {
    const s = httpFetchScript();
    expect(spawnSync('sh', ['-n'], { input: s }).status).toBe(0);
    expect(s).toContain('--header "Authorization: Bearer $token" "$server/api/v1/agent/images/$image/content"');
    expect(s).toContain('[ "$got" = "$want" ] || { echo "sha256 mismatch');
    // The states the console timings read (vm-timings.ts), in order.
    expect([...s.matchAll(/"state":"(\w+)"/g)].map((m) => m[1])).toEqual(['receiving', 'verifying', 'done']);
  });
});

describe('httpBaselineInitrd', () => {
  it('appends a gzip cpio archive holding only the stand-in agent to the boot environment initrd', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cp-http-initrd-'));
    try {
      const base = path.join(dir, 'initrd.img');
      writeFileSync(base, Buffer.from('first archive bytes'));
      const out = httpBaselineInitrd(base, path.join(dir, 'out.img'));
      const all = readFileSync(out);
      expect(all.subarray(0, 19).toString()).toBe('first archive bytes');
      const overlay = all.subarray(statSync(base).size);
      const listing = execFileSync('sh', ['-c', 'gzip -dc | cpio --quiet -itv'], { input: overlay }).toString();
      expect(listing).toMatch(/^-rwxr-xr-x\s+1 root\s+root\s+\d+ .* opt\/castpoint\/castpoint-agent$/m);
      expect(listing.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
