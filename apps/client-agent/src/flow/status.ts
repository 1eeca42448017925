// The agent's live status as the deploy loop drives it: the progress model, what the reporter
// prints from it, and the posts to the DP, advanced together by one tick. The model holds the
// state (progress-model.ts); the posts only send it (progress-posts.ts).
import type { Reporter } from '../output/reporter';
import { ProgressModel } from './progress-model';
import { ProgressPosts, type ProgressPoster } from './progress-posts';

export class AgentStatus {
  readonly progress = new ProgressModel();
  readonly posts: ProgressPosts;

  constructor(
    image: string,
    private readonly reporter: Reporter,
    dp: ProgressPoster,
    /** Period of progress posts to the DP, ms. @default 1000 */
    postPeriodMs = 1000,
  ) {
    this.posts = new ProgressPosts(image, this.progress, () => reporter.rates().bytesPerSec, dp, postPeriodMs);
  }

  /** Called often by the deploy loop: feeds the reporter and posts progress once per period. */
  tick(nowMs: number): void {
    this.reporter.update(this.progress.snapshot(), nowMs);
    this.reporter.tick(nowMs);
    this.posts.tick(nowMs);
  }
}
