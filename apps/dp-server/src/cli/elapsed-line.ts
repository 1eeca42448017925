// A one-line "still working" display for a call the DP answers only when done (an image import
// reads the whole file first: 17.6 s of silence for 3 GiB before this line). Drawn on stderr and
// only on a terminal, so pipes and --json output stay clean.
import { formatDuration } from './human';
import type { CliIo } from './io';

const FRAMES = ['|', '/', '-', '\\'] as const;
/** Redraws per second: enough to look alive, cheap on a serial console. */
const REDRAW_MS = 250;

export interface ElapsedLine {
  /** What is known of the progress (`1.2 GiB of 3.0 GiB (40%)`), shown before the time. */
  detail(text: string): void;
  /** Erases the line. */
  stop(): void;
}

/** Starts the line (`| importing win11: 4.2 s`). */
export function startElapsedLine(io: CliIo, label: string): ElapsedLine {
  if (!io.errIsTty) return { detail: () => undefined, stop: () => undefined };
  const t0 = io.now();
  let frame = 0;
  let detail = '';
  const draw = (): void => {
    io.err(`\r${FRAMES[frame++ % FRAMES.length] ?? ''} ${label}: ${detail}${formatDuration(io.now() - t0)}\x1b[K`);
  };
  draw();
  const stop = io.every(REDRAW_MS, draw);
  return {
    detail: (text) => {
      detail = text === '' ? '' : `${text}, `;
    },
    stop: () => {
      stop();
      io.err('\r\x1b[K');
    },
  };
}
