// The text files of the WinPE kit (`castpoint-dp bootenv winpe`), as a pure function of the
// settings: what an admin adds to boot.wim beside the agent. cmd.exe wants CRLF line ends.
//   Windows\System32\startnet.cmd  wpeinit, wait for the network, open the firewall, deploy;
//   castpoint\firewall.cmd         inbound UDP to the agent on the DP's session ports only
//                                  (netsh advfirewall; the firewall stays on);
//   castpoint\settings.cmd         the DP's URL and the client token (edit before adding);
//   castpoint\deploy.cmd           castpoint-agent run, its exit code said in plain words;
//   castpoint\check-dlls.cmd       every DLL the agent .exe imports, looked for in System32.

export interface KitSettings {
  /** The DP's URL; empty: settings.cmd says to fill it in. */
  readonly server?: string;
  readonly token?: string;
  /** The DP's session UDP ports (its port-range setting). */
  readonly portLow: number;
  readonly portHigh: number;
  /** What the agent .exe imports and delay-loads (pe-imports.ts). */
  readonly dlls: readonly string[];
}

export interface KitFile {
  /** Path in the kit, which mirrors the mounted boot.wim's root. */
  readonly path: string;
  readonly text: string;
}

/** Where the kit puts the agent and its scripts inside WinPE. */
export const KIT_DIR = 'X:\\castpoint';
const AGENT = `${KIT_DIR}\\castpoint-agent.exe`;

const crlf = (lines: readonly string[]): string => `${lines.join('\r\n')}\r\n`;

/** Characters cmd.exe treats specially in `set NAME=value` (& | < > ^ %) and quotes are refused. */
function cmdValue(name: string, value: string): string {
  if (/[&|<>^%"\r\n]/.test(value)) throw new RangeError(`${name} "${value}" holds a character cmd.exe would interpret (& | < > ^ % ")`);
  return value;
}

/** Names the DP's own dependencies would never need and WinPE always has (the NODE.EXE of koffi is the host). */
export function dllsToCheck(dlls: readonly string[]): string[] {
  return [...new Set(dlls.map((d) => d.toLowerCase()))].filter((d) => d !== 'node.exe').sort();
}

export function kitFiles(s: KitSettings): KitFile[] {
  if (!(Number.isInteger(s.portLow) && Number.isInteger(s.portHigh) && s.portLow >= 1 && s.portLow <= s.portHigh && s.portHigh <= 65535)) {
    throw new RangeError(`session ports ${s.portLow}-${s.portHigh} are not a port range`);
  }
  const server = cmdValue('--server', s.server ?? '');
  const token = cmdValue('--token', s.token ?? '');
  return [
    {
      path: 'Windows/System32/startnet.cmd',
      text: crlf([
        'wpeinit',
        'wpeutil WaitForNetwork',
        `call ${KIT_DIR}\\firewall.cmd`,
        `call ${KIT_DIR}\\deploy.cmd`,
      ]),
    },
    {
      path: 'castpoint/firewall.cmd',
      text: crlf([
        '@echo off',
        'rem Sessions send multicast (and repairs) to the agent on the DP\'s session ports: allow',
        'rem inbound UDP there, for the agent only. The firewall stays on for everything else.',
        `netsh advfirewall firewall add rule name="castpoint sessions (UDP in)" dir=in action=allow protocol=UDP localport=${s.portLow}-${s.portHigh} program="${AGENT}" enable=yes`,
        'if errorlevel 1 echo castpoint: the firewall rule could not be added: multicast will not arrive, the agent falls back to unicast if the DP allows it',
      ]),
    },
    {
      path: 'castpoint/settings.cmd',
      text: crlf([
        'rem The DP this WinPE deploys from. Written by castpoint-dp bootenv winpe; edit and rebuild boot.wim to change.',
        `set CASTPOINT_SERVER=${server}`,
        `set CASTPOINT_TOKEN=${token}`,
      ]),
    },
    {
      path: 'castpoint/deploy.cmd',
      text: crlf([
        '@echo off',
        `call ${KIT_DIR}\\settings.cmd`,
        'if "%CASTPOINT_SERVER%"=="" (',
        `  echo castpoint: CASTPOINT_SERVER is empty in ${KIT_DIR}\\settings.cmd: nothing to deploy from.`,
        '  exit /b 2',
        ')',
        'rem The DP decides the image and the disk (its deployment for this machine); the agent',
        'rem writes \\\\.\\PhysicalDriveN, reports, then does the deployment\'s after-action (wpeutil).',
        `"${AGENT}" run --server %CASTPOINT_SERVER% --state-dir ${KIT_DIR}\\state --json > ${KIT_DIR}\\agent.log`,
        'set RC=%ERRORLEVEL%',
        'if "%RC%"=="0" exit /b 0',
        'if "%RC%"=="8" (echo castpoint: no deployment for this machine.& exit /b 8)',
        `echo castpoint: castpoint-agent run failed with exit code %RC%: its reason is above, its progress in ${KIT_DIR}\\agent.log`,
        'echo   3 DP unreachable or refused the token, 4 unknown image, 5 disk refused, 6 verification failed, 7 removed from multicast by policy, 9 script failed',
        'exit /b %RC%',
      ]),
    },
    {
      path: 'castpoint/check-dlls.cmd',
      text: crlf([
        '@echo off',
        'rem Every DLL castpoint-agent.exe imports or delay-loads: each must be in WinPE\'s System32.',
        'set MISSING=0',
        ...dllsToCheck(s.dlls).map((d) => `if not exist %SystemRoot%\\System32\\${d} (echo missing: ${d}& set MISSING=1)`),
        'if "%MISSING%"=="0" echo castpoint: every DLL the agent imports is present.',
        'exit /b %MISSING%',
      ]),
    },
  ];
}
