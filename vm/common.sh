# The one library the vm scripts share (run-vm.sh, ab.sh, bisect.sh): usage errors, help,
# RUN_ARGS checks, the static busybox; it brings kimage.sh (images, sizes, profiles) with it.
# shellcheck shell=bash
. "$MMBENCH_TOP/vm/kimage.sh"

# bad MESSAGE: a usage error, one line "$vm_who: MESSAGE" on stderr, and exit 2 (or $usage_rc,
# which bisect-run sets to 255 while a bisect runs: 2 would mark the commit bad).
bad() {
	echo "${vm_who:-vm}: $*" >&2
	exit "${usage_rc:-2}"
}

# vm_help PAGE: the --help text of ./run.sh PAGE, from its man page's source (docs/man/).
vm_help() {
	"$MMBENCH_TOP/scripts/help.sh" text "$1"
}

# vm_busybox: the path of a static busybox (the guest has no libraries for a dynamic one), or
# nothing.
vm_busybox() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
			echo "$b"
			return
		fi
	done
}

# run_args_profile ARGS..: the profile RUN_ARGS ask for (--profile P or --profile=P, the last
# one wins, as in mmbench's parser), or nothing.
run_args_profile() {
	local p="" prev="" a
	for a in "$@"; do
		case $prev in --profile) p=$a ;; esac
		case $a in --profile=*) p=${a#*=} ;; esac
		prev=$a
	done
	echo "$p"
}

# RUN_ARGS for `mmbench run` in each boot: what is wrong with them (one line), or nothing.
run_args_problem() {	# run_args_problem MMBENCH ARGS..
	local mmbench=$1 a msg
	shift
	case ${1:-} in sweep | run | compare) echo "RUN_ARGS: each boot runs 'mmbench run'; give its options only"; return ;; esac
	for a in "$@"; do
		case $a in --out | --out=* | --runs | --runs=*) echo "RUN_ARGS: $a is for the host, not the guest"; return ;; esac
	done
	# the guest must not be the first to find the arguments wrong
	if ! msg=$("$mmbench" run --check-only "$@" 2>&1); then
		msg=${msg#mmbench run: }
		echo "RUN_ARGS: ${msg#mmbench: }"
	fi
}
