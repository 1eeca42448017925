import { addImage, admin, client, harness, type Harness } from '../testing/harness';

// One DP for the file: its store is PGlite in the data dir (the default), whose first open runs
// initdb (~15 s here). Each test uses its own names, so the order of tests does not matter.
describe('machines and collections API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
    // The first request opens the store: here, under the long timeout, not inside a test.
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/collections', headers: admin })).statusCode).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await h?.app.close();
  });

  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = admin) =>
    h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  it('needs the admin token (401 without, 403 with the client token), before the store is even opened', async () => {
    expect((await inject('GET', '/api/v1/machines', undefined, {})).statusCode).toBe(401);
    expect((await inject('POST', '/api/v1/machines', { name: 'x' }, client)).statusCode).toBe(403);
  });

  it('adds, shows, lists and removes machines; a taken MAC is 409 naming the owner; bad bodies are 400 naming the field', async () => {
    const add = await inject('POST', '/api/v1/machines', { name: 'api-01', macs: ['52-54-00-AB-00-01'], uuid: '4C4C4544-0042-3510-8052-B4C04F4E4D32' });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ name: 'api-01', state: 'known', macs: ['52:54:00:ab:00:01'], uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', createdAt: '2026-11-24T00:00:00.000Z' });
    const shown = await inject('GET', '/api/v1/machines/api-01');
    expect(shown.json()).toMatchObject({ name: 'api-01', lastSeen: null });
    const taken = await inject('POST', '/api/v1/machines', { name: 'api-02', macs: ['52:54:00:ab:00:01'] });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({ error: 'DP_IDENTIFIER_TAKEN', message: 'MAC 52:54:00:ab:00:01 already belongs to machine api-01' });
    const badMac = await inject('POST', '/api/v1/machines', { name: 'api-02', macs: ['52:54:00:ab:00:zz'] });
    expect(badMac.statusCode).toBe(400);
    expect(badMac.json()).toMatchObject({ error: 'DP_BAD_MAC' });
    const noMacs = await inject('POST', '/api/v1/machines', { name: 'api-02' });
    expect(noMacs.statusCode).toBe(400);
    expect(noMacs.json<{ message: string }>().message).toMatch(/macs/);
    const extra = await inject('POST', '/api/v1/machines', { name: 'api-02', macs: ['52:54:00:ab:00:02'], colour: 'red' });
    expect(extra.statusCode).toBe(400);
    const missing = await inject('GET', '/api/v1/machines/api-99');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'DP_MACHINE_NOT_FOUND', message: 'no machine api-99' });
    expect((await inject('DELETE', '/api/v1/machines/api-01')).statusCode).toBe(204);
    expect((await inject('GET', '/api/v1/machines/api-01')).statusCode).toBe(404);
  });

  it('imports a CSV all or nothing, with every bad line in the 400, and pages the listing', async () => {
    const bad = await inject('POST', '/api/v1/machines/import', { csv: 'imp-01,52:54:00:ac:00:01\nimp-02\nimp-03,xx\n' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'DP_BAD_CSV' });
    expect(bad.json<{ message: string }>().message).toContain('line 2: expected name,mac[,uuid], got 1 field(s)\nline 3: "xx" is not a MAC address');
    expect((await inject('GET', '/api/v1/machines/imp-01')).statusCode).toBe(404);
    const csv = ['name,mac', ...Array.from({ length: 12 }, (_, i) => `imp-${String(i).padStart(2, '0')},52:54:00:ac:01:${i.toString(16).padStart(2, '0')}`)].join('\n');
    const ok = await inject('POST', '/api/v1/machines/import', { csv });
    expect(ok.statusCode).toBe(201);
    expect(ok.json<{ imported: number }>().imported).toBe(12);
    const again = await inject('POST', '/api/v1/machines/import', { csv });
    expect(again.statusCode).toBe(409);
    const names: string[] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page: { machines: Array<{ name: string }>; next: number | null } = (await inject('GET', `/api/v1/machines?limit=5&after=${after}`)).json();
      names.push(...page.machines.map((m) => m.name));
      after = page.next;
    }
    expect(names.filter((n) => n.startsWith('imp-'))).toHaveLength(12);
    expect((await inject('GET', '/api/v1/machines?limit=0')).statusCode).toBe(400);
  });

  it('adds collections with rules and members; a bad rule is 400 with its reason; unknown names are 404', async () => {
    await inject('POST', '/api/v1/machines', { name: 'col-01', macs: ['52:54:00:ad:00:01'] });
    const bad = await inject('POST', '/api/v1/collections', { name: 'col-lab', rules: ['mac-prefix:52:54:00', 'colour:red'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'DP_BAD_RULE' });
    expect(bad.json<{ message: string }>().message).toMatch(/unknown rule kind "colour"/);
    const add = await inject('POST', '/api/v1/collections', { name: 'col-lab', rules: ['mac-prefix:52-54-00', 'name:col-*', 'unknown'] });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ name: 'col-lab', rules: ['mac-prefix:52:54:00', 'name:col-*', 'unknown'], members: [] });
    const member = await inject('PUT', '/api/v1/collections/col-lab/members/col-01');
    expect(member.json()).toMatchObject({ members: ['col-01'] });
    expect((await inject('PUT', '/api/v1/collections/col-lab/members/nobody')).json()).toEqual({ error: 'DP_MACHINE_NOT_FOUND', message: 'no machine nobody' });
    expect((await inject('PUT', '/api/v1/collections/nope/members/col-01')).statusCode).toBe(404);
    const list = (await inject('GET', '/api/v1/collections')).json<Array<{ name: string; members: string[] }>>();
    expect(list.find((c) => c.name === 'col-lab')?.members).toEqual(['col-01']);
    expect((await inject('DELETE', '/api/v1/collections/col-lab/members/col-01')).json()).toMatchObject({ members: [] });
    expect((await inject('POST', '/api/v1/collections', { name: 'col-lab' })).statusCode).toBe(409);
    expect((await inject('DELETE', '/api/v1/collections/col-lab')).statusCode).toBe(204);
    expect((await inject('GET', '/api/v1/collections/col-lab')).json()).toEqual({ error: 'DP_COLLECTION_NOT_FOUND', message: 'no collection col-lab' });
  });

  it('adds deployments (image, collection, disk selector and script checked when made) and shows what a machine would be told', async () => {
    await addImage(h, 'dep-win11');
    await addImage(h, 'dep-ubuntu');
    await inject('POST', '/api/v1/machines', { name: 'dep-01', macs: ['52:54:00:ae:00:01'] });
    await inject('POST', '/api/v1/collections', { name: 'dep-lab', rules: ['name:dep-*'] });
    const noImage = await inject('POST', '/api/v1/deployments', { name: 'd0', image: 'nope', collection: 'dep-lab' });
    expect(noImage.statusCode).toBe(404);
    expect(noImage.json()).toMatchObject({ error: 'DP_IMAGE_NOT_FOUND' });
    expect((await inject('POST', '/api/v1/deployments', { name: 'd0', image: 'dep-win11', collection: 'nope' })).json()).toEqual({ error: 'DP_COLLECTION_NOT_FOUND', message: 'no collection nope' });
    const badDisk = await inject('POST', '/api/v1/deployments', { name: 'd0', image: 'dep-win11', collection: 'dep-lab', disk: 'biggest' });
    expect(badDisk.statusCode).toBe(400);
    expect(badDisk.json<{ message: string }>().message).toMatch(/disk selector "biggest"/);
    expect((await inject('POST', '/api/v1/deployments', { name: 'd0', image: 'dep-win11', collection: 'dep-lab', script: 'file:///etc/passwd' })).json()).toMatchObject({ error: 'DP_BAD_DEPLOYMENT' });
    expect((await inject('POST', '/api/v1/deployments', { name: 'd0', image: 'dep-win11', collection: 'dep-lab', notBefore: 'tomorrow-ish' })).statusCode).toBe(400);
    expect((await inject('POST', '/api/v1/deployments', { name: 'd0', image: 'dep-win11', collection: 'dep-lab', purpose: 'sometimes' })).statusCode).toBe(400);

    const win = await inject('POST', '/api/v1/deployments', { name: 'dep-win', image: 'dep-win11', collection: 'dep-lab', disk: 'serial:S1', after: 'poweroff', variables: { SITE: 'north' } });
    expect(win.statusCode).toBe(201);
    expect(win.json()).toMatchObject({ name: 'dep-win', image: 'dep-win11', collection: 'dep-lab', purpose: 'required', disk: 'serial:S1', after: 'poweroff', notBefore: null, variables: { SITE: 'north' } });
    expect((await inject('GET', '/api/v1/machines/dep-01/decision')).json()).toEqual({ action: 'deploy', deployment: 'dep-win', image: 'dep-win11', disk: 'serial:S1', after: 'poweroff', script: null, variables: { SITE: 'north' } });
    // A second required deployment for the same machine: a conflict the operator sees, never a coin toss.
    await inject('POST', '/api/v1/deployments', { name: 'dep-ubu', image: 'dep-ubuntu', collection: 'dep-lab' });
    expect((await inject('GET', '/api/v1/machines/dep-01/decision')).json()).toEqual({ action: 'conflict', deployments: ['dep-ubu', 'dep-win'], reason: 'required deployments dep-ubu, dep-win all target machine dep-01' });
    expect((await inject('DELETE', '/api/v1/collections/dep-lab')).json()).toMatchObject({ error: 'DP_COLLECTION_IN_USE' });
    expect((await inject('DELETE', '/api/v1/deployments/dep-ubu')).statusCode).toBe(204);
    const later = await inject('POST', '/api/v1/deployments', { name: 'dep-later', image: 'dep-ubuntu', collection: 'dep-lab', purpose: 'available', notBefore: '2026-11-25T00:00:00Z' });
    expect(later.json()).toMatchObject({ purpose: 'available', notBefore: '2026-11-25T00:00:00.000Z' });
    expect((await inject('GET', '/api/v1/deployments')).json<Array<{ name: string }>>().map((d) => d.name)).toEqual(['dep-later', 'dep-win']);
    expect((await inject('POST', '/api/v1/deployments/dep-win/rerun', {})).json()).toEqual({ rearmed: 0 });
    expect((await inject('POST', '/api/v1/deployments/dep-win/rerun', { machine: 'nobody' })).statusCode).toBe(404);
    expect((await inject('GET', '/api/v1/deployments/nope')).json()).toEqual({ error: 'DP_DEPLOYMENT_NOT_FOUND', message: 'no deployment nope' });
  });

  it('answers history queries (nothing writes history yet) and refuses a bad time', async () => {
    expect((await inject('GET', '/api/v1/machine-history?machine=dep-01')).json()).toEqual([]);
    const bad = await inject('GET', '/api/v1/machine-history?since=last-tuesday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toBe('since: "last-tuesday" is not an ISO 8601 time');
  });

  it('tells an agent what to do: registers it by MAC, deploys a required deployment once, again after rerun; reports go to the history', async () => {
    await addImage(h, 'asg-img');
    await inject('POST', '/api/v1/collections', { name: 'asg-new', rules: ['mac-prefix:52:54:00:af'] });
    await inject('POST', '/api/v1/deployments', { name: 'asg-dep', image: 'asg-img', collection: 'asg-new', after: 'none' });
    const who = { macs: ['52:54:00:AF:00:01'], uuid: '03000200-0400-0500-0006-000700080009', model: 'KVM' };
    expect((await inject('POST', '/api/v1/agent/assignment', who, admin)).statusCode).toBe(403);
    const first = await inject('POST', '/api/v1/agent/assignment', who, client);
    // The image's size comes along: the agent's first-fixed skips disks smaller than it.
    expect(first.json()).toEqual({ machine: 'unknown-525400af0001', action: 'deploy', deployment: 'asg-dep', image: 'asg-img', disk: 'first-fixed', after: 'none', script: null, variables: {}, imageBytes: 2 * 1048576 + 300_000 });
    expect((await inject('GET', '/api/v1/machines/unknown-525400af0001')).json()).toMatchObject({ state: 'unknown', model: 'KVM', lastSeen: '2026-11-24T00:00:00.000Z' });
    const report = { macs: ['52:54:00:af:00:01'], deployment: 'asg-dep', result: 'ok', startedAt: '2026-11-24T00:00:00Z', exitCode: 0, bytes: 1048576, transport: 'multicast', message: 'deployed' };
    expect((await inject('POST', '/api/v1/agent/assignment/report', report, client)).statusCode).toBe(204);
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ machine: 'unknown-525400af0001', action: 'nothing' });
    const hist = (await inject('GET', '/api/v1/machine-history?machine=unknown-525400af0001')).json<Array<Record<string, unknown>>>();
    expect(hist).toEqual([expect.objectContaining({ deployment: 'asg-dep', image: 'asg-img', result: 'ok', exitCode: 0, bytes: 1048576, transport: 'multicast', message: 'deployed' })]);
    expect((await inject('POST', '/api/v1/deployments/asg-dep/rerun', { machine: 'unknown-525400af0001' })).json()).toEqual({ rearmed: 1 });
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ action: 'deploy', deployment: 'asg-dep' });
    // A failure is history too, and does not use the deployment up.
    expect((await inject('POST', '/api/v1/agent/assignment/report', { ...report, result: 'failed', exitCode: 5, message: 'no disk matches' }, client)).statusCode).toBe(204);
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ action: 'deploy' });
    expect((await inject('POST', '/api/v1/agent/assignment/report', { ...report, deployment: 'nope' }, client)).statusCode).toBe(404);
  });

  it('keeps every report field, dates an attempt by the DP clock when the agent gives its duration, and records refusals', async () => {
    await addImage(h, 'rep-img');
    await inject('POST', '/api/v1/collections', { name: 'rep-new', rules: ['mac-prefix:52:54:00:b0'] });
    await inject('POST', '/api/v1/deployments', { name: 'rep-dep', image: 'rep-img', collection: 'rep-new', after: 'reboot', script: 'http://10.0.0.1/post.sh', variables: { SITE: 'lab' } });
    const who = { macs: ['52:54:00:b0:00:01'] };
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ action: 'deploy', after: 'reboot', script: 'http://10.0.0.1/post.sh', variables: { SITE: 'lab' } });
    // An agent whose clock says 1970 (a boot environment without time): the DP's clock dates it.
    const base = { macs: who.macs, deployment: 'rep-dep', startedAt: '1970-01-01T00:00:00Z', durationMs: 90_000 };
    expect((await inject('POST', '/api/v1/agent/assignment/report', { ...base, result: 'refused', exitCode: 5, message: 'no disk matches path:/dev/sdz; nothing was written' }, client)).statusCode).toBe(204);
    expect((await inject('POST', '/api/v1/agent/assignment/report', { ...base, result: 'failed', exitCode: 9, bytes: 2397152, transport: 'unicast', repairedSymbols: 17, message: 'script exited 3; its output ends:\nboom' }, client)).statusCode).toBe(204);
    const hist = (await inject('GET', '/api/v1/machine-history?machine=unknown-525400b00001')).json<Array<Record<string, unknown>>>();
    expect(hist).toEqual([
      expect.objectContaining({ result: 'failed', exitCode: 9, bytes: 2397152, transport: 'unicast', repairedSymbols: 17, message: 'script exited 3; its output ends:\nboom', startedAt: '2026-11-23T23:58:30.000Z', endedAt: '2026-11-24T00:00:00.000Z' }),
      expect.objectContaining({ result: 'refused', exitCode: 5, message: 'no disk matches path:/dev/sdz; nothing was written', bytes: null }),
    ]);
    // Neither used the deployment up.
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ action: 'deploy' });
    expect((await inject('POST', '/api/v1/agent/assignment/report', { ...base, result: 'skipped' }, client)).statusCode).toBe(400);
    // The image removed under the deployment: the agent gets 404 with the reason, history a refusal.
    expect((await inject('DELETE', '/api/v1/images/rep-img')).statusCode).toBe(204);
    const gone = await inject('POST', '/api/v1/agent/assignment', who, client);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: 'DP_IMAGE_NOT_FOUND', message: 'image rep-img of deployment rep-dep is not on the DP (removed since the deployment was made)' });
    const after = (await inject('GET', '/api/v1/machine-history?machine=unknown-525400b00001')).json<Array<Record<string, unknown>>>();
    expect(after[0]).toMatchObject({ result: 'refused', deployment: 'rep-dep', image: 'rep-img', message: 'image rep-img of deployment rep-dep is not on the DP (removed since the deployment was made)' });
  });

  it('answers an agent whose MACs belong to two machines with a conflict, and merges nothing', async () => {
    await inject('POST', '/api/v1/machines', { name: 'asg-x', macs: ['52:54:00:af:01:01'] });
    await inject('POST', '/api/v1/machines', { name: 'asg-y', macs: ['52:54:00:af:01:02'] });
    const r = await inject('POST', '/api/v1/agent/assignment', { macs: ['52:54:00:af:01:01', '52:54:00:af:01:02'] }, client);
    expect(r.json()).toEqual({ action: 'conflict', machine: null, deployments: [], reason: 'the MACs 52:54:00:af:01:01, 52:54:00:af:01:02 belong to machines asg-x, asg-y: an operator must remove or merge them' });
    expect((await inject('GET', '/api/v1/machines/asg-x')).json()).toMatchObject({ macs: ['52:54:00:af:01:01'] });
  });

  it('publishes the routes in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/machines', '/api/v1/machines/import', '/api/v1/machines/{name}', '/api/v1/collections', '/api/v1/collections/{name}', '/api/v1/collections/{name}/members/{machine}', '/api/v1/deployments', '/api/v1/deployments/{name}', '/api/v1/deployments/{name}/rerun', '/api/v1/machine-history', '/api/v1/machines/{name}/decision', '/api/v1/agent/assignment', '/api/v1/agent/assignment/report']));
  });
});
