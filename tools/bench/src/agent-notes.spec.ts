import { agentMacEngine, macEnginesText } from './agent-notes';

describe('agentMacEngine', () => {
  it.each([
    ['castpoint-agent: packet MAC: native add-on\n', 'native'],
    ['x\ncastpoint-agent: packet MAC: node:crypto (turned off (CASTPOINT_NATIVE=0))\n', 'node:crypto'],
    ['castpoint-agent: downloading the missing chunks by unicast\n', 'unknown'],
    ['', 'unknown'],
  ])('reads %j as %s', (stderr, engine) => {
    expect(agentMacEngine(stderr)).toBe(engine);
  });

  it('names the engine the agents share, or each one', () => {
    const native = 'castpoint-agent: packet MAC: native add-on\n';
    expect(macEnginesText([native, native])).toBe("agents' packet MAC native");
    expect(macEnginesText([native, 'castpoint-agent: packet MAC: node:crypto (x)'])).toBe("agents' packet MAC native/node:crypto");
  });
});
