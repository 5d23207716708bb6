#!/usr/bin/env bash
# Times `mmbench publish` on a synthetic archive (KERNELS x RUNS copies of a template run with
# 3% noise and a 15% step half way), then again unchanged, then after one more run; prints the
# page counts and the weight of each kind of page. Not a test: a measurement anyone can repeat.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kernels=50 runs=20 template=$top/tests/data/run-base work=

usage() {
	echo "usage: tests/publish_bench.sh [--kernels N] [--runs N] [--template RUN_DIR] [--work DIR]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--kernels) kernels=${2:?}; shift 2 ;;
	--runs) runs=${2:?}; shift 2 ;;
	--template) template=${2:?}; shift 2 ;;
	--work) work=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
[ -f "$template/manifest.json" ] || { echo "publish_bench: $template: not a run directory" >&2; exit 2; }
[ -x "$top/build/mmbench" ] || { echo "publish_bench: build/mmbench is not built (make)" >&2; exit 2; }
work=${work:-$(mktemp -d)}
mkdir -p "$work"

# One python process writes every run: the archive is the input, its making is not timed.
make_runs() {
	python3 - "$template" "$work/results" "$@" <<'EOF'
import json, os, random, sys
template, root, kernels, runs, first = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
benches = [f for f in sorted(os.listdir(template)) if f.endswith('.json') and f != 'manifest.json'
           and not f.endswith('.kprofile.json')]
manifest = json.load(open(os.path.join(template, 'manifest.json')))
data = {b: json.load(open(os.path.join(template, b))) for b in benches}
for k in range(kernels):
    release = '6.%d.0-syn' % k
    for r in range(first, first + runs):
        rng = random.Random(k * 100003 + r)
        rid = '2025%02d%02d-%06d' % (1 + k % 12, 1 + r % 28, k * 1000 + r)
        d = os.path.join(root, release, rid)
        os.makedirs(d, exist_ok=True)
        m = json.loads(json.dumps(manifest))
        m.update(run_id=rid, label=None, start_time='2025-%02d-%02dT%02d:00:00Z' % (1 + k % 12, 1 + r % 28, r % 24))
        m['kernel'].update(release=release, boot_id='boot-%d-%d' % (k, r))
        json.dump(m, open(os.path.join(d, 'manifest.json'), 'w'))
        for b, j in data.items():
            j = json.loads(json.dumps(j))
            for c in j.get('cases', []):
                for mt in c.get('metrics', []):
                    step = 1.15 if k >= kernels // 2 and mt.get('better') == 'lower' else 1.0
                    level = rng.gauss(1, 0.03) * step
                    mt['samples'] = [s * level * rng.gauss(1, 0.01) if isinstance(s, (int, float)) else s
                                     for s in mt.get('samples', [])]
            json.dump(j, open(os.path.join(d, b), 'w'))
EOF
}

publish() {
	local t0 t1 out
	t0=$(date +%s.%N)
	out=$("$top/build/mmbench" publish --root "$work/results" --out "$work/site")
	t1=$(date +%s.%N)
	printf '%s\n  wall %.1f s\n' "$out" "$(echo "$t1 - $t0" | bc)"
}

weight() {	# the largest page of a kind, and their mean
	local kind=$1 glob=$2
	find "$work/site" -path "$work/site/$glob" -name '*.html' -printf '%s\n' |
		awk -v k="$kind" '{ n++; s += $1; if ($1 > m) m = $1 }
			END { if (n) printf "  %-12s %5d pages, mean %7.1f KiB, largest %7.1f KiB\n", k, n, s / n / 1024, m / 1024 }'
}

echo "publish_bench: $kernels kernels x $runs runs of $(basename "$template") in $work" >&2
make_runs "$kernels" "$runs" 0
echo "== first publish"
publish
echo "== again, nothing changed"
publish
make_runs 1 1 "$runs"
echo "== after one more run (of 6.0.0-syn)"
publish
echo "== page weights"
weight index index.html
weight regressions regressions.html
weight run 'runs/*'
weight kernel 'kernels/*'
weight compare 'compare/*'
weight trend 'trends/*'
du -sh "$work/site" | awk '{ print "  whole site " $1 }'
