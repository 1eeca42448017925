import { DP_ERROR_CODES, DP_ERROR_STATUS } from './errors';

describe('DP error codes', () => {
  it('are unique, documented with a sentence, and each has an HTTP status', () => {
    const codes = Object.keys(DP_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [code, doc] of Object.entries(DP_ERROR_CODES)) {
      expect(code).toMatch(/^DP_[A-Z_]+$/);
      expect(doc).toMatch(/^[A-Z].{15,}\.$/);
      expect(DP_ERROR_STATUS[code as keyof typeof DP_ERROR_CODES]).toBeGreaterThanOrEqual(400);
    }
    expect(Object.keys(DP_ERROR_STATUS).sort()).toEqual([...codes].sort());
  });
});
