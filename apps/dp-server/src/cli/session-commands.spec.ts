// `castpoint-dp session ...` against an in-process DP (fetch answered by inject()).
import { ADMIN, addImage, harnessPerTest } from '../testing/harness';
import { testIo } from '../testing/cli-io';
import { sessionCancel, sessionStart } from './session-commands';

const api = { server: 'http://dp.test:8080', token: ADMIN };

describe('castpoint-dp session commands', () => {
  const make = harnessPerTest();

  it.each(['abc', '1.5', '-3', '', '99999999999'])('session cancel %j says the id must be a number, without asking the DP', async (id) => {
    const h = await make();
    const io = testIo(h.app);
    let asked = 0;
    const counting: typeof fetch = (...a) => {
      asked++;
      return fetch(...a);
    };
    await expect(sessionCancel({ ...api, id }, { ...io, fetch: counting })).rejects.toThrow(
      `session id must be a number, as \`castpoint-dp session list\` shows it (got ${JSON.stringify(id)})`,
    );
    expect(asked).toBe(0);
  });

  it('session start and cancel by id', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 5 });
    const io = testIo(h.app);
    await sessionStart({ ...api, image: 'img' }, io);
    const id = /^session (\d+) /.exec(io.stdout.join(''))?.[1];
    expect(id).toBeDefined();
    await sessionCancel({ ...api, id: String(id) }, io);
    expect(io.stdout.at(-1)).toMatch(new RegExp(`^session ${String(id)} (cancelled|ended)`));
    await expect(sessionCancel({ ...api, id: '4242' }, io)).rejects.toMatchObject({ code: 'DP_API', message: expect.stringContaining('404') });
  });
});
