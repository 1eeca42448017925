// The API's 400s say in words what a pattern-checked field must look like, never the raw regex.
import { admin, client, harnessPerTest } from '../testing/harness';

describe('400 messages of pattern-checked fields', () => {
  const make = harnessPerTest();

  it.each([
    ['GET', '/api/v1/images/bad%20name', undefined, 'params/name'],
    ['PATCH', '/api/v1/images/a%2Fb', {}, 'params/name'],
    ['DELETE', '/api/v1/images/-x', undefined, 'params/name'],
    ['POST', '/api/v1/sessions', { image: 'no spaces' }, 'body/image'],
    ['POST', '/api/v1/images', { name: '.hidden', file: '/x.img' }, 'body/name'],
  ] as const)('%s %s names the field and the allowed characters', async (method, url, payload, field) => {
    const h = await make();
    const r = await h.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({
      error: 'BAD_REQUEST',
      message: `${field}: bad image name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`,
    });
  });

  it('says what a slow policy looks like', async () => {
    const h = await make();
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'a', file: h.file, slowPolicy: 'fast' } });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toBe('body/slowPolicy: expected same-speed, tiers or disconnect:KBPS');
  });

  it("keeps ajv's message where it already says what is wrong", async () => {
    const h = await make();
    const r = await h.app.inject({ method: 'DELETE', url: '/api/v1/sessions/abc', headers: admin });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toBe('params/id must be integer');
    const agent = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'a b' } });
    expect(agent.json<{ message: string }>().message).toBe("body/hostname: use letters, digits, '.', '_' or '-'");
  });
});
