import { AgentError } from '../errors';
import { parseAssignment } from './run-assignment';

describe('parseAssignment', () => {
  const deploy = { action: 'deploy', machine: 'pc-1', deployment: 'd', image: 'img', disk: 'first-fixed', after: 'reboot', script: null, variables: { A: '1' }, imageBytes: 1024 };

  const capture = { action: 'capture', machine: 'ref-1', deployment: 'c', image: 'ref-1-20261206', disk: 'first-fixed', after: 'poweroff', grant: 'cpc1.x' };

  it('reads each action', () => {
    expect(parseAssignment(deploy)).toEqual(deploy);
    expect(parseAssignment({ action: 'wait', machine: null, until: '2026-12-06T07:00:00Z', reason: 'r' })).toEqual({ action: 'wait', machine: null, until: '2026-12-06T07:00:00Z', reason: 'r' });
    expect(parseAssignment({ action: 'nothing', machine: 'm', reason: 'r' })).toEqual({ action: 'nothing', machine: 'm', reason: 'r', available: [] });
    expect(parseAssignment({ action: 'conflict', machine: null, deployments: ['a', 'b'], reason: 'r' })).toMatchObject({ deployments: ['a', 'b'] });
    expect(parseAssignment(capture)).toEqual(capture);
  });

  it.each([
    [null, 'not an object'],
    [{ action: 'dance' }, 'unknown action "dance"'],
    [{ ...deploy, after: 'explode' }, 'after is "explode"'],
    [{ ...deploy, image: '' }, 'image is not a string'],
    [{ ...deploy, variables: { A: 1 } }, 'variables is not a map of strings'],
    [{ ...deploy, imageBytes: -1 }, 'imageBytes is not a byte count'],
    [{ action: 'wait', until: 'soon', reason: 'r' }, 'until is not a time'],
    [{ ...capture, grant: undefined }, 'grant is not a string'],
    [{ ...capture, after: 'later' }, 'after is "later"'],
    [{ action: 'conflict', reason: 'r' }, 'deployments is not a list of names'],
  ])('refuses %j as the DP\'s fault (exit 3): %s', (v, why) => {
    let e: unknown;
    try {
      parseAssignment(v);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AgentError);
    expect((e as AgentError).code).toBe('dp-refused');
    expect((e as AgentError).message).toBe(`The DP sent a malformed assignment: ${why}`);
  });
});
