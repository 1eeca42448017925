// What an agent learns when it joins that keeps other agents from speaking as the DP or as it:
// the DP's public signing key, and a receiver id nobody can count to.
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSessionKey, decodePacket, encodePacket, publicKeyFromBase64, type AgentRequestReply } from '@castpoint/wire';
import { addImage, ask, harness, harnessPerTest, type Harness } from '../testing/harness';
import { SIGNING_KEY_FILE } from './signing-key-file';

const joined = (r: AgentRequestReply) => {
  if (r.status !== 'join') throw new Error(`expected join, got ${r.status}`);
  return r;
};

describe('joining a session', () => {
  const make = harnessPerTest();
  const keyFile = (h: Harness) => join(h.dir, 'data', SIGNING_KEY_FILE);

  it('gives receiver ids that cannot be counted: not 1, 2, 3 ... and spread over 31 bits', async () => {
    const h = await make();
    await addImage(h, 'img');
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push(joined(await ask(h, 'img', `pc${i}`)).receiverId);
    expect(new Set(ids).size).toBe(8);
    // The insider's attack kicked ids 1..5000; none of these is there, and none follows another.
    expect(ids.filter((id) => id <= 5000)).toEqual([]);
    for (let i = 1; i < ids.length; i++) expect(Math.abs((ids[i] as number) - (ids[i - 1] as number))).toBeGreaterThan(1000);
    for (const id of ids) expect(id > 0 && id < 0x80000000).toBe(true);
  });

  it('hands out the DP public key, whose signatures the agent then checks', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = joined(await ask(h, 'img', 'pc'));
    expect(a.session.signingKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const spec = h.runners[0]?.spec;
    if (!spec) throw new Error('no runner');
    const sessionKey = createSessionKey(spec.key, spec.encrypted);
    const kick = { type: 'kick', receiverId: a.receiverId, reason: 'fail', detail: 'x' } as const;
    const envelope = { sessionId: a.session.id, senderId: spec.senderId, seq: 1n, sentAtMs: 0 };
    const expect_ = { sessionId: a.session.id, dpPublicKey: publicKeyFromBase64(a.session.signingKey ?? '') };
    // Signed by the runner's key: accepted. Made with the session key alone (an insider): refused.
    expect(decodePacket(encodePacket(envelope, kick, sessionKey, { signer: spec.signer }), sessionKey, expect_).ok).toBe(true);
    const forged = decodePacket(encodePacket(envelope, kick, sessionKey), sessionKey, expect_);
    expect(!forged.ok && forged.error.code).toBe('WIRE_UNSIGNED');
  });

  it('keeps one signing key in the data dir, mode 0600, across restarts', async () => {
    const first = await harness({}, undefined, (f) => f, 0, { persist: true });
    await addImage(first, 'img');
    const before = joined(await ask(first, 'img', 'pc')).session.signingKey;
    expect(statSync(keyFile(first)).mode & 0o777).toBe(0o600);
    await first.app.close();
    const again = await make({}, first.dir);
    expect(joined(await ask(again, 'img', 'pc')).session.signingKey).toBe(before);
    expect(readFileSync(keyFile(again), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('refuses to start with a signing key file others can read', async () => {
    const first = await make();
    await first.app.close();
    chmodSync(keyFile(first), 0o644);
    await expect(harness({}, first.dir)).rejects.toMatchObject({ code: 'DP_BAD_SETTING', message: expect.stringMatching(/readable by others/) });
  });
});
