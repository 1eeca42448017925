import { ReceiverGate } from './control-gate';

describe('ReceiverGate', () => {
  it('lets through registered receivers speaking for themselves, each packet once', () => {
    const g = new ReceiverGate();
    g.add(5);
    expect(g.admit(5, 5, 1n)).toBe('ok');
    expect(g.admit(5, 5, 1n)).toBe('replay');
    expect(g.admit(5, 5, 0n)).toBe('replay');
    expect(g.admit(5, 5, 2n)).toBe('ok');
    expect(g.admit(6, 5, 3n)).toBe('spoofed');
    expect(g.dropped).toEqual({ spoofed: 1, unknown: 0, replay: 2 });
    expect(g.heardCount()).toBe(1);
  });

  it('drops and counts ids the DP did not register, storing nothing for them', () => {
    const g = new ReceiverGate();
    g.add(1);
    g.add(2);
    // 400k invented ids (the attack of issue 22.4 grew the runner's maps by 56 MB of heap).
    let admitted = 0;
    for (let id = 1000; id < 401_000; id++) if (g.admit(id, id, 1n) !== 'unknown') admitted++;
    expect(admitted).toBe(0);
    expect(g.dropped.unknown).toBe(400_000);
    expect(g.entries).toBe(2);
    expect(g.heardCount()).toBe(0);
  });

  it('forgets a receiver that left: its later packets are unknown', () => {
    const g = new ReceiverGate();
    g.add(3);
    expect(g.admit(3, 3, 1n)).toBe('ok');
    g.remove(3);
    expect(g.entries).toBe(0);
    expect(g.admit(3, 3, 2n)).toBe('unknown');
  });
});
