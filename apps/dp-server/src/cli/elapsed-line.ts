// A one-line "still working" display for a call the DP answers only when done (an image import
// reads the whole file first: 17.6 s of silence for 3 GiB before this line). Drawn on stderr and
// only on a terminal, so pipes and --json output stay clean.
import { formatDuration } from './human';
import type { CliIo } from './io';

const FRAMES = ['|', '/', '-', '\\'] as const;
/** Redraws per second: enough to look alive, cheap on a serial console. */
const REDRAW_MS = 250;

/** Starts the line (`| importing win11: 4.2 s`); the returned function erases it. */
export function startElapsedLine(io: CliIo, label: string): () => void {
  if (!io.errIsTty) return () => undefined;
  const t0 = io.now();
  let frame = 0;
  const draw = (): void => {
    io.err(`\r${FRAMES[frame++ % FRAMES.length] ?? ''} ${label}: ${formatDuration(io.now() - t0)}\x1b[K`);
  };
  draw();
  const stop = io.every(REDRAW_MS, draw);
  return () => {
    stop();
    io.err('\r\x1b[K');
  };
}
