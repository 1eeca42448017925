// The agent's session request names its receiving interface's MTU (issue 29.4): the DP sizes each
// session's packets by it. A fallback reply keeps these runs to one request and a unicast download.
import { EXIT } from '../errors';
import { CHUNK, fallbackReply, harness, type Harness } from '../testing/deploy-harness';
import { makeImage } from '../testing/image';

describe('the MTU in the session request', () => {
  const img = makeImage(11, CHUNK, 3, [], 1000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it.each<[what: string, mtuOf: (name: string) => number | undefined, expected: Record<string, unknown>]>([
    ['a jumbo interface', (name) => (name === 'eth0' ? 9000 : undefined), { mtu: 9000 }],
    ['standard Ethernet', () => 1500, { mtu: 1500 }],
    ['loopback, capped at 65535', () => 65_536, { mtu: 65_535 }],
  ])('says the MTU of the interface whose subnet holds the DP: %s', async (_what, mtuOf, expected) => {
    h = await harness(img, () => fallbackReply(img));
    h.interfaceMtu = mtuOf;
    expect(await h.run()).toBe(EXIT.ok);
    expect(h.dp.requests[0]).toMatchObject({ image: 'img', ...expected });
  });

  it('leaves the field out when the MTU is unknown (the DP assumes 1500)', async () => {
    h = await harness(img, () => fallbackReply(img));
    h.interfaceMtu = () => undefined;
    expect(await h.run()).toBe(EXIT.ok);
    expect(h.dp.requests[0]).not.toHaveProperty('mtu');
  });

  it('says the MTU of the interface --interface names', async () => {
    h = await harness(img, () => fallbackReply(img));
    const asked: string[] = [];
    h.interfaceMtu = (name) => {
      asked.push(name);
      return 9000;
    };
    expect(await h.run({ interface: '10.0.0.2' })).toBe(EXIT.ok);
    expect(asked).toEqual(['eth0']);
    expect(h.dp.requests[0]).toMatchObject({ mtu: 9000 });
  });
});
