// `castpoint-dp install-service`: runs the DP as a systemd service. Writes the unit (logs to the
// journal through stdout, `systemctl reload` sends SIGHUP, a stop saves the state) and, when there
// is none yet, the config file /etc/castpoint/dp.conf (JSON, the serve flags' names). It never
// overwrites a config and never runs systemctl itself: it prints the commands. --dry-run prints
// what it would write and writes nothing.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseIpv4, parseListen } from '../config/parse';
import { DpError } from '../errors';
import type { CliIo } from './io';

export const DEFAULT_CONFIG_PATH = '/etc/castpoint/dp.conf';
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
export const UNIT_NAME = 'castpoint-dp.service';
/** systemd's StateDirectory=castpoint: created for the service, owned by its user. */
export const SERVICE_DATA_DIR = '/var/lib/castpoint';

export interface ServiceOptions {
  /** Node and the castpoint-dp bundle (or a single executable: node alone, bundle ''). */
  readonly node: string;
  readonly bundle: string;
  readonly configPath: string;
  /** Run as this existing user; without one systemd makes a user for the service (DynamicUser). */
  readonly user?: string;
}

/** systemd's quoting of one ExecStart argument. */
function arg(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, '\\$1')}"`;
}

export function serviceUnit(o: ServiceOptions): string {
  const exec = [o.node, ...(o.bundle ? [o.bundle] : []), 'serve', '--config', o.configPath].map(arg).join(' ');
  return `# Written by castpoint-dp install-service. See docs/dp-server.md ("Running it as a service").
[Unit]
Description=castpoint distribution point (multicast OS-image deployment)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${exec}
# Reload reads the config and the token files again (tokens rotate; listen, data-dir and the
# session settings need a restart, and the log says so).
ExecReload=/bin/kill -HUP $MAINPID
# A stop saves the state and closes sessions; the DP exits within 10 s by itself.
KillSignal=SIGTERM
TimeoutStopSec=20
Restart=on-failure
RestartSec=5
${o.user ? `User=${o.user}` : 'DynamicUser=yes'}
StateDirectory=castpoint
StateDirectoryMode=0700
StandardOutput=journal
StandardError=journal
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
ProtectControlGroups=yes
ProtectKernelModules=yes
ProtectKernelTunables=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}

/** The first config: JSON with the serve flags' names (readConfigFile reads it). */
export function serviceConfig(o: { mcastInterface: string; listen: string }): string {
  return `${JSON.stringify({ 'data-dir': SERVICE_DATA_DIR, listen: o.listen, 'mcast-interface': o.mcastInterface }, null, 2)}\n`;
}

export interface InstallArgs {
  readonly unitDir: string;
  readonly config: string;
  readonly mcastInterface?: string | undefined;
  readonly listen: string;
  readonly user?: string | undefined;
  readonly dryRun: boolean;
  /** Node and the bundle the unit starts. @default this process's */
  readonly node?: string;
  readonly bundle?: string;
}

export function installService(a: InstallArgs, io: Pick<CliIo, 'out'>): void {
  const configPath = resolve(a.config);
  const unitPath = join(resolve(a.unitDir), UNIT_NAME);
  const isSea = process.argv[1] === undefined || resolve(process.argv[1]) === process.execPath;
  const unit = serviceUnit({
    node: a.node ?? process.execPath,
    bundle: a.bundle ?? (isSea ? '' : resolve(process.argv[1] ?? '')),
    configPath,
    ...(a.user !== undefined ? { user: a.user } : {}),
  });
  let config: string | undefined;
  if (!existsSync(configPath)) {
    if (a.mcastInterface === undefined) {
      throw new DpError('DP_BAD_SETTING', `${configPath} does not exist yet: give --mcast-interface (the IPv4 address of the LAN interface sessions multicast from) to write it`, { setting: 'mcast-interface' });
    }
    parseIpv4(a.mcastInterface, 'mcast-interface');
    parseListen(a.listen);
    config = serviceConfig({ mcastInterface: a.mcastInterface, listen: a.listen });
  }
  if (a.dryRun) {
    io.out(`# ${unitPath}\n${unit}\n`);
    io.out(config === undefined ? `# ${configPath} exists: kept as it is\n` : `# ${configPath}\n${config}`);
    return;
  }
  mkdirSync(dirname(unitPath), { recursive: true });
  writeFileSync(unitPath, unit, { mode: 0o644 });
  io.out(`wrote ${unitPath}\n`);
  if (config !== undefined) {
    mkdirSync(dirname(configPath), { recursive: true, mode: 0o755 });
    writeFileSync(configPath, config, { mode: 0o644 });
    io.out(`wrote ${configPath}\n`);
  } else {
    io.out(`kept ${configPath} (it exists)\n`);
  }
  io.out(
    `next: systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}\n` +
      `      journalctl -u ${UNIT_NAME} -f     (its log; the first start says where the tokens are: ${SERVICE_DATA_DIR}/*.token)\n` +
      `      systemctl reload ${UNIT_NAME}     (reads ${configPath} and the token files again)\n`,
  );
}
