// watchContent: the store opener learns the image's kind from the reply deploy just received.
import type { AgentRequestReply, Manifest } from '@castpoint/wire';
import type { DpApi } from '../flow/deploy';
import { watchContent } from './content-watch';

const manifest = {} as Manifest;
const wim = { kind: 'wim', index: 3, totalBytes: 1000 } as const;

function dpAnswering(replies: AgentRequestReply[]): DpApi {
  return {
    request: () => Promise.resolve(replies.shift() as AgentRequestReply),
    progress: () => Promise.resolve(true),
    fetchRange: () => Promise.resolve(new Uint8Array(1)),
  };
}

describe('watchContent', () => {
  it('says what the last join or fallback reply said; a wait changes nothing', async () => {
    const { dp, watch } = watchContent(
      dpAnswering([
        { status: 'fallback', receiverId: 1, reason: 'r', manifest, contentPath: '/c', content: wim },
        { status: 'wait', retryAfterMs: 1, reason: 'w' },
        { status: 'fallback', receiverId: 2, reason: 'r', manifest, contentPath: '/c' },
      ]),
    );
    expect(watch.current()).toBeUndefined();
    await dp.request({ image: 'x', hostname: 'h' });
    expect(watch.current()).toEqual(wim);
    await dp.request({ image: 'x', hostname: 'h' });
    expect(watch.current()).toEqual(wim);
    await dp.request({ image: 'x', hostname: 'h' });
    expect(watch.current()).toBeUndefined();
    expect(await dp.fetchRange('/c', 0, 1)).toEqual(new Uint8Array(1));
  });
});
