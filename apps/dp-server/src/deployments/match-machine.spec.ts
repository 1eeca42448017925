import { matchMachine } from './match-machine';

const UUID = '4c4c4544-0042-3510-8052-b4c04f4e4d32';
const ZERO = '00000000-0000-0000-0000-000000000000';
const known = [
  { id: 1, macs: ['52:54:00:00:00:01'], uuid: UUID },
  { id: 2, macs: ['52:54:00:00:00:02', '52:54:00:00:00:03'], uuid: ZERO },
  { id: 3, macs: [], uuid: '11111111-1111-1111-1111-111111111111' },
];

describe('matchMachine', () => {
  it.each<[string, { macs: string[]; uuid?: string | null }, unknown]>([
    ['by MAC, any spelling', { macs: ['52-54-00-00-00-01'] }, { kind: 'match', machineId: 1, by: 'mac', newMacs: [] }],
    ['by one of its MACs, the other recorded as new', { macs: ['52:54:00:00:00:03', '52:54:00:00:00:09'] }, { kind: 'match', machineId: 2, by: 'mac', newMacs: ['52:54:00:00:00:09'] }],
    ['MAC first: a UUID of another machine does not move it', { macs: ['52:54:00:00:00:02'], uuid: UUID }, { kind: 'match', machineId: 2, by: 'mac', newMacs: [] }],
    ['a UUID seen with other MACs never merges: a new machine', { macs: ['52:54:00:00:00:99'], uuid: UUID }, { kind: 'new', sharedUuidWith: [1] }],
    ['a placeholder UUID identifies nothing', { macs: ['52:54:00:00:00:99'], uuid: ZERO }, { kind: 'new', sharedUuidWith: [] }],
    ['a UUID held by one machine with no MAC yet matches it', { macs: ['52:54:00:00:00:99'], uuid: '11111111-1111-1111-1111-111111111111' }, { kind: 'match', machineId: 3, by: 'uuid', newMacs: ['52:54:00:00:00:99'] }],
    ['MACs of two machines: a conflict', { macs: ['52:54:00:00:00:01', '52:54:00:00:00:02'] }, { kind: 'conflict', machineIds: [1, 2] }],
    ['nothing known', { macs: ['52:54:00:00:00:99'] }, { kind: 'new', sharedUuidWith: [] }],
  ])('%s', (_why, reported, expected) => {
    expect(matchMachine(reported, known)).toEqual(expected);
  });
});
