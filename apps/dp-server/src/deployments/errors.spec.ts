import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DP_CORE_ERROR_CODES, DP_ERROR_STATUS } from '../errors';
import { DEPLOY_ERROR_CODES, DEPLOY_ERROR_STATUS } from './errors';

describe('deployment error codes', () => {
  it('are unique (here and against the other DP codes), each has a sentence, an HTTP status and a line in docs/deployments.md', () => {
    const codes = Object.keys(DEPLOY_ERROR_CODES);
    const doc = readFileSync(path.join(__dirname, '../../../../docs/deployments.md'), 'utf8');
    for (const [code, sentence] of Object.entries(DEPLOY_ERROR_CODES)) {
      expect(code).toMatch(/^DP_[A-Z_]+$/);
      expect(Object.keys(DP_CORE_ERROR_CODES)).not.toContain(code);
      // The API's one status table answers it as this table says.
      expect(DP_ERROR_STATUS[code as keyof typeof DEPLOY_ERROR_CODES]).toBe(DEPLOY_ERROR_STATUS[code as keyof typeof DEPLOY_ERROR_CODES]);
      expect(sentence).toMatch(/^[A-Z].{15,}\.$/);
      expect(DEPLOY_ERROR_STATUS[code as keyof typeof DEPLOY_ERROR_CODES]).toBeGreaterThanOrEqual(400);
      expect(doc).toContain(`\`${code}\``);
    }
    expect(Object.keys(DEPLOY_ERROR_STATUS).sort()).toEqual([...codes].sort());
  });
});
