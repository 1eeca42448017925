// The progress model: what the screen, the JSON lines and the DP posts all read.
import type { ChunkStore } from './ports';
import { ProgressModel } from './progress-model';

describe('ProgressModel.snapshot', () => {
  it('reads bytes and chunks from the store and leaves out what is not known', () => {
    const m = new ProgressModel();
    expect(m.snapshot()).toEqual({ state: 'requesting', bytesDone: 0, totalBytes: 0, chunksDone: 0, totalChunks: 0, repairedSymbols: 0, badPackets: 0 });
    m.store = { manifest: { size: 4096 }, totalChunks: 4, chunksDone: () => 1, bytesDone: () => 1024 } as unknown as ChunkStore;
    m.sessionId = 9;
    m.badPackets = 2;
    m.set('waiting', 'scheduled', { nextAskMs: 500 });
    expect(m.snapshot()).toEqual({
      state: 'waiting',
      bytesDone: 1024,
      totalBytes: 4096,
      chunksDone: 1,
      totalChunks: 4,
      repairedSymbols: 0,
      badPackets: 2,
      message: 'scheduled',
      wait: { nextAskMs: 500 },
      sessionId: 9,
    });
    m.set('receiving');
    expect(m.snapshot()).not.toHaveProperty('wait');
    expect(m.snapshot()).not.toHaveProperty('message');
  });
});
