// `castpoint-dp history --refused` against an in-process DP (fetch answered by inject()).
import { testIo } from '../testing/cli-io';
import { ADMIN, client, harnessPerTest } from '../testing/harness';
import { apiClient, print } from './api-args';
import { historyCommand } from './deployment-commands';

describe('castpoint-dp history --refused', () => {
  const make = harnessPerTest();

  it('lists the refused agent requests, newest first, with the code and the reason', async () => {
    const h = await make();
    const io = testIo(h.app);
    const fleet = { api: (a: { server?: string; token?: string }) => apiClient(a, io, {}), print: (a: { json?: boolean }, v: unknown, r: () => string) => print(io, a, v, r) };
    const api = { server: 'http://dp.test:8080', token: ADMIN };
    await historyCommand({ ...api, refused: true }, fleet);
    expect(io.stdout.join('')).toBe('no agent request refused (the newest 500 are kept, across restarts)\n');
    await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'nosuch', hostname: 'pc7' } });
    await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: { authorization: 'Bearer wrong' }, payload: { image: 'x', hostname: 'pc8' } });
    io.stdout.length = 0;
    await historyCommand({ ...api, refused: true }, fleet);
    const lines = io.stdout.join('').trim().split('\n');
    expect(lines[0]).toMatch(/^AT\s+IP\s+HOSTNAME\s+IMAGE\s+STATUS\s+CODE\s+MESSAGE$/);
    expect(lines[1]).toMatch(/\s-\s+-\s+403\s+FORBIDDEN\s+the token presented is not the client token$/);
    expect(lines[2]).toMatch(/\spc7\s+nosuch\s+404\s+DP_IMAGE_NOT_FOUND\s+no image named nosuch$/);
  });
});
