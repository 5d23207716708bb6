# Sourced by tests/lava/lab.sh: whether the lab can start here (root, packages, free ports, no
# real LAVA instance), and taking it down: its daemons by PID, then every file, database and
# cluster state it made.
# shellcheck shell=bash

# pids_alive: the lab's daemons that still run, "name:pid" each.
pids_alive() {
	local p
	for p in "$LAB"/pids/*.pid; do
		if [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null; then
			echo "$(basename "$p" .pid):$(cat "$p")"
		fi
	done
}

# port_taken PORT: 0 when something listens on the TCP port (any address, v4 or v6).
port_taken() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p="$hex" 'FNR > 1 && $4 == "0A" && substr($2, index($2, ":") + 1) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A LAVA daemon of someone else's: its PID and command line ("" when none). lava-run alone is
# not an instance (./run.sh lava run uses it), the lab's own daemons are not looked for here.
foreign_daemon() {
	python3 - "$$" <<'EOF'
import os, re, sys
me = {int(sys.argv[1]), os.getpid(), os.getppid()}
pat = re.compile(r"lava-server manage lava-|lava_server\.wsgi|/lava-worker |^lava-worker ")
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    if int(pid) not in me and pat.search(cmd):
        print(pid, cmd[:120])
        break
EOF
}

# Configuration a lab owner wrote (what lava-server's package writes itself is not a sign).
foreign_config() {
	local f
	for f in /etc/lava-server/settings.d/* "$DEVICES"/* "$DISPATCHER_D"/*; do
		[ -e "$f" ] || continue
		case $f in
		*/00-secret-key.yaml | */00-database.yaml | "$SETTINGS" | "$DEVICES/$NAME-"* | "$DISPATCHER_D/$WORKER") ;;
		*) echo "$f"; return ;;
		esac
	done
}

preflight() {
	local c missing=() p busy
	[ "$(id -u)" -eq 0 ] || skip "not root (uid $(id -u)): the lab's database, daemons and /etc/lava-server need root"
	for c in lava-server lava-worker lavacli gunicorn3 pg_lsclusters pg_ctlcluster psql qemu-system-x86_64 jq runuser; do
		command -v "$c" >/dev/null || missing+=("$c")
	done
	[ -f /usr/share/lava-server/postinst.py ] || missing+=(postinst.py)
	python3 -c 'import eventlet' 2>/dev/null || missing+=(python3-eventlet)
	[ ${#missing[@]} -eq 0 ] ||
		skip "packages missing (no ${missing[*]}): make deps installs postgresql lava-server lava-dispatcher lavacli"
	if [ -d "$LAB/pids" ]; then
		busy=$(pids_alive | paste -sd ' ')
		[ -z "$busy" ] || skip "a lab is up already ($LAB: $busy): tests/lava/lab.sh down stops it"
		say "the leftovers of a lab that was not taken down: taking them down first"
		down >&2 || { say "they did not all go: up would mix its lab with them"; exit 1; }
	fi
	for p in $PORTS; do
		if port_taken "$p"; then
			skip "port $p is taken: the lab's web app, publisher and events need 8000, 8001, 5500"
		fi
	done
	p=$(foreign_daemon)
	[ -z "$p" ] || skip "a LAVA instance runs here (PID $p): the lab leaves it alone"
	p=$(foreign_config)
	[ -z "$p" ] || skip "LAVA is configured here ($p): a real instance, which the lab leaves alone"
}

# After PostgreSQL is up: a LAVA database that holds devices or jobs is someone's instance.
# Its skip (exit 4) leaves the taking down of what up made to up's trap.
foreign_database() {
	local db n
	for db in lavaserver $(sed -n 's/^ *NAME: *"\{0,1\}\([A-Za-z0-9_]*\).*/\1/p' \
		/etc/lava-server/settings.d/00-database.yaml 2>/dev/null); do
		[ -n "$(pg "SELECT 1 FROM pg_database WHERE datname = '$db'")" ] || continue
		# a database without LAVA's tables (psql fails) holds nothing of an instance
		n=$(runuser -u postgres -- psql -p "$(state pg_port)" -d "$db" -XAtq -c \
			"SELECT (SELECT count(*) FROM lava_scheduler_app_device) + (SELECT count(*) FROM lava_scheduler_app_testjob)" \
			2>/dev/null) || n=0
		if [ "${n:-0}" -gt 0 ]; then
			skip "the LAVA database '$db' holds $n devices and jobs: a real instance, which the lab leaves alone"
		fi
	done
}

# What lava-server and the worker write per job outside the lab: listed before, to remove the new.
snapshot() {
	entries "$JOB_OUTPUT" >"$LAB/job-output.before"
	entries "$DISPATCHER_TMP" 1 >"$LAB/dispatcher-tmp.before"
}

# entries DIR [1]: what DIR holds (only its top level with 1), sorted; nothing when there is
# no DIR (LAVA makes it with its first job).
entries() {
	[ ! -d "$1" ] || find "$1" -mindepth 1 ${2:+-maxdepth 1} | sort
}

# Every process of the daemons' trees (the worker's lava-run and its qemu too), then TERM, a
# wait (the publisher takes about 5 s), KILL.
stop_daemons() {
	local roots=() p pids t0=$SECONDS
	for p in "$LAB"/pids/*.pid; do
		if [ -f "$p" ]; then
			roots+=("$(cat "$p")")
		fi
	done
	[ ${#roots[@]} -gt 0 ] || return 0
	pids=$(python3 - "${roots[@]}" <<'EOF'
import os, sys
roots = set(map(int, sys.argv[1:]))
parent, sid = {}, {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    parent[int(pid)], sid[int(pid)] = int(f[1]), int(f[3])
ours = {p for p in parent if p in roots or sid[p] in roots}
grew = True
while grew:
    more = {p for p in parent if parent[p] in ours} - ours
    grew = bool(more)
    ours |= more
print(" ".join(map(str, sorted(ours))))
EOF
) || return 1
	[ -n "$pids" ] || return 0
	# every one may have exited since it was listed: kill's "no such process" is no failure
	# shellcheck disable=SC2086 # a list of PIDs
	kill -TERM $pids 2>/dev/null || true
	while [ $((SECONDS - t0)) -lt 15 ]; do
		# shellcheck disable=SC2086
		kill -0 $pids 2>/dev/null || return 0
		sleep 0.5
	done
	for p in $pids; do
		if kill -0 "$p" 2>/dev/null; then
			say "PID $p still runs after 15 s: KILL"
			kill -KILL "$p" 2>/dev/null || true	# it may exit in between
		fi
	done
}

# new_entries DIR LIST [1]: the entries of DIR that the snapshot LIST did not have (what the
# lab's jobs made there); nothing without a snapshot.
new_entries() {
	[ ! -f "$2" ] || entries "$1" "${3:-}" | comm -13 "$2" -
}

# undone WHAT: a step of down that failed; down goes on and exits 1 at the end.
undone() {
	say "down: $*: failed"
	down_rc=1
}

# Best effort: every step runs, whatever an earlier one did; each that fails is said (undone)
# and down returns 1 at the end, having removed all it could.
down() {
	local t0=$SECONDS f v c port
	local -a new
	down_rc=0
	[ -d "$LAB" ] || { say "no lab at $LAB: nothing to take down"; return 0; }
	stop_daemons || undone "stopping the daemons"
	port=$(state pg_port)
	if [ -n "$port" ] && pg_isready -q -p "$port"; then
		if ! pg "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || ! pg "DROP ROLE IF EXISTS $DB"; then
			undone "dropping the database $DB"
		fi
		# postinst.py's second pair, when it made it
		if [ "$(state devel)" = made ] && { ! pg "DROP DATABASE IF EXISTS devel WITH (FORCE)" ||
			! pg "DROP ROLE IF EXISTS devel"; }; then
			undone "dropping the database devel"
		fi
	fi
	rm -f "$SETTINGS" "$DEVICES/$NAME-"*.jinja2 || undone "removing $SETTINGS and the devices"
	rm -rf "${DISPATCHER_D:?}/$WORKER" || undone "removing $DISPATCHER_D/$WORKER"
	mapfile -t new < <(new_entries "$JOB_OUTPUT" "$LAB/job-output.before")
	[ ${#new[@]} -eq 0 ] || rm -rf "${new[@]}" || undone "removing the jobs' output in $JOB_OUTPUT"
	mapfile -t new < <(new_entries "$DISPATCHER_TMP" "$LAB/dispatcher-tmp.before" 1)
	for f in "${new[@]}"; do
		# a job's work directory there is named by its id: only the lab's small numbers
		[[ $(basename "$f") =~ ^[0-9]{1,6}$ ]] || continue
		rm -rf "$f" || undone "removing $f"
	done
	read -r v c <<<"$(state pg_started)"
	if [ -n "$v" ]; then
		pg_ctlcluster "$v" "$c" stop >/dev/null 2>&1 || undone "pg_ctlcluster $v $c stop"
	fi
	read -r v c <<<"$(state pg_created)"
	if [ -n "$v" ]; then
		pg_dropcluster --stop "$v" "$c" >/dev/null 2>&1 || undone "pg_dropcluster $v $c"
	fi
	rm -rf "$LAB" || undone "removing $LAB"
	say "down in $((SECONDS - t0)) s"
	return "$down_rc"
}

status() {
	[ -d "$LAB" ] || { echo "no lab at $LAB"; return 1; }
	local alive
	alive=$(pids_alive | paste -sd ' ')
	echo "lab at $LAB: running ${alive:-nothing}"
	[ -n "$alive" ]	# the exit status is the answer: 1 when none of the lab's daemons runs
}
