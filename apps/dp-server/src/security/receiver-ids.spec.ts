import { generateKeyPairSync } from 'node:crypto';
import { MAX_RECEIVER_ID, ReceiverIdCipher } from './receiver-ids';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('ReceiverIdCipher', () => {
  it('gives the first 5000 registrations distinct ids in 1..2^31-1', () => {
    const c = new ReceiverIdCipher(KEY);
    const ids = new Set<number>();
    for (let n = 1; n <= 5000; n++) {
      const id = c.idFor(n);
      expect(id >= 1 && id <= MAX_RECEIVER_ID).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(5000);
  });

  it('does not hand out ids an insider can count: consecutive registrations land far apart', () => {
    const c = new ReceiverIdCipher(KEY);
    const ids = Array.from({ length: 1000 }, (_, i) => c.idFor(i + 1));
    // Sequential ids (today's 1, 2, 3 ...) would all sit below 5000, where the insider's kicks went.
    expect(ids.filter((id) => id <= 5000)).toEqual([]);
    // Spread over the whole range: the top and bottom halves each get a good share.
    expect(ids.filter((id) => id > MAX_RECEIVER_ID / 2).length).toBeGreaterThan(400);
    expect(ids.filter((id) => id <= MAX_RECEIVER_ID / 2).length).toBeGreaterThan(400);
  });

  it('is stable for one key (ids survive a restart) and differs between keys', () => {
    const a = new ReceiverIdCipher(KEY);
    const b = new ReceiverIdCipher(KEY);
    const other = new ReceiverIdCipher(new Uint8Array(32).fill(7));
    expect(a.idFor(42)).toBe(b.idFor(42));
    expect(a.idFor(42)).not.toBe(other.idFor(42));
  });

  it('derives its key from the DP signing key, the same for the same key', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(ReceiverIdCipher.fromSigningKey(privateKey).idFor(7)).toBe(ReceiverIdCipher.fromSigningKey(privateKey).idFor(7));
  });

  it.each([0, -1, 2 ** 31, 1.5])('refuses counter %p', (n) => {
    expect(() => new ReceiverIdCipher(KEY).idFor(n)).toThrow(RangeError);
  });
});
