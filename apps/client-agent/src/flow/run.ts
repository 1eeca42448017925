// The `run` command (issue 24): a machine that boots the agent is deployed with no image named on
// it. Identity -> ask the DP -> (wait and ask again) -> pick the disk -> deploy exactly as
// `deploy` does -> post-deploy script -> report -> after-action. Every rule with choices lives in
// its own module (run-options, disk-select, run-script, run-after); this file sequences them and
// maps the end to an exit code: deploy's, plus 8 (nothing to do) and 9 (script failed).
// A `capture` deployment (issue 26) reads the chosen disk into a new image instead (capture-step.ts).
import path from 'node:path';
import { physicalDriveNumber, selectDisk } from '@castpoint/chunking';
import { withPatience, type Clock } from '../dp/patience';
import { AgentError, EXIT, exitCodeOf, toAgentError, type ExitCode } from '../errors';
import type { MachineIdentity } from '../identity/identity';
import type { DeployOptions } from '../options';
import { afterCommand, type CommandRunner } from './run-after';
import type { Assignment, AssignmentRequest, CaptureAssignment, DeployAssignment, ReportResult, RunReport } from './run-assignment';
import { captureDisk, type CaptureRunner } from './capture-step';
import { deployOptionsFor, type RunContext, type RunOptions } from './run-options';
import type { RunReporter } from './run-reporter';
import type { ScriptRun, ScriptRunner } from './run-script';

export interface AssignmentApi {
  assignment(body: AssignmentRequest): Promise<Assignment>;
  report(body: RunReport): Promise<void>;
}

export interface RunDeps {
  readonly dp: AssignmentApi;
  /** The machine's MACs, SMBIOS facts and disks (identity/readIdentity on Linux). */
  readonly identity: () => MachineIdentity;
  /** Deploys as the `deploy` command does (flow/deploy.ts with its dependencies and this reporter). */
  readonly deploy: (opts: DeployOptions) => Promise<ExitCode>;
  /** Captures a disk as `capture` does, authenticated by the assignment's grant (capture-step.ts). */
  readonly capture: CaptureRunner;
  readonly script: ScriptRunner;
  readonly commands: CommandRunner;
  /** systemd runs the machine: the after-action goes through systemctl. */
  readonly systemd: boolean;
  readonly clock: Clock;
  readonly reporter: RunReporter;
  readonly ctx: RunContext;
}

/** The DP's clock and the agent's may disagree: a wait is re-asked at least this often... */
export const MAX_WAIT_STEP_MS = 60_000;
/** ...and no more often than this (an agent clock ahead of the DP's must not hammer it). */
export const MIN_WAIT_STEP_MS = 5_000;
/** First contact waits less than later ones, as deploy's does: a wrong URL should fail fast. */
export const FIRST_ASK_PATIENCE_MS = 30_000;

export async function run(opts: RunOptions, deps: RunDeps): Promise<ExitCode> {
  try {
    return await new Run(opts, deps).run();
  } catch (err) {
    const e = toAgentError(err);
    deps.reporter.error(e, exitCodeOf(e), deps.clock.now());
    return exitCodeOf(e);
  }
}

class Run {
  constructor(
    private readonly opts: RunOptions,
    private readonly deps: RunDeps,
  ) {}

  async run(): Promise<ExitCode> {
    const id = this.deps.identity();
    if (id.macs.length === 0) throw new AgentError('usage', 'No network interface with a MAC address was found (/sys/class/net on Linux, the network adapters on Windows): the DP identifies machines by MAC');
    this.deps.reporter.step({ step: 'identity', text: `this machine: ${id.macs.join(', ')}${id.model ? `, ${id.model}` : ''}; ${id.disks.length} disk(s)`, macs: id.macs, uuid: id.uuid, disks: id.disks.length });
    const order = await this.ask({ ...identityRequest(id), ...(this.opts.choose === undefined ? {} : { choose: this.opts.choose }) });
    if (typeof order === 'number') return order;
    const selector = this.opts.disk ?? order.disk;
    // A capture reads whatever size the disk is: no least size.
    const choice = selectDisk(selector, id.disks, order.action === 'deploy' ? (order.imageBytes ?? 0) : 0);
    const startedMs = this.deps.clock.now();
    if (!choice.ok) {
      // Nothing written; the history must still show why this machine was not deployed.
      await this.report(id.macs, order, startedMs, 'refused', EXIT.targetRefused, choice.message, {}).catch((e: unknown) => this.deps.reporter.note(`the refusal could not be reported: ${toAgentError(e).message}`));
      throw new AgentError('target-refused', `No disk for deployment ${order.deployment} (disk selector ${selector}): ${choice.message}`, { selector });
    }
    // \\.\PhysicalDriveN (the Windows agent's disks) is a device name, not a path under the root.
    const target = physicalDriveNumber(choice.disk.path) === undefined ? path.join(this.deps.ctx.root, choice.disk.path) : choice.disk.path;
    if (order.action === 'capture') {
      const c = await captureDisk(order, target, choice.disk.path, selector, this.deps);
      return this.finish(id.macs, order, startedMs, c.exit, c.message, c.transfer);
    }
    this.deps.reporter.step({ step: 'disk', text: `deploying image ${order.image} (deployment ${order.deployment}) to ${choice.disk.path}, chosen by ${selector}`, disk: choice.disk.path, selector, image: order.image, deployment: order.deployment });
    let exit = await this.deps.deploy(deployOptionsFor(this.opts, order.image, target, this.deps.ctx));
    const transfer = this.deps.reporter.transfer();
    let message = exit === EXIT.ok ? 'deployed and verified' : (this.deps.reporter.failure ?? `the deploy ended with exit ${exit}`);
    if (exit === EXIT.ok && order.script !== null) {
      const s = await this.script(order, choice.disk.path);
      if (!s.ok) exit = EXIT.scriptFailed;
      message = s.ok ? `${message}; the post-deploy script exited 0` : `${message}; but ${s.failure ?? 'the script failed'}; its output ends:\n${s.tail}`;
    }
    return this.finish(id.macs, order, startedMs, exit, message, transfer);
  }

  /** Reports the attempt, then does the after-action when it succeeded and the DP took the report. */
  private async finish(macs: string[], order: DeployAssignment | CaptureAssignment, startedMs: number, exit: ExitCode, message: string, transfer: ReturnType<RunReporter['transfer']>): Promise<ExitCode> {
    const result: ReportResult = exit === EXIT.ok ? 'ok' : (exit === EXIT.imageUnknown || exit === EXIT.targetRefused) && !transfer.bytes ? 'refused' : 'failed';
    try {
      await this.report(macs, order, startedMs, result, exit, message, transfer);
      this.deps.reporter.step({ step: 'report', text: `reported ${result} to the DP`, result, exitCode: exit });
    } catch (err) {
      const e = toAgentError(err);
      // Deployed but not reported: the DP would deploy it again at the next boot, so the machine
      // stays where it is, for the technician, rather than rebooting into a loop.
      if (exit === EXIT.ok) throw new AgentError(e.code === 'dp-refused' ? 'dp-refused' : 'dp-unreachable', `The image is ${order.action === 'capture' ? 'captured' : 'deployed'} but the DP did not take the report, so the after-action (${order.after}) was not done: ${e.message}`);
      this.deps.reporter.note(`the result could not be reported: ${e.message}`);
    }
    if (exit !== EXIT.ok) {
      if (exit === EXIT.scriptFailed) throw new AgentError('script-failed', message);
      // deploy (or the capture step) has printed its failure already.
      return exit;
    }
    await this.after(order);
    this.deps.reporter.step({ step: 'result', text: `deployment ${order.deployment} done`, exitCode: exit });
    return exit;
  }

  /** Asks until the DP says deploy (returns it) or nothing (returns exit 8); waits in between. */
  private async ask(request: AssignmentRequest): Promise<DeployAssignment | CaptureAssignment | ExitCode> {
    for (let first = true; ; first = false) {
      const patienceMs = first ? Math.min(FIRST_ASK_PATIENCE_MS, this.opts.dpPatienceMs) : this.opts.dpPatienceMs;
      const a = await withPatience(() => this.deps.dp.assignment(request), this.deps.clock, { patienceMs, onRetry: (e) => this.deps.reporter.note(`${e.message}; asking again`) });
      const who = a.machine === null ? 'this machine' : `machine ${a.machine}`;
      switch (a.action) {
        case 'deploy':
        case 'capture':
          return a;
        case 'nothing':
          this.deps.reporter.step({ step: 'result', text: `the DP has nothing for ${who}: ${a.reason}; no disk was touched${a.available.length ? ` (available: ${a.available.join(', ')})` : ''}`, machine: a.machine, action: 'nothing', reason: a.reason, available: a.available, exitCode: EXIT.nothingToDo });
          return EXIT.nothingToDo;
        case 'conflict':
          throw new AgentError('assignment-conflict', `The DP cannot tell what ${who} is to do until an operator resolves it: ${a.reason}`, { deployments: a.deployments });
        case 'wait': {
          const untilMs = Date.parse(a.until);
          const stepMs = Math.min(MAX_WAIT_STEP_MS, Math.max(MIN_WAIT_STEP_MS, untilMs - this.deps.clock.now()));
          this.deps.reporter.step({ step: 'wait', text: `${who} waits until ${a.until}: ${a.reason}; asking again in ${Math.round(stepMs / 1000)} s`, machine: a.machine, until: a.until, reason: a.reason });
          await this.deps.clock.sleep(stepMs);
        }
      }
    }
  }

  private async script(order: DeployAssignment, disk: string): Promise<ScriptRun> {
    const script = order.script ?? '';
    this.deps.reporter.step({ step: 'script', text: `running the post-deploy script ${script}`, url: script });
    const env: Record<string, string> = {
      ...order.variables,
      CASTPOINT_SERVER: this.opts.server,
      CASTPOINT_MACHINE: order.machine ?? '',
      CASTPOINT_DEPLOYMENT: order.deployment,
      CASTPOINT_IMAGE: order.image,
      CASTPOINT_DISK: disk,
    };
    const s = await this.deps.script({ url: script, server: this.opts.server, ...(this.opts.token === undefined ? {} : { token: this.opts.token }), dir: this.opts.stateDir, env, onOutput: (t) => this.deps.reporter.scriptOutput(t) });
    this.deps.reporter.step({ step: 'script', text: s.ok ? 'the post-deploy script exited 0' : `the post-deploy script failed: ${s.failure ?? ''}`, exitCode: s.exitCode });
    return s;
  }

  private report(macs: string[], order: DeployAssignment | CaptureAssignment, startedMs: number, result: ReportResult, exitCode: ExitCode, message: string, t: ReturnType<RunReporter['transfer']>): Promise<void> {
    const body: RunReport = {
      macs,
      deployment: order.deployment,
      ...(order.action === 'capture' ? { image: order.image } : {}),
      result,
      startedAt: new Date(startedMs).toISOString(),
      durationMs: Math.max(0, Math.round(this.deps.clock.now() - startedMs)),
      exitCode,
      // The route's limit; the tail of a script's output is the end worth keeping.
      message: message.length > 8000 ? `...${message.slice(-7997)}` : message,
      ...t,
    };
    return withPatience(() => this.deps.dp.report(body), this.deps.clock, { patienceMs: this.opts.dpPatienceMs });
  }

  private async after(order: DeployAssignment | CaptureAssignment): Promise<void> {
    if (order.after === 'none') return;
    const [cmd, args] = afterCommand(order.after, this.deps.systemd, this.deps.ctx.platform);
    this.deps.reporter.step({ step: 'after', text: `${order.after}: ${[cmd, ...args].join(' ')}`, after: order.after, command: [cmd, ...args] });
    const code = await this.deps.commands(cmd, args);
    if (code !== 0) throw new AgentError('internal', `The ${order.action === 'capture' ? 'disk is captured' : 'image is deployed'} and reported, but "${[cmd, ...args].join(' ')}" failed (${code === null ? 'it could not start' : `exit ${code}`}): ${order.after} the machine by hand`);
  }
}

function identityRequest(id: MachineIdentity): AssignmentRequest {
  return {
    macs: id.macs,
    ...(id.uuid ? { uuid: id.uuid } : {}),
    ...(id.serial ? { serial: id.serial } : {}),
    ...(id.vendor ? { vendor: id.vendor } : {}),
    ...(id.model ? { model: id.model } : {}),
  };
}
