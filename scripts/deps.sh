#!/usr/bin/env bash
# Install the Debian packages mmbench needs (build, tests, plots, vm runner); quick when all are there.
set -euo pipefail
pkgs=(build-essential pkg-config git libnuma-dev libhwloc-dev libjansson-dev libgsl-dev
      libcmocka-dev cppcheck gnuplot-nox numactl hwloc qemu-system-x86 busybox-static cpio xz-utils
      linux-source-6.1 linux-image-cloud-amd64 linux-image-6.12-cloud-amd64 bison flex jq
      clang-14 libclang-rt-14-dev util-linux lava-dispatcher lavacli chromium imagemagick tidy
      libsqlite3-dev libpq-dev postgresql)
# clang-14 and libclang-rt-14-dev: the libFuzzer target (make fuzz); util-linux: setpriv
# --pdeathsig, which ties qemu's life to the vm runner's. lava-dispatcher: lava-run, the local
# dispatcher ./run.sh lava runs jobs on (without recommends: they are NFS, TFTP and LXC servers);
# lavacli: submitting jobs to a lab and fetching their logs (docs/lava.md).
# chromium and imagemagick: test_int_browser opens published pages in headless Chromium and
# counts the colours of its screenshots (identify), so a blank page fails; tidy: test_publish
# checks every published page with HTML Tidy.
# The linter make shellcheck (in make check) runs over every script of the tree; scdoc makes
# the man pages of docs/man/, which test_help renders with man (man-db, groff-base).
pkgs+=(shellcheck scdoc man-db groff-base)
# nettle-dev: SHA-256 (lib/sys/sha256.c), from a library that is kept rather than our own.
pkgs+=(nettle-dev)
# libsqlite3-dev: the archive's index, ROOT/index.sqlite (lib/archive/).
# libpq-dev: push and pull of a shared archive; postgresql: the server test_int_pg starts.
# lava-server: the throwaway lab test_int_lava_lab starts (tests/lava/lab.sh), on postgresql;
# without recommends (apache2, lava-coordinator); its database is made when the lab starts.
pkgs+=(lava-server)
missing=()
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
# Not root: the one line to run, and exit 2 (nothing installed, nothing changed)
if [ "$(id -u)" -ne 0 ]; then
	echo "sudo apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 2
fi
if ! command -v apt-get >/dev/null; then
	echo "deps: missing packages and no apt-get: install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
