# The one library the scripts behind run.sh share (vm/run-vm.sh, flows/, lava/): the option
# parser, usage errors, help, RUN_ARGS checks, the guest's memory for a profile, the static
# busybox, the guest's deadline, the manifest's vm object, a boot under the runner; it brings
# kimage.sh (images, sizes, profiles).
# Sourced: the shell options (set -euo pipefail) are the script's.
# shellcheck shell=bash
. "$MMBENCH_TOP/vm/kimage.sh"

# bad MESSAGE: a usage error, one line "$vm_who: MESSAGE" on stderr, and exit 2 (or $usage_rc,
# which bisect-run sets to 255 while a bisect runs: 2 would mark the commit bad).
bad() {
	echo "${vm_who:-vm}: $*" >&2
	exit "${usage_rc:-2}"
}

# opts_parse TABLE ARGS..: ARGS by the options the array TABLE declares, one row each,
# "NAME KIND TARGET [CHECK,..]" (perf's option tables are the model):
#   --opt value VAR    VAR=VAL, from --opt VAL or --opt=VAL
#   --opt flag VAR     VAR=1
#   --opt list VAR     VAR+=(VAL): the option may repeat
#   --opt pass VAR     VAR+=(--opt VAL): passed on to another script
#   -h|--help help CMD..   runs CMD (words) and exits 0
#   -- rest VAR        VAR+=(every argument after --); without this row -- is unknown
#   WORD arg VAR       the one argument that is no option (WORD names it in the error)
# NAME may list aliases, a|b. CHECKs of a value: int:LO-HI (a number from LO to HI),
# secs:N (at least N seconds), file (a readable file), once (given twice, the same value).
# A usage error is one line and exit 2 (bad); opts_given[--opt] holds what each option got.
opts_parse() {
	local -n _op_tab=$1
	shift
	local _op_arg _op_val _op_has _op_row _op_name _op_kind _op_var _op_chk
	local -a _op_cmd
	declare -gA opts_given=()
	while [ $# -gt 0 ]; do
		_op_arg=$1 _op_has=0 _op_val=""
		shift
		case $_op_arg in --?*=*) _op_has=1 _op_val=${_op_arg#*=} _op_arg=${_op_arg%%=*} ;; esac
		_op_kind=""
		for _op_row in "${_op_tab[@]}"; do
			read -r _op_name _op_kind _op_var _op_chk <<<"$_op_row"
			case $_op_kind in
			arg) [[ $_op_arg != -* ]] && break ;;
			*) [[ "|$_op_name|" == *"|$_op_arg|"* ]] && break ;;
			esac
			_op_kind=""
		done
		case $_op_kind in
		"") bad "unknown argument '$_op_arg' (see ./run.sh $vm_who --help)" ;;
		help) read -ra _op_cmd <<<"$_op_var $_op_chk"; "${_op_cmd[@]}"; exit 0 ;;
		rest) opts_push "$_op_var" "$@"; return 0 ;;
		arg)
			[ -z "${opts_given[$_op_name]+x}" ] ||
				bad "one $_op_name only ('${opts_given[$_op_name]}', '$_op_arg')"
			opts_given[$_op_name]=$_op_arg
			printf -v "$_op_var" %s "$_op_arg"
			continue ;;
		flag)
			[ "$_op_has" = 0 ] || bad "$_op_arg takes no value"
			opts_given[$_op_arg]=1
			printf -v "$_op_var" 1
			continue ;;
		esac
		if [ "$_op_has" = 0 ]; then
			[ $# -gt 0 ] || bad "$_op_arg needs a value"
			_op_val=$1
			shift
		fi
		opts_check "$_op_arg" "$_op_val" "$_op_chk"
		opts_given[$_op_arg]=$_op_val
		case $_op_kind in
		value) printf -v "$_op_var" %s "$_op_val" ;;
		list) opts_push "$_op_var" "$_op_val" ;;
		pass) opts_push "$_op_var" "$_op_arg" "$_op_val" ;;
		*) bad "opts_parse: $_op_arg: no kind '$_op_kind'" ;;
		esac
	done
}

# opts_push ARRAY WORDS..: the words appended to the array named ARRAY.
opts_push() {
	local -n _op_array=$1
	shift
	_op_array+=("$@")
}

# opts_check OPT VALUE CHECKS: the checks of a table row (opts_parse) on one value.
opts_check() {
	local opt=$1 v=$2 c lo hi
	local -a checks
	IFS=, read -ra checks <<<"$3"
	for c in "${checks[@]}"; do
		case $c in
		int:*)
			lo=${c#int:} hi=${lo#*-} lo=${lo%-*}
			[[ $v =~ ^[0-9]+$ ]] && [ "$((10#$v))" -ge "$lo" ] && [ "$((10#$v))" -le "$hi" ] ||
				bad "$opt $v: a number from $lo to $hi" ;;
		secs:*)
			[[ $v =~ ^[0-9]+$ ]] && [ "$((10#$v))" -ge "${c#secs:}" ] ||
				bad "$opt $v: at least ${c#secs:} seconds" ;;
		file) [ -f "$v" ] && [ -r "$v" ] || bad "$v: no such readable file" ;;
		once)
			[ -z "${opts_given[$opt]+x}" ] || [ "${opts_given[$opt]}" = "$v" ] ||
				bad "$opt given twice with different values ('${opts_given[$opt]}', '$v')" ;;
		*) bad "opts_parse: $opt: no check '$c'" ;;
		esac
	done
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

# join WORDS..: the words joined by commas, as mmbench takes a set of runs or of looks.
join() {
	local IFS=,
	echo "$*"
}

# vm_guest_timeout TIMEOUT: the deadline of mmbench in the guest. The guest keeps a fifth of
# the bound (at least 30 s) to frame out what it has when mmbench overruns.
vm_guest_timeout() {
	local margin=$(($1 / 5 > 30 ? $1 / 5 : 30))
	echo $(($1 - margin > 10 ? $1 - margin : 10))
}

# vm_mem_check MEM MEM_MB PROFILE: a usage error (bad) when a guest of MEM_MB (MEM as the user
# wrote it) is too small for the profile or the profile is none of mmbench's; exit 1 when
# mmbench cannot tell the profile's sizes.
vm_mem_check() {
	local need_mb
	need_mb=$(profile_min_mb "$3") || exit 1
	[ -n "$need_mb" ] || bad "RUN_ARGS: --profile '$3': not one of smoke, quick, full"
	[ "$2" -ge "$need_mb" ] ||
		bad "--mem $1 is too small for the $3 profile: it needs at least ${need_mb}M"
}

# vm_guest_json ACCEL NUMA CPUS MEM_MB NODE_MB TCG_THREAD APPEND: the manifest's "vm" members
# of a qemu guest (./run.sh vm's, and a LAVA qemu job's, so compare sees only what differs).
vm_guest_json() {
	jq -cn --arg accel "$1" --argjson numa "$2" --argjson cpus "$3" --argjson mem_mb "$4" \
		--argjson node_mb "$5" --arg tcg "$6" --arg append "$7" --arg mem "$(size_text "$4")" \
		'{accel: $accel, numa_nodes: $numa, cpus: $cpus, sockets: $numa, mem: $mem, mem_mb: $mem_mb,
		  mem_per_node_mb: $node_mb, cpu_model: (if $accel == "kvm" then "host" else "max" end),
		  tcg_thread: (if $accel == "kvm" then null else $tcg end), append: $append}'
}

# vm_boot EXTRA LOG ARGS..: one boot of ./run.sh vm ARGS (no report), stderr to LOG,
# EXTRA (a JSON object) added to the manifest's vm object. Sets boot_rc and boot_run (the run
# directory it printed last); succeeds when that run is there and whole.
vm_boot() {
	local extra res
	# MMBENCH_VM_EXTRA holds JSON members: the object's, without its braces
	extra=$(jq -c . <<<"$1")
	extra=${extra#\{}
	boot_rc=0
	res=$(MMBENCH_VM_EXTRA=${extra%\}} "$MMBENCH_TOP/vm/run-vm.sh" --no-report "${@:3}" \
		2>"$2") || boot_rc=$?
	boot_run=$(run_dir_last "$res")
	[ "$boot_rc" -eq 0 ] && [ -d "$boot_run" ] && [ ! -e "$boot_run/INCOMPLETE" ]
}

# run_dir_last OUTPUT: the run directory a runner printed (the last line of its stdout, as
# `mmbench run` and ./run.sh vm print it), or nothing.
run_dir_last() {
	printf '%s\n' "$1" | sed -n '$p'
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
	case ${1:-} in sweep | run | compare) echo "RUN_ARGS: the guest runs 'mmbench run'; give its options only"; return ;; esac
	for a in "$@"; do
		case $a in --out | --out=* | --runs | --runs=*) echo "RUN_ARGS: $a is for the host, not the guest"; return ;; esac
	done
	run_args_check "$mmbench" "$@"
}

# run_args_check MMBENCH ARGS..: what mmbench run's own parser says of ARGS (one line), or
# nothing: the guest must not be the first to find the arguments wrong.
run_args_check() {
	local mmbench=$1 msg
	shift
	if ! msg=$("$mmbench" run --check-only "$@" 2>&1); then
		msg=${msg#mmbench run: }
		echo "RUN_ARGS: ${msg#mmbench: }"
	fi
}
