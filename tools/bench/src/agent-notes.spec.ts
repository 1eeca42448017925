import { agentCryptoEngine, cryptoEnginesText } from './agent-notes';

describe('agentCryptoEngine', () => {
  it.each([
    ['castpoint-agent: packet crypto: native add-on\n', 'native'],
    ['x\ncastpoint-agent: packet crypto: node:crypto (turned off (CASTPOINT_NATIVE=0))\n', 'node:crypto'],
    ['castpoint-agent: downloading the missing chunks by unicast\n', 'unknown'],
    ['', 'unknown'],
  ])('reads %j as %s', (stderr, engine) => {
    expect(agentCryptoEngine(stderr)).toBe(engine);
  });

  it('names the engine the agents share, or each one', () => {
    const native = 'castpoint-agent: packet crypto: native add-on\n';
    expect(cryptoEnginesText([native, native])).toBe("agents' packet crypto native");
    expect(cryptoEnginesText([native, 'castpoint-agent: packet crypto: node:crypto (x)'])).toBe("agents' packet crypto native/node:crypto");
  });
});
