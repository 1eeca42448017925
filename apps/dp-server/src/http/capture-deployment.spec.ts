// The `capture` deployment kind through the API (issue 26): made with a name pattern (checked when
// made), answered to the machine with the expanded name and a grant that captures that image only,
// reported into the history under the image made, run once; a name already taken is refused there.
import { captureGrantKey, verifyCaptureGrant } from '../security/capture-grant';
import { addImage, ADMIN, admin, client, harness, type Harness } from '../testing/harness';

describe('capture deployments', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/collections', headers: admin })).statusCode).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await h?.app.close();
  });

  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, headers: Record<string, string> = admin) => h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a deploy without an image', { name: 'x', collection: 'refs' }, /^image: a deploy deployment needs the image it writes$/],
    ['a capture with a post-deploy script', { name: 'x', kind: 'capture', collection: 'refs', script: 'http://dp/x.sh' }, /^script: a capture deployment runs no post-deploy script/],
    ['an unknown field in the pattern', { name: 'x', kind: 'capture', collection: 'refs', image: 'ref-{serial}' }, /unknown field \{serial\} \(known: \{machine\} \{deployment\} \{date\} \{time\}\)/],
    ['a pattern that is no image name', { name: 'x', kind: 'capture', collection: 'refs', image: '../{machine}' }, /gives "\.\.\/m", which is not an image name/],
    ['an unknown kind', { name: 'x', kind: 'clone', collection: 'refs' }, /kind/],
  ])('refuses %s (400 naming why)', async (_what, body, why) => {
    await inject('POST', '/api/v1/collections', { name: 'refs', rules: ['mac-prefix:52:54:00:c0'] });
    const r = await inject('POST', '/api/v1/deployments', body);
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(why);
  });

  it('captures each machine once into the image its pattern names, with a grant for that image only', async () => {
    await inject('POST', '/api/v1/collections', { name: 'cap-refs', rules: ['mac-prefix:52:54:00:c1'] });
    const add = await inject('POST', '/api/v1/deployments', { name: 'cap', kind: 'capture', collection: 'cap-refs', disk: 'path:/dev/loop5', after: 'poweroff' });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ name: 'cap', kind: 'capture', image: '{machine}-{date}', disk: 'path:/dev/loop5', after: 'poweroff' });
    await inject('POST', '/api/v1/machines', { name: 'ref-a', macs: ['52:54:00:c1:00:01'] });
    const who = { macs: ['52:54:00:C1:00:01'] };
    const a = await inject('POST', '/api/v1/agent/assignment', who, client);
    expect(a.statusCode).toBe(200);
    const body = a.json<{ grant: string }>();
    // The harness's clock: 2026-11-24.
    expect(body).toEqual({ machine: 'ref-a', action: 'capture', deployment: 'cap', image: 'ref-a-20261124', disk: 'path:/dev/loop5', after: 'poweroff', script: null, variables: {}, grant: expect.stringMatching(/^cpc1\./) });
    expect(verifyCaptureGrant(captureGrantKey(ADMIN), body.grant, h.clock.t)).toMatchObject({ mac: '52:54:00:c1:00:01', image: 'ref-a-20261124' });
    // The grant opens the capture of that image, and of no other.
    const plan = (name: string) => ({ name, size: 4096, chunkSize: 4096, hashes: [''], unusedChunks: [], usedMap: { source: 'filesystem', reasons: [] } });
    expect((await inject('POST', '/api/v1/captures', plan('ref-a-20261124'), { authorization: `Bearer ${body.grant}` })).statusCode).toBe(200);
    expect((await inject('POST', '/api/v1/captures', plan('win11'), { authorization: `Bearer ${body.grant}` })).json()).toMatchObject({ error: 'DP_CAPTURE_GRANT' });
    expect((await inject('POST', '/api/v1/captures/ref-a-20261124/finish', undefined, { authorization: `Bearer ${body.grant}` })).statusCode).toBe(201);
    const report = { macs: who.macs, deployment: 'cap', image: 'ref-a-20261124', result: 'ok', startedAt: '2026-11-24T00:00:00Z', durationMs: 1000, exitCode: 0, message: 'captured', bytes: 4096 };
    expect((await inject('POST', '/api/v1/agent/assignment/report', report, client)).statusCode).toBe(204);
    const hist = (await inject('GET', '/api/v1/machine-history?deployment=cap')).json<Array<Record<string, unknown>>>();
    expect(hist).toEqual([expect.objectContaining({ machine: 'ref-a', deployment: 'cap', image: 'ref-a-20261124', result: 'ok', bytes: 4096, transport: null })]);
    // Required: done once. Re-armed, the name is taken: refused in the history, never overwritten.
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ action: 'nothing' });
    expect((await inject('POST', '/api/v1/deployments/cap/rerun', { machine: 'ref-a' })).json()).toEqual({ rearmed: 1 });
    const again = await inject('POST', '/api/v1/agent/assignment', who, client);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'DP_IMAGE_EXISTS', message: expect.stringContaining('image ref-a-20261124 already exists: a capture never replaces an image') });
    const refused = (await inject('GET', '/api/v1/machine-history?deployment=cap')).json<Array<Record<string, unknown>>>();
    expect(refused.find((e) => e['result'] === 'refused')).toMatchObject({ image: 'ref-a-20261124', message: expect.stringContaining('already exists') });
  });

  it('a pattern with {time} and {deployment} makes a new name each time; a deploy deployment still needs its image', async () => {
    await addImage(h, 'base');
    await inject('POST', '/api/v1/collections', { name: 'cap-t', rules: ['mac-prefix:52:54:00:c2'] });
    expect((await inject('POST', '/api/v1/deployments', { name: 'cap-t', kind: 'capture', collection: 'cap-t', image: '{deployment}.{machine}.{date}-{time}', purpose: 'available' })).statusCode).toBe(201);
    const a = await inject('POST', '/api/v1/agent/assignment', { macs: ['52:54:00:c2:00:01'], choose: 'cap-t' }, client);
    expect(a.json()).toMatchObject({ action: 'capture', image: 'cap-t.unknown-525400c20001.20261124-000000' });
    const dep = await inject('POST', '/api/v1/deployments', { name: 'dep-base', image: 'base', collection: 'cap-t', purpose: 'available' });
    expect(dep.json()).toMatchObject({ kind: 'deploy', image: 'base' });
  });
});
