// Remembers what the DP's last join or fallback reply said the image is, for the store opener that
// is called right after it (deploy.ts opens the target with the reply's manifest): the flow itself
// needs no knowledge of WIMs.
import type { ImageContent } from '@castpoint/wire';
import type { DpApi } from '../flow/deploy';
import type { ContentWatch } from './wim-store';

export function watchContent(dp: DpApi): { dp: DpApi; watch: ContentWatch } {
  let content: ImageContent | undefined;
  return {
    dp: {
      async request(body) {
        const reply = await dp.request(body);
        if (reply.status !== 'wait') content = reply.content;
        return reply;
      },
      progress: (body) => dp.progress(body),
      fetchRange: (path, start, length) => dp.fetchRange(path, start, length),
    },
    watch: { current: () => content },
  };
}
