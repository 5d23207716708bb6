#!/usr/bin/env bash
# Runs each cmocka test binary given, unit tests first, and closes with one summary line.
# MMBENCH_UNIT_ONLY=1 leaves out the integration tests (test_int_*), which run benches as root.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 skipped=0 failed_names=()
unit=() integ=()
for t in "$@"; do
	case "$(basename "$t")" in
	test_int_*) integ+=("$t") ;;
	*) unit+=("$t") ;;
	esac
done
[ "${MMBENCH_UNIT_ONLY:-0}" = 1 ] && integ=()
for t in "${unit[@]}" "${integ[@]}"; do
	name=$(basename "$t")
	echo "=== $name"
	log=$(mktemp)
	start=$(date +%s)
	# a test's exit is its result, kept, not a failure of this runner
	rc=0
	"$t" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
	# cmocka's own summary: "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	rm -f "$log"
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		failed=$((failed + 1))	# crashed before cmocka could count
	fi
	[ "$rc" -ne 0 ] && failed_names+=("$name")
	echo "=== $name: exit $rc, $(( $(date +%s) - start ))s"
done
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#failed_names[@]} -eq 0 ]
