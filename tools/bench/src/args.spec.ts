import { bottleneckBps, parseArgs, usage, wantsHelp } from './args';

const PEERS = ['udpcast', 'uftp', 'http', 'floor'];
const parse = (...argv: string[]) => parseArgs(argv, '/nonexistent/dist', PEERS);

describe('bench command line', () => {
  it('defaults to the full matrix: 2 links x 3 receiver counts x 3 losses, four tools, once', () => {
    const a = parse();
    expect(a.cases).toHaveLength(18);
    expect(a.cases[0]).toEqual({ receivers: 1, loss: 0, linkBps: 500e6 });
    expect(a.cases[17]).toEqual({ receivers: 8, loss: 0.05 });
    expect(a.tools).toEqual(['castpoint', 'udpcast', 'uftp', 'http']);
    expect([a.sizeMiB, a.repeat, a.image]).toEqual([200, 1, 'random']);
  });

  it('takes every option it documents', () => {
    const a = parse('--receivers', '4', '--loss', '0.01,0.05', '--link', '1gbit', '--tools', 'castpoint,floor', '--size-mib', '64', '--repeat', '3');
    expect(a.cases).toEqual([
      { receivers: 4, loss: 0.01, linkBps: 1e9 },
      { receivers: 4, loss: 0.05, linkBps: 1e9 },
    ]);
    expect([a.tools, a.sizeMiB, a.repeat]).toEqual([['castpoint', 'floor'], 64, 3]);
    expect(parse('--image', 'realistic').image).toBe('realistic');
    expect(a.requireIdle).toBe(false);
  });

  it('runs each case on a LAN of every --mtu given (jumbo frames: 9000), 1500 by default', () => {
    expect(parse('--receivers', '4', '--loss', '0.01', '--link', '500mbit', '--mtu', '1500,9000').cases).toEqual([
      { receivers: 4, loss: 0.01, linkBps: 500e6 },
      { receivers: 4, loss: 0.01, linkBps: 500e6, mtu: 9000 },
    ]);
    expect(() => parse('--mtu', '100')).toThrow(/--mtu: bad value "100" \(an MTU from 576 to 65535\)/);
    expect(() => parse('--mtu', 'jumbo')).toThrow(/--mtu/);
  });

  it('shapes the first receiver\'s port with --slow-receiver, one case per rate; every cap follows the slowest path', () => {
    const cases = parse('--receivers', '4', '--loss', '0', '--link', '1gbit', '--slow-receiver', '100mbit,none').cases;
    expect(cases).toEqual([
      { receivers: 4, loss: 0, linkBps: 1e9, slowBps: 100e6 },
      { receivers: 4, loss: 0, linkBps: 1e9 },
    ]);
    expect(cases.map(bottleneckBps)).toEqual([100e6, 1e9]);
    expect(bottleneckBps({ slowBps: 300e6 })).toBe(300e6);
    expect(bottleneckBps({})).toBeUndefined();
    expect(() => parse('--slow-receiver', 'slow')).toThrow(/--slow-receiver: bad value "slow"/);
    expect(usage(PEERS)).toContain('--slow-receiver');
  });

  it('takes --require-idle as a switch without a value, anywhere on the line', () => {
    expect(parse('--require-idle', '--receivers', '4').requireIdle).toBe(true);
    expect(parse('--receivers', '4', '--require-idle').cases).toEqual([{ receivers: 4, loss: 0, linkBps: 500e6 }, { receivers: 4, loss: 0.01, linkBps: 500e6 }, { receivers: 4, loss: 0.05, linkBps: 500e6 }, { receivers: 4, loss: 0 }, { receivers: 4, loss: 0.01 }, { receivers: 4, loss: 0.05 }]);
  });

  it.each([
    [['--help'], true],
    [['--receivers', '4', '-h'], true],
    [['--receivers', '4'], false],
  ])('%j asks for help: %s', (argv, wanted) => {
    expect(wantsHelp(argv)).toBe(wanted);
  });

  it('lists every option and every tool in its usage text', () => {
    const u = usage(PEERS);
    for (const o of ['--receivers', '--loss', '--link', '--tools', '--size-mib', '--image', '--repeat', '--help']) expect(u).toContain(o);
    for (const p of PEERS) expect(u).toContain(p);
  });

  // Each of these used to start an hour-long matrix (an unknown flag was ignored) or fail mid-run.
  it.each([
    [['--reciever', '4'], /unknown option --reciever \(see --help\)/],
    [['4'], /unknown option 4/],
    [['--receivers'], /--receivers needs a value/],
    [['--receivers', '--loss', '0'], /--receivers needs a value/],
    [['--receivers', '4x'], /--receivers: bad value "4x"/],
    [['--receivers', '0'], /--receivers: bad value "0"/],
    [['--receivers', '4,,8'], /--receivers: bad value ""/],
    [['--loss', '1%'], /--loss: bad value "1%" \(a fraction from 0 to 0.99/],
    [['--loss', '1'], /--loss: bad value "1"/],
    [['--link', '500M'], /--link: bad value "500M" \(a rate such as 500mbit/],
    [['--size-mib', '0'], /--size-mib must be an integer from 1 to 65536, got 0/],
    [['--repeat', '2.5'], /--repeat must be an integer from 1 to 20, got 2.5/],
    [['--tools', 'castpoint,udpcat'], /unknown tool udpcat/],
    [['--image', 'debian'], /--image must be random or realistic, got debian/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(message);
  });
});
