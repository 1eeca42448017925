// castpoint-agent entry point: wires the real DP client, disk store, sockets and terminal to the
// CLI. Bundled to dist/apps/client-agent/main.cjs and into the single-file executables.
import { useNativeAddonAsset } from './adapters/native-addon-asset';
import { runCli } from './cli';
import { runCaptureCommand } from './run-capture';
import { runContext, runRunCommand } from './run-command';
import { runDeployCommand } from './run-deploy';
import { runRefreshCommand } from './refresh-command';

async function main(): Promise<void> {
  // Before any session key exists: its PacketMac or PacketAead takes the engine chosen now.
  useNativeAddonAsset();
  const io = {
    env: process.env,
    stdoutIsTty: process.stdout.isTTY === true,
    cwd: process.cwd(),
    out: (t: string) => process.stdout.write(t),
    err: (t: string) => process.stderr.write(t),
  };
  const code = await runCli(
    process.argv.slice(2),
    io,
    runDeployCommand,
    (raw) => runRunCommand(raw, runContext(io)),
    (opts) => runCaptureCommand(opts),
    (raw) => runRefreshCommand(raw, io),
  );
  // Let stdout drain (a pipe to a log collector) before exiting; open handles must not keep us alive.
  process.stdout.write('', () => process.exit(code));
}

void main();
