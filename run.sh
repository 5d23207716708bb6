#!/usr/bin/env bash
# run.sh: what users type. A thin shell over build/mmbench, gnuplot (plot/) and qemu (vm/).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mmbench="$top/build/mmbench"
export MMBENCH_TOP="$top"
export MMBENCH_RESULTS="${MMBENCH_RESULTS:-$top/results}"

usage() {
	cat <<'USAGE'
usage: ./run.sh [run] [--profile smoke|quick|full] [--bench NAME[,NAME..]] [--reps N] [--runs N]
                [--seed N] [--label TEXT] [--out ROOT] [--set KNOB=VALUE ...] [--opt [BENCH.]NAME=VALUE ...]
                [--kprofile]
       ./run.sh list [--bench NAME] [--profile P] [--knobs]
       ./run.sh sysinfo
       ./run.sh report RUN_DIR [--format text|html] [--out FILE|-]
       ./run.sh compare BASE NEW [MORE..] [--label TEXT] [--history DIR|none] [--format text|md|html]
                [--json FILE] [--html FILE] [--plots DIR] (each side: a run, a set directory, or RUN,RUN,..)
       ./run.sh publish [--root ROOT] --out SITE [--base-url URL]   (the archive as a static site)
       ./run.sh sweep KNOB=V1,V2,.. [--bench NAME] [--profile P]
       ./run.sh profile RUN_DIR --case KEY [--bench NAME] [--top N] [--folded FILE]
       ./run.sh vm --kernel IMAGE [--numa N] [--cpus N] [--mem SIZE] [--accel auto|kvm|tcg] [-- RUN_ARGS]
       ./run.sh ab --kernel IMAGE_A --kernel IMAGE_B [--boots N] [--label TEXT] [vm options] [-- RUN_ARGS]
       ./run.sh trend --bench NAME --metric NAME [--case KEY] [--root DIR] [--label TEXT]
                [--history DIR|none] [--format text|md] [--json FILE] [--plots DIR] [--db URL]
       ./run.sh index [--root ROOT]     (the archive's index, ROOT/index.sqlite, brought up to date)
       ./run.sh push ROOT.. [--db URL] | pull --out ROOT [--db URL]   (a lab's shared archive)
       ./run.sh export --kcidb [--root ROOT] [--origin NAME]     (the runs as KCIDB test records)
       ./run.sh bisect-run --build CMD --good RUNS --bad RUNS --bench NAME --metric NAME --case KEY
                [--boots N] [vm options] [-- RUN_ARGS]      (a step of git bisect run)
       ./run.sh lava job --kernel IMAGE_OR_URL [--device-type qemu|x86] [--numa N] [--cpus N] [--mem SIZE]
                [--url-base URL] [--out DIR] [-- RUN_ARGS]
       ./run.sh lava run DIR [--out ROOT]
       ./run.sh lava collect LOG_OR_DIR [--out ROOT] [--job-id ID] [--device NAME] [--device-type T]
With no arguments: the quick profile of every bench on the running kernel.
USAGE
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
	make -s -C "$top" all >&2
}

# Plots need gnuplot: install it the same way when it is missing.
plots() {
	command -v gnuplot >/dev/null 2>&1 || make -s -C "$top" deps >&2 || return 0
	"$top/plot/render.sh" "$1"
}

# Runs that make a run directory print it on stdout (--runs N: one line per run).
run_and_plot() {
	local out rc dir
	out=$("$mmbench" "$@")
	rc=$?
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
-h|--help|help) usage; exit 0 ;;
-*) cmd=run ;;
*) shift ;;
esac

case "$cmd" in
run|sweep)
	ensure_built || exit 1
	run_and_plot "$cmd" "$@" ;;
list|sysinfo|profile|publish|index|push|pull|export)
	ensure_built || exit 1
	exec "$mmbench" "$cmd" "$@" ;;
compare|trend)
	ensure_built || exit 1
	# compare and trend name the plot directories it wrote in MMBENCH_RENDER_LIST; they are rendered here
	list=$(mktemp)
	MMBENCH_RENDER_LIST=$list "$mmbench" "$cmd" "$@"
	rc=$?
	while IFS= read -r pdir; do
		plots "$pdir"
	done <"$list"
	rm -f "$list"
	exit $rc ;;
report)
	ensure_built || exit 1
	"$mmbench" report "$@" || exit $?
	# gnuplot's charts are the text report's; --format html draws its own
	case " $* " in *" --format html "* | *" --format=html "*) exit 0 ;; esac
	[ $# -ge 1 ] && [ -d "$1" ] && plots "$1"
	exit 0 ;;
vm)
	ensure_built || exit 1
	exec "$top/vm/run-vm.sh" "$@" ;;
ab)
	ensure_built || exit 1
	exec "$top/vm/ab.sh" "$@" ;;
bisect-run)
	# 2 would mark the commit bad: a tree that cannot build mmbench stops the bisect
	ensure_built || exit 255
	exec "$top/vm/bisect.sh" "$@" ;;
lava)
	sub=${1:-}
	case $sub in
	job | run | collect) shift; ensure_built || exit 1; exec "$top/vm/lava/$sub.sh" "$@" ;;
	*) echo "run.sh: lava job|run|collect (see ./run.sh lava job --help)" >&2; exit 2 ;;
	esac ;;
*)
	echo "run.sh: unknown command '$cmd' (try ./run.sh --help)" >&2
	exit 2 ;;
esac
