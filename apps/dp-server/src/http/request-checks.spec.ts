// The order of the request checks (token first, then the body) and strict body types.
import { admin, ADMIN, client, harnessPerTest } from '../testing/harness';

describe('request checks', () => {
  const make = harnessPerTest();

  it.each([
    ['POST', '/api/v1/images', { name: 5, file: [] }],
    ['POST', '/api/v1/sessions', { nonsense: true }],
    ['PATCH', '/api/v1/images/x', { mode: 'sometimes' }],
    ['POST', '/api/v1/agent/request', { image: 7 }],
    ['POST', '/api/v1/agent/progress', {}],
  ] as const)('%s %s with a bad body and no token is 401, not 400', async (method, url, payload) => {
    const h = await make();
    const r = await h.app.inject({ method, url, payload });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ error: 'UNAUTHORIZED' });
  });

  it('a bad body with the wrong token is 403, not 400', async () => {
    const h = await make();
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: client, payload: { name: 5 } });
    expect(r.statusCode).toBe(403);
    const a = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: admin, payload: { image: 7 } });
    expect(a.statusCode).toBe(403);
  });

  it.each([
    [{ encrypt: 'true' }, /encrypt.*boolean/],
    [{ multicastOnly: 1 }, /multicastOnly.*boolean/],
    [{ name: 5 }, /name.*string/],
    [{ mode: 'scheduled', minClients: '3' }, /minClients.*integer/],
  ])('refuses the wrongly typed body field %j with 400 (it was coerced)', async (fields, reason) => {
    const h = await make();
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'img', file: h.file, ...fields } });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(reason);
    // Nothing was imported.
    const list = await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin });
    expect(list.json()).toEqual([]);
  });

  it('refuses a wrongly typed agent body field too', async () => {
    const h = await make();
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'pc1', previousReceiverId: '5' } });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(/previousReceiverId.*integer/);
  });

  it('still reads numbers and switches from the URL (params and querystring are text)', async () => {
    const h = await make();
    const s = await h.app.inject({ method: 'GET', url: '/api/v1/sessions/12', headers: admin });
    expect(s.statusCode).toBe(404);
    expect(s.json()).toMatchObject({ error: 'DP_SESSION_NOT_FOUND' });
    const ev = await h.app.inject({ method: 'GET', url: `/api/v1/events?once=true&token=${ADMIN}` });
    expect(ev.statusCode).toBe(200);
    expect(ev.body).toMatch(/^event: snapshot\n/);
  });
});
