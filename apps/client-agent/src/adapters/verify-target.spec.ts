// Read-back of an image with unused chunks: only data and zero chunks are hashed (the target keeps
// its own bytes in unused ones); a damaged data chunk is still caught.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_VERSION, type Manifest } from '@castpoint/wire';
import { findDamagedChunks, verifyTargetImage } from './verify-target';

const CS = 4096;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'agent-verify-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('skips unused chunks, checks the others', async () => {
  const image = Buffer.alloc(3 * CS, 0x11);
  image.fill(0, CS, 2 * CS); // chunk 1 is unused: the DP's copy holds zeros
  const chunks = [0, 1, 2].map((i) => sha(image.subarray(i * CS, (i + 1) * CS)));
  const m: Manifest = { version: MANIFEST_VERSION, size: image.length, chunkSize: CS, sha256: sha(image), chunks, zeroChunks: [], unusedChunks: [1] };
  const target = Buffer.from(image);
  target.fill(0xee, CS, 2 * CS); // old bytes kept in the unused chunk
  const path = join(dir, 't.img');
  writeFileSync(path, target);
  await expect(verifyTargetImage(path, m)).resolves.toBeUndefined();
  expect(await findDamagedChunks(path, m)).toEqual([]);
  target[2 * CS + 5] = 0;
  writeFileSync(path, target);
  await expect(verifyTargetImage(path, m)).rejects.toMatchObject({ code: 'verification-failed' });
  expect(await findDamagedChunks(path, m)).toEqual([2]);
});
