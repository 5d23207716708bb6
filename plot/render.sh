#!/usr/bin/env bash
# Draws every chart whose data mmbench wrote into DIR/plots (.dat + .vars) as PNG and SVG.
# Usage: plot/render.sh DIR   (after `mmbench report DIR` or `mmbench compare ... --plots DIR`)
set -euo pipefail
dir=${1:?usage: plot/render.sh DIR}
scriptdir=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$dir/plots" ]; then
	echo "render.sh: $dir/plots: no plot data (run 'mmbench report $dir' first)" >&2
	exit 2
fi
if ! command -v gnuplot >/dev/null; then
	echo "render.sh: gnuplot not found: apt-get install gnuplot-nox" >&2
	exit 1
fi
cd "$dir/plots" || exit 1
fail=0 n=0
for vars in *.vars; do
	[ -e "$vars" ] || continue
	kind=$(sed -n 's/^kind = "\(.*\)"$/\1/p' "$vars")
	case "$kind" in
	bars|lines|trend) ;;
	*) echo "render.sh: $dir/plots/$vars: unknown kind '$kind'" >&2; fail=1; continue ;;
	esac
	if ! err=$(gnuplot -e "varsfile='$vars'; scriptdir='$scriptdir'" "$scriptdir/$kind.gp" 2>&1); then
		echo "render.sh: $dir/plots/$vars: gnuplot failed: $(echo "$err" | tail -n 1)" >&2
		fail=1
		continue
	fi
	n=$((n + 1))
done
echo "render.sh: $n charts in $dir/plots" >&2
exit $fail
