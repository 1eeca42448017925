import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DP_CORE_ERROR_CODES, DP_ERROR_STATUS } from '../errors';
import { DEPLOY_ERROR_CODES } from '../deployments/errors';
import { BOOT_ERROR_CODES, BOOT_ERROR_STATUS } from './errors';

describe('boot error codes', () => {
  it('are unique against the other DP codes, each has a sentence, its HTTP status in the one table, and a line in docs/netboot.md', () => {
    const doc = readFileSync(path.join(__dirname, '../../../../docs/netboot.md'), 'utf8');
    for (const [code, sentence] of Object.entries(BOOT_ERROR_CODES)) {
      const c = code as keyof typeof BOOT_ERROR_CODES;
      expect(code).toMatch(/^DP_BOOT[A-Z_]*$/);
      expect(Object.keys(DP_CORE_ERROR_CODES)).not.toContain(code);
      expect(Object.keys(DEPLOY_ERROR_CODES)).not.toContain(code);
      expect(DP_ERROR_STATUS[c]).toBe(BOOT_ERROR_STATUS[c]);
      expect(sentence).toMatch(/^[A-Z].{15,}[.)]$/);
      expect(doc).toContain(`| \`${code}\` | ${BOOT_ERROR_STATUS[c]}`);
    }
    expect(Object.keys(BOOT_ERROR_STATUS).sort()).toEqual(Object.keys(BOOT_ERROR_CODES).sort());
  });
});
