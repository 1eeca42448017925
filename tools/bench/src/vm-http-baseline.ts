// The baseline the VM figures compare castpoint with (docs/benchmarks.md): each VM downloads the
// image by plain HTTP from the DP (busybox wget of the agent image route, the bytes straight onto
// its disk), same VMs, same LAN, same boot environment. It replaces the agent in the boot
// environment by a stand-in script, added as a second initramfs archive the kernel unpacks over
// the first (a later cpio entry replaces an earlier one of the same name).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the boot environment's init finds the agent (apps/dp-server/src/bootenv/init-script.ts). */
const AGENT_PATH = 'opt/castpoint/castpoint-agent';

/**
 * The stand-in agent: called by the init as `deploy --server S --image I --target T --token K ...`,
 * it GETs the whole image from the DP's unicast route with the token, writes it to the target,
 * checks the first `castpoint.bytes=` bytes' SHA-256 against `castpoint.sha256=` from the kernel
 * line, and prints the agent's progress states as JSON lines so the console timings read alike.
 */
export function httpFetchScript(): string {
  return `#!/bin/sh
# castpoint VM lab: HTTP baseline stand-in for castpoint-agent deploy (plain wget, no multicast)
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server="$2"; shift ;;
    --image) image="$2"; shift ;;
    --target) target="$2"; shift ;;
    --token) token="$2"; shift ;;
  esac
  shift
done
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "\${w#*=}" ;; esac; done; }
bytes="$(arg castpoint.bytes)"
want="$(arg castpoint.sha256)"
echo '{"state":"receiving","via":"http"}'
wget -q -O "$target" --header "Authorization: Bearer $token" "$server/api/v1/agent/images/$image/content" || { echo "wget failed"; exit 4; }
sync
echo '{"state":"verifying","via":"http"}'
got="$(head -c "$bytes" "$target" | sha256sum | cut -d' ' -f1)"
[ "$got" = "$want" ] || { echo "sha256 mismatch: $got, want $want"; exit 5; }
echo '{"state":"done","via":"http"}'
`;
}

/** The boot environment's initrd with the stand-in agent archive appended, written to `out`. */
export function httpBaselineInitrd(bootenvInitrd: string, out: string): string {
  const work = mkdtempSync(path.join(path.dirname(out), '.http-initrd-'));
  try {
    const agent = path.join(work, AGENT_PATH);
    mkdirSync(path.dirname(agent), { recursive: true });
    writeFileSync(agent, httpFetchScript());
    chmodSync(agent, 0o755);
    const overlay = execFileSync('sh', ['-c', `find ${AGENT_PATH} | cpio --quiet -o -H newc -R 0:0 | gzip -1`], { cwd: work, maxBuffer: 1 << 20 });
    writeFileSync(out, Buffer.concat([readFileSync(bootenvInitrd), overlay]));
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
