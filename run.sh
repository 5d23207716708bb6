#!/usr/bin/env bash
# run.sh: what users type. A thin shell over build/mmbench, gnuplot (plot/) and qemu (vm/, the flows on it in flows/, the guest side in guest/, LAVA in lava/).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mmbench="$top/build/mmbench"
export MMBENCH_TOP="$top"
export MMBENCH_RESULTS="${MMBENCH_RESULTS:-$top/results}"

# The usage and each command's --help come from the man page sources, docs/man/ (scripts/help.sh).
usage() {
	"$top/scripts/help.sh" usage run.sh
}

# wants_help ARGS..: -h or --help before any "--" (after it come the guest's arguments).
wants_help() {
	local a
	for a in "$@"; do
		case $a in --) return 1 ;; -h | --help) return 0 ;; esac
	done
	return 1
}

# Build what is missing; packages come from 'make deps' (apt as root, else it prints the command).
ensure_built() {
	# another user's built tree (root's, run by a user): use it as it is, make could not write it
	if [ -x "$mmbench" ] && [ ! -w "$top/build" ]; then
		return 0
	fi
	if [ ! -x "$mmbench" ] || [ ! -f "$top/build/libperf/libperf.a" ]; then
		make -s -C "$top" deps >&2 || return 1
	fi
	# a tree pulled since the last build may need a new package (scdoc, nettle): deps, once more
	make -s -C "$top" all >&2 || { make -s -C "$top" deps >&2 && make -s -C "$top" all >&2; }
}

# Plots need gnuplot: install it the same way when it is missing.
plots() {
	command -v gnuplot >/dev/null 2>&1 || make -s -C "$top" deps >&2 || return 0
	"$top/plot/render.sh" "$1"
}

# Runs that make a run directory print it on stdout (--runs N: one line per run).
run_and_plot() {
	local out rc=0 dir
	out=$("$mmbench" "$@") || rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	while IFS= read -r dir; do
		if [ -d "$dir" ] && [ -x "$top/plot/render.sh" ]; then
			plots "$dir" || echo "run.sh: plots failed for $dir" >&2
			echo "run.sh: results in $dir (report.txt, report.md, plots/)" >&2
		fi
	done <<<"$out"
	return $rc
}

cmd=${1:-run}
case "$cmd" in
-h|--help) usage; exit 0 ;;
help) [ $# -lt 2 ] || exec "$top/scripts/help.sh" text "$2"; usage; exit 0 ;;
-*) cmd=run ;;
*) shift ;;
esac
# ./run.sh CMD --help: the command's page, built or not
if [ -f "$top/docs/man/mmbench-$cmd.1.scd" ] && wants_help "$@"; then
	exec "$top/scripts/help.sh" text "$cmd"
fi

case "$cmd" in
run|sweep)
	ensure_built || exit 1
	run_and_plot "$cmd" "$@" ;;
list|sysinfo|profile|publish|system|reproduce|index|push|pull|export|seq-runs)
	ensure_built || exit 1
	exec "$mmbench" "$cmd" "$@" ;;
compare|trend)
	ensure_built || exit 1
	# compare and trend name the plot directories it wrote in MMBENCH_RENDER_LIST; they are rendered here
	list=$(mktemp)
	rc=0
	MMBENCH_RENDER_LIST=$list "$mmbench" "$cmd" "$@" || rc=$?
	while IFS= read -r pdir; do
		plots "$pdir" || echo "run.sh: plots failed for $pdir" >&2
	done <"$list"
	rm -f "$list"
	exit $rc ;;
report)
	ensure_built || exit 1
	"$mmbench" report "$@" || exit $?
	# gnuplot's charts are the text report's; --format html draws its own
	case " $* " in *" --format html "* | *" --format=html "*) exit 0 ;; esac
	if [ $# -ge 1 ] && [ -d "$1" ]; then
		plots "$1" || echo "run.sh: plots failed for $1" >&2
	fi
	exit 0 ;;
vm)
	ensure_built || exit 1
	exec "$top/vm/run-vm.sh" "$@" ;;
ab)
	ensure_built || exit 1
	exec "$top/flows/ab.sh" "$@" ;;
bisect-run)
	# 2 would mark the commit bad: a tree that cannot build mmbench stops the bisect
	ensure_built || exit 255
	exec "$top/flows/bisect.sh" "$@" ;;
lava)
	sub=${1:-}
	case $sub in
	job | run | collect | submit) shift; ensure_built || exit 1; exec "$top/lava/$sub.sh" "$@" ;;
	*) echo "run.sh: lava job|run|collect|submit (see ./run.sh lava job --help)" >&2; exit 2 ;;
	esac ;;
*)
	echo "run.sh: unknown command '$cmd' (try ./run.sh --help)" >&2
	exit 2 ;;
esac
