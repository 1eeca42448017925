// A client record's identity fields (ip, macs, machine, start, end, result) are optional: records
// saved before they were kept load as they are, and new ones are checked like every other field.
import { stateFixture } from './testing/state-fixture';
import { validateState } from './validate';

describe('validateState: client identity fields', () => {
  it('accepts a client record without them (saved by an older DP)', () => {
    const s = stateFixture();
    expect(s.clients[0]?.macs).toBeUndefined();
    expect(validateState(s, 'state').clients).toHaveLength(2);
  });

  it('accepts a client record with them', () => {
    const s = stateFixture();
    const c = s.clients[0];
    if (!c) throw new Error('fixture without clients');
    Object.assign(c, { ip: '10.7.0.7', macs: ['52:54:00:aa:00:07'], machine: 'lab-pc-07', startedAt: c.firstSeen, endedAt: c.lastSeen, result: 'done' });
    expect(validateState(s, 'state').clients[0]).toMatchObject({ ip: '10.7.0.7', macs: ['52:54:00:aa:00:07'], result: 'done' });
  });

  it.each([
    ['macs', '52:54:00:aa:00:07', 'clients.0.macs must be array'],
    ['ip', 7, 'clients.0.ip must be string'],
    ['endedAt', null, 'clients.0.endedAt must be string'],
  ])('refuses %s = %j, naming the field', (field, value, problem) => {
    const s = stateFixture();
    Object.assign(s.clients[0] ?? {}, { [field]: value });
    expect(() => validateState(s, 'state')).toThrow(problem);
  });
});
