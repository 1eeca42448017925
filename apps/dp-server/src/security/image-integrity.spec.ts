// Issue 22.5: an image edited in place with its mtime restored passed every check before a
// session and failed at one chunk in each; agents asked again for ever. The first failed read
// now marks it broken, ends its sessions saying so, and refuses it until it is added again.
import { ChunkingError } from '@castpoint/chunking';
import type { AgentRequestReply } from '@castpoint/wire';
import { addImage, admin, ask, client, harness, harnessPerTest, type Harness } from '../testing/harness';

const changed = () =>
  new ChunkingError('CHUNKING_IMAGE_CHANGED', 'image file /x/disk.img changed during the session: chunk 1 no longer matches the manifest', { chunk: 1 });

async function request(h: Harness): Promise<{ statusCode: number; body: { error?: string; message?: string } }> {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'late' } });
  return { statusCode: r.statusCode, body: r.json() };
}

describe('an image whose file fails its manifest while being sent', () => {
  const make = harnessPerTest();

  async function breakIt(h: Harness): Promise<Extract<AgentRequestReply, { status: 'join' }>> {
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc');
    if (a.status !== 'join') throw new Error('expected join');
    h.runners[0]?.events.failed(changed());
    await new Promise((r) => setImmediate(r));
    return a;
  }

  it('ends its session with a signed kick saying the image is broken, and refuses new sessions (409)', async () => {
    const h = await make();
    const a = await breakIt(h);
    expect(h.runners[0]?.closed).toEqual({ reason: 'fail', detail: expect.stringMatching(/image img is broken on the DP \(.*chunk 1 no longer matches.*\): remove it and add it again/) });
    const s = (await h.app.inject({ method: 'GET', url: `/api/v1/sessions/${a.session.id}`, headers: admin })).json<{ state: string; endReason: string }>();
    expect(s).toMatchObject({ state: 'failed', endReason: expect.stringMatching(/broken/) });
    const again = await request(h);
    expect(again).toMatchObject({ statusCode: 409, body: { error: 'DP_IMAGE_BROKEN', message: expect.stringMatching(/image img is broken/) } });
    // No new session was opened for it: the agent is not sent round the loop again.
    expect(h.runners).toHaveLength(1);
  });

  it('is shown broken in the image list and refused for unicast downloads', async () => {
    const h = await make();
    await breakIt(h);
    const list = (await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin })).json<Array<{ name: string; broken?: { reason: string } }>>();
    expect(list[0]?.broken?.reason).toMatch(/chunk 1/);
    const content = await h.app.inject({ method: 'GET', url: '/api/v1/agent/images/img/content', headers: { ...client, range: 'bytes=0-9' } });
    expect(content.statusCode).toBe(409);
  });

  it('stays refused after a DP restart, until the image is removed and added again', async () => {
    const first = await harness({}, undefined, (f) => f, 0, { persist: true });
    await breakIt(first);
    await first.app.close();
    const h = await make({}, first.dir);
    expect((await request(h)).statusCode).toBe(409);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/images/img', headers: admin })).statusCode).toBeLessThan(300);
    await addImage(h, 'img');
    expect((await ask(h, 'img', 'pc')).status).toBe('join');
  });

  it('other runner failures fail the session only: the image stays usable', async () => {
    const h = await make();
    await addImage(h, 'img');
    await ask(h, 'img', 'pc');
    h.runners[0]?.events.failed(new Error('socket closed'));
    await new Promise((r) => setImmediate(r));
    expect((await ask(h, 'img', 'pc2')).status).toBe('join');
  });
});
