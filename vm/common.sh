# Sourced by vm/ab.sh and vm/bisect.sh: checks both make before anything boots.
. "$MMBENCH_TOP/vm/kimage.sh"

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
