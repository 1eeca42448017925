import { newRunPrefix, ownerPid, processAlive } from './names';

describe('lab namespace names', () => {
  it('carry the owning pid so stale labs can be found', () => {
    const prefix = newRunPrefix(4242);
    expect(prefix).toMatch(/^cpl-4242-[0-9a-f]{6}$/);
    expect(ownerPid(`${prefix}-client3`)).toBe(4242);
    expect(ownerPid(`${prefix}-br`)).toBe(4242);
  });

  it('ignore namespaces that are not ours', () => {
    expect(ownerPid('docker-1234')).toBeUndefined();
    expect(ownerPid('cpl-probe-abc123')).toBeUndefined();
    expect(ownerPid('cpl-12-zz-x')).toBeUndefined();
  });

  it('tell a live process from a dead one', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 12345)).toBe(false);
  });
});
