// The progress posts to the DP: periodic ones never pile up, the final one is never lost.
import type { AgentProgress } from '@castpoint/wire';
import { ProgressModel } from './progress-model';
import { ProgressPosts } from './progress-posts';

describe('ProgressPosts.post', () => {
  it('sends the final report after a periodic one still on its way, instead of dropping it', async () => {
    const sent: AgentProgress[] = [];
    let answer!: () => void;
    const dp = {
      progress: (body: AgentProgress) => {
        sent.push(body);
        // The first (periodic) post hangs until released; later ones answer at once.
        return sent.length === 1 ? new Promise<boolean>((r) => (answer = () => r(true))) : Promise.resolve(true);
      },
    };
    const model = new ProgressModel();
    const posts = new ProgressPosts('img', model, () => 0, dp);
    model.receiverId = 7;
    model.set('receiving');
    posts.tick(5000); // a periodic post, now in flight
    posts.tick(5500); // within the period: nothing
    model.set('failed', 'disk too small');
    const final = posts.post();
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(1); // waits for the one in flight...
    answer();
    await final;
    expect(sent.map((b) => b.state)).toEqual(['receiving', 'failed']); // ...then goes
    expect(sent[1]).toMatchObject({ receiverId: 7, message: 'disk too small', totalChunks: 0 });
  });

  it('skips a periodic post while one is on its way, and posts nothing before the DP gave an id', async () => {
    const sent: AgentProgress[] = [];
    const dp = { progress: (b: AgentProgress) => (sent.push(b), new Promise<boolean>(() => undefined)) };
    const model = new ProgressModel();
    const posts = new ProgressPosts('img', model, () => 0, dp, 100);
    posts.tick(0);
    expect(sent).toHaveLength(0);
    model.receiverId = 1;
    posts.tick(1000);
    posts.tick(2000);
    expect(sent).toHaveLength(1);
  });
});
