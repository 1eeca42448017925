import { parseRange } from './agent-routes';

describe('parseRange', () => {
  it.each([
    [undefined, undefined],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=50-500', { start: 50, end: 99 }],
  ])('%j of a 100-byte image is %j', (header, want) => {
    expect(parseRange(header, 100)).toEqual(want);
  });

  it.each(['bytes=100-', 'bytes=9-3', 'bytes=0-1,4-5', 'items=0-1', 'bytes=-'])('refuses %j with DP_BAD_RANGE', (header) => {
    expect(() => parseRange(header, 100)).toThrow(expect.objectContaining({ code: 'DP_BAD_RANGE' }));
  });
});
