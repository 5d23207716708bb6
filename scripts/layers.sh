#!/usr/bin/env bash
# The layers of lib/ (lib/README.md): each folder includes only its own and those below it.
#   sys < knobs < core < stats < results < archive < analysis < report < cmd;
#   benches/ sit on core (and what core sits on).
# Prints every include that runs the wrong way and fails when there is one.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
rank() {
	case $1 in
	sys) echo 1 ;; knobs) echo 2 ;; core) echo 3 ;; benches) echo 3 ;;
	stats) echo 4 ;; results) echo 5 ;; archive) echo 6 ;; analysis) echo 7 ;; report) echo 8 ;;
	cmd) echo 9 ;;
	*) echo 0 ;;
	esac
}
bad=0
for d in lib/*/; do
	d=$(basename "$d")
	if [ "$(rank "$d")" = 0 ]; then
		echo "layers: lib/$d is not a layer: give it a rank here and a line in lib/README.md"
		bad=1
	fi
done
for f in lib/*/*.[ch] benches/*.[ch]; do
	case $f in benches/*) own=benches ;; *) own=$(basename "$(dirname "$f")") ;; esac
	r=$(rank "$own")
	while IFS= read -r inc; do
		dir=${inc%%/*}
		[ "$dir" = "$inc" ] && continue		# same-folder header of a bench
		if [ "$(rank "$dir")" -gt "$r" ]; then
			echo "layers: $f includes $inc ($own may not depend on $dir)"
			bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
[ $bad = 0 ] && echo "layers: lib/ sys < knobs < core < stats < results < archive < analysis < report < cmd," \
	"benches on core: no include runs up"
exit $bad
