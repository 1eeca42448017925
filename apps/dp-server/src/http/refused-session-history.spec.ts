import { utimesSync } from 'node:fs';
import { DpError } from '../errors';
import { addImage, admin, client, harness, type Harness } from '../testing/harness';
import { isRefusalForHistory } from './refused-session-history';

describe('refused session requests in the machine history', () => {
  it.each([
    ['an unknown image', true, new DpError('DP_IMAGE_NOT_FOUND', 'no image named x', { name: 'x' })],
    ['a changed image file', true, new DpError('DP_IMAGE_FILE', 'changed', { name: 'x' })],
    ['a broken image', true, new DpError('DP_IMAGE_BROKEN', 'broken', { name: 'x' })],
    ['a cancelled wait', true, new DpError('DP_SESSION_CANCELLED', 'cancelled', {})],
    ['a DP too busy (5xx: the DP, not the machine)', false, new DpError('DP_BUSY', 'busy', {})],
    ['a full disk on the DP', false, new DpError('DP_STORAGE_FULL', 'full', {})],
    ['an untyped error', false, new Error('boom')],
  ] as const)('%s: in the history: %s', (_what, recorded, err) => {
    expect(isRefusalForHistory(err)).toBe(recorded);
  });

  describe('through the API', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await harness();
      const add = await h.app.inject({ method: 'POST', url: '/api/v1/machines', headers: admin, payload: { name: 'pc-r1', macs: ['52:54:00:0f:00:01'] } });
      expect(add.statusCode).toBe(201);
    }, 180_000);
    afterAll(async () => {
      await h?.app.close();
    });

    const request = (image: string, macs?: string[]) => h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image, hostname: 'minint-1', ...(macs ? { macs } : {}) } });
    const history = async (machine: string) => (await h.app.inject({ method: 'GET', url: `/api/v1/machine-history?machine=${machine}`, headers: admin })).json<Array<Record<string, unknown>>>();

    it('records an unknown image and a changed image file for the machine the MACs name, and nothing for an agent the DP does not know by MAC', async () => {
      expect((await request('no-such-image', ['52-54-00-0F-00-01'])).statusCode).toBe(404);
      await addImage(h, 'img');
      utimesSync(h.file, new Date(), new Date(Date.now() + 10_000));
      expect((await request('img', ['52:54:00:0f:00:01'])).statusCode).toBe(422);
      // An agent the DP does not know by MAC: refused as before, no machine to write it to.
      expect((await request('no-such-image', ['52:54:00:0f:00:99'])).statusCode).toBe(404);
      const rows = await history('pc-r1');
      expect(rows.map((r) => [r['result'], r['image']])).toEqual([
        ['refused', 'img'],
        ['refused', 'no-such-image'],
      ]);
      expect(rows[0]?.['message']).toMatch(/^session request refused \(DP_IMAGE_FILE\): .*disk\.img changed since import$/);
      expect(rows[1]?.['message']).toMatch(/^session request refused \(DP_IMAGE_NOT_FOUND\): /);
      expect(rows[1]).toMatchObject({ machine: 'pc-r1', deployment: null, endedAt: rows[1]?.['startedAt'] });
      const all = (await h.app.inject({ method: 'GET', url: '/api/v1/machine-history', headers: admin })).json<unknown[]>();
      expect(all).toHaveLength(2);
    });
  });
});
