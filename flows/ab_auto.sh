# shellcheck shell=bash disable=SC2154  # the variables named below are ab.sh's
# Sourced by flows/ab.sh for --boots auto: pairs of boots in ab's order until every judged headline
# metric of the compare is better, worse or the same within --mde at the level its look may
# spend (`mmbench seq-alpha`, `mmbench seq-check`), or the next pair would overrun the budget.
# Uses ab.sh's boot_one, a_runs, b_runs, start, dir, mde, budget_s, and join (vm/common.sh).
# Each look's compare is the engine's at its own level; seq-check reads its q and interval at
# the look's level.

max_pairs=20 pairs=0 longest=0 looks=() alpha="" spent=0 stop="" k=0
while :; do
	if [ "$pairs" -ge "$max_pairs" ]; then stop="at the most boots a side ($max_pairs)"; break; fi
	# the next pair is estimated at the longest so far: none starts that would overrun
	if [ "$pairs" -gt 0 ] && [ $((SECONDS - start + longest)) -gt "$budget_s" ]; then
		stop="budget"; break
	fi
	t0=$SECONDS
	boot_one $((2 * pairs)) $((2 * max_pairs))
	boot_one $((2 * pairs + 1)) $((2 * max_pairs))
	pairs=$((pairs + 1))
	[ $((SECONDS - t0)) -gt "$longest" ] && longest=$((SECONDS - t0))
	# the information fraction's denominator: the pairs the budget allows, fixed once
	# after the first pair, so that it cannot follow the data
	if [ "$pairs" -eq 1 ]; then
		fit=$((budget_s / (longest > 0 ? longest : 1)))
		[ "$fit" -lt "$max_pairs" ] && max_pairs=$fit
		if [ "$max_pairs" -lt 2 ]; then
			stop="budget: a pair took $longest s, the budget holds fewer than 2"; break
		fi
	fi
	n=$((${#a_runs[@]} < ${#b_runs[@]} ? ${#a_runs[@]} : ${#b_runs[@]}))
	# a look needs 2 boots a side, and new ones since the last look
	[ "$n" -ge 2 ] || continue
	[ ${#looks[@]} -gt 0 ] && [ "${looks[-1]}" = "$n" ] && continue
	looks+=("$n")
	k=${#looks[@]}
	if ! read -r alpha spent < <("$mmbench" seq-alpha --max "$max_pairs" "$(join "${looks[@]}")"); then
		stop="seq-alpha failed at look $k"; break
	fi
	# compare and seq-check exit 3 for "worse" and "undecided": answers, not failures
	rc=0
	"$mmbench" compare "$(join "${a_runs[@]}")" "$(join "${b_runs[@]}")" --history none \
		--json "$dir/look-$k.json" >/dev/null 2>"$dir/look-$k.err" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		stop="compare failed at look $k (exit $rc): $(tail -n 1 "$dir/look-$k.err")"; break
	fi
	rc=0
	"$mmbench" seq-check --alpha "$alpha" --mde "$mde" "$dir/look-$k.json" >"$dir/look-$k.txt" || rc=$?
	echo "ab: look $k, $n boots a side, level $alpha: $(tail -n 1 "$dir/look-$k.txt")" >&2
	[ "$rc" -eq 0 ] && { stop="decided"; break; }
	[ "$rc" -eq 3 ] || { stop="seq-check failed at look $k (exit $rc)"; break; }
done
{
	echo "boots auto: $pairs pairs in $((SECONDS - start)) s (budget $budget_s s, mde $mde): $stop"
	if [ "$k" -gt 0 ]; then
		echo "looks at $(join "${looks[@]}") boots a side of at most $max_pairs; last level $alpha;" \
			"alpha spent $spent of 0.05"
		if grep -q '^  ' "$dir/look-$k.txt"; then
			echo "undecided:"
			grep '^  ' "$dir/look-$k.txt"
		fi
		echo "(the verdicts below are compare's own, at 0.05 over every boot; what the" \
			"sequential design decided is the line above, at level $alpha)"
	fi
} >"$dir/sequential.txt"
echo "ab: $((2 * pairs)) boots in $((SECONDS - start)) s; A kept ${#a_runs[@]}, B kept ${#b_runs[@]}" >&2
