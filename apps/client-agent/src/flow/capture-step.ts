// The capture step of `run` (issue 26): a machine of a `capture` deployment reads the disk the
// selector chose into the image the DP named, exactly as `castpoint-agent capture` would, with the
// assignment's capture grant as its token (the boot environment holds no token that may capture).
import { EXIT, exitCodeOf, toAgentError, type ExitCode } from '../errors';
import type { CaptureEvent, CaptureResult } from './capture';
import type { CaptureAssignment } from './run-assignment';
import type { RunReporter, TransferFacts } from './run-reporter';

const MiB = 1024 * 1024;
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

export interface CaptureRequest {
  /** The disk to read, under the run's root. */
  readonly source: string;
  readonly image: string;
  /** The assignment's capture grant, sent as the bearer token of every capture call. */
  readonly grant: string;
  readonly onEvent: (e: CaptureEvent) => void;
}

/** flow/capture.ts runCapture over the DP's capture API (run-command.ts wires the real one). */
export type CaptureRunner = (r: CaptureRequest) => Promise<CaptureResult>;

export interface CaptureStepDeps {
  readonly capture: CaptureRunner;
  readonly reporter: RunReporter;
  readonly clock: { now(): number };
}

export interface CaptureOutcome {
  readonly exit: ExitCode;
  /** What the history shows. */
  readonly message: string;
  readonly transfer: TransferFacts;
}

/** Never throws for a failed capture: its exit code and message go into the report. */
export async function captureDisk(order: CaptureAssignment, source: string, disk: string, selector: string, deps: CaptureStepDeps): Promise<CaptureOutcome> {
  const { reporter } = deps;
  reporter.step({ step: 'disk', text: `capturing ${disk} (chosen by ${selector}) to image ${order.image} (deployment ${order.deployment})`, disk, selector, image: order.image, deployment: order.deployment });
  const onEvent = (e: CaptureEvent): void => {
    if (e.phase === 'mapped') reporter.step({ step: 'capture', text: `${disk}: ${mib(e.map.usedBytes)} used of ${mib(e.map.size)} (map from ${e.map.source})`, phase: 'mapped', usedBytes: e.map.usedBytes, size: e.map.size, source: e.map.source, reasons: e.map.reasons });
    if (e.phase === 'planned') reporter.step({ step: 'capture', text: `the DP needs ${e.missing} of ${e.dataChunks} data chunks`, phase: 'planned', dataChunks: e.dataChunks, missing: e.missing });
  };
  try {
    const r = await deps.capture({ source, image: order.image, grant: order.grant, onEvent });
    const message = `captured ${disk} to image ${r.image.name}: ${r.dataChunks} data, ${r.zeroChunks} zero, ${r.unusedChunks} unused chunks; ${r.uploadedChunks} sent (${mib(r.uploadedBytes)}); manifest ${r.image.manifestHash.slice(0, 12)}`;
    reporter.step({ step: 'capture', text: message, phase: 'done', image: r.image.name, manifestHash: r.image.manifestHash, uploadedBytes: r.uploadedBytes, dataChunks: r.dataChunks, unusedChunks: r.unusedChunks });
    return { exit: EXIT.ok, message, transfer: { bytes: r.uploadedBytes } };
  } catch (err) {
    const e = toAgentError(err);
    const exit = exitCodeOf(e);
    reporter.error(e, exit, deps.clock.now());
    return { exit, message: `the capture of ${disk} to image ${order.image} failed: ${e.message}`, transfer: {} };
  }
}
