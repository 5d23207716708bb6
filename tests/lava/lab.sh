#!/usr/bin/env bash
# tests/lava/lab.sh up|down|status: a throwaway LAVA lab on this machine for the tests. `up` starts
# PostgreSQL, lava-server's database (its own postinst), the web app, publisher, scheduler and a
# worker with qemu devices forced to TCG, and a lavacli identity; `down` stops every daemon it
# started, by PID, and removes all it wrote. Exit 4 (skip) with "SKIP: reason" where it cannot run.
# `down` is best effort: it removes all it can and exits 1 after naming what it could not; an `up`
# that fails half-way (or is stopped) takes itself down the same way, from what its state file
# noted before each step. One word and no options (MMBENCH_LAVA_LAB moves the lab's directory).
set -euo pipefail
# LAVA's python is Debian's: a python3 earlier in PATH (pyenv) breaks postinst.py ("No module django")
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

LAB=${MMBENCH_LAVA_LAB:-/var/tmp/mmbench-lava-lab}	# the lab's own files, state and logs
NAME=mmbench-lab			# the identity; prefix of the worker, devices and user
DB=mmbench_lab				# the lab's own database and role, beside any other
NDEV=2					# qemu devices: two jobs run at once
SETTINGS=/etc/lava-server/settings.d/99-mmbench-lab.yaml
DEVICES=/etc/lava-server/dispatcher-config/devices
DISPATCHER_D=/etc/lava-server/dispatcher.d
WORKER=$NAME-worker
PORTS="8000 8001 5500"
# What lava-server and the worker write outside the lab's directory, per job.
JOB_OUTPUT=/var/lib/lava-server/default/media/job-output
DISPATCHER_TMP=/var/lib/lava/dispatcher/tmp

say() { echo "lab: $*" >&2; }
skip() { echo "SKIP: $*"; exit 4; }

# The state file: one KEY=VALUE a line, appended as up goes, so down undoes a partial up.
note() { echo "$1=$2" >>"$LAB/state"; }
state() {	# nothing before up has written the file
	[ ! -f "$LAB/state" ] || sed -n "s/^$1=//p" "$LAB/state" | tail -n 1
}

# shellcheck source=tests/lava/lablib.sh
. "$(dirname "$0")/lablib.sh"

pg() {	# pg SQL: as postgres on the lab's cluster, unaligned, one value a line
	PGOPTIONS="-c client_min_messages=warning" runuser -u postgres -- psql -p "$(state pg_port)" -XAtq -c "$1"
}

manage() {
	lava-server manage "$@" >>"$LAB/logs/setup.log" 2>&1 || { say "lava-server manage $*: failed"; return 1; }
}

# start NAME CMD..: a daemon in its own session, its PID kept; output to logs/NAME.log.
start() {
	local name=$1
	shift
	setsid "$@" </dev/null >>"$LAB/logs/$name.log" 2>&1 &
	echo $! >"$LAB/pids/$name.pid"
}

pg_up() {
	local v="" c port st
	# no line (no cluster at all) is an answer: read's status 1 says only that
	read -r v c port st _ < <(pg_lsclusters -h 2>/dev/null | head -n 1) || true
	if [ -z "${v:-}" ]; then
		v=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -n 1)
		c=main
		pg_createcluster "$v" "$c" >>"$LAB/logs/setup.log" 2>&1 || { say "pg_createcluster $v $c failed"; return 1; }
		note pg_created "$v $c"
		read -r v c port st _ < <(pg_lsclusters -h | head -n 1)
	fi
	note pg_port "$port"
	if [ "$st" != online ]; then
		note pg_started "$v $c"
		pg_ctlcluster "$v" "$c" start >>"$LAB/logs/setup.log" 2>&1 || { say "pg_ctlcluster $v $c start failed"; return 1; }
	fi
	for _ in $(seq 30); do
		pg_isready -q -p "$port" && return 0
		sleep 0.5
	done
	say "PostgreSQL $v/$c does not answer on port $port"
	return 1
}

write_settings() {
	local pw key
	pw=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	key=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	note settings "$SETTINGS"
	# the lab's database and role by name: what another instance left is not used
	pg "DROP DATABASE IF EXISTS $DB WITH (FORCE)" && pg "DROP ROLE IF EXISTS $DB" || return 1
	(umask 077 && cat >"$SETTINGS") <<EOF
# Written by mmbench's tests/lava/lab.sh for its throwaway lab; \`lab.sh down\` removes it.
DATABASES:
  default: {ENGINE: django.db.backends.postgresql, NAME: $DB, USER: $DB, PASSWORD: "$pw",
            HOST: 127.0.0.1, PORT: $(state pg_port)}
SECRET_KEY: "$key"
# without events the scheduler looks at the queue every 20 s only
EVENT_NOTIFICATION: true
EVENT_SOCKET: "tcp://127.0.0.1:5500"
INTERNAL_EVENT_SOCKET: "ipc://$LAB/run/events"
DJANGO_LOGFILE: "$LAB/logs/django.log"
EOF
	chown lavaserver:lavaserver "$SETTINGS"
}

# lava-server's own postinst: the role and database (and its "devel" pair), then the migrations.
make_database() {
	local had
	had=$(pg "SELECT datname FROM pg_database WHERE datname = 'devel'")
	[ -n "$had" ] || note devel made
	note db "$DB"
	/usr/bin/python3 /usr/share/lava-server/postinst.py >>"$LAB/logs/setup.log" 2>&1 ||
		{ say "lava-server's postinst.py failed"; return 1; }
}

add_lab_objects() {
	local pw tok wtok i
	pw=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	tok=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	manage users add --superuser --staff --passwd "$pw" "$NAME-admin" &&
		manage tokens add --user "$NAME-admin" --secret "$tok" &&
		manage device-types add qemu || return 1
	wtok=$(lava-server manage workers add "$WORKER" 2>>"$LAB/logs/setup.log" | sed -n 's/^Token: //p') ||
		{ say "lava-server manage workers add $WORKER: failed"; return 1; }
	[ -n "$wtok" ] || { say "lava-server manage workers add $WORKER: no token"; return 1; }
	(umask 077 && echo "$wtok" >"$LAB/worker-token")
	mkdir -p "$DISPATCHER_D/$WORKER"
	note dispatcher_d "$DISPATCHER_D/$WORKER"
	# the qemu boot otherwise takes the dispatcher's address from the default route
	echo "dispatcher_ip: 127.0.0.1" >"$DISPATCHER_D/$WORKER/dispatcher.yaml"
	chown -R lavaserver:lavaserver "$DISPATCHER_D/$WORKER"
	for i in $(seq "$NDEV"); do
		note device "$DEVICES/$NAME-qemu0$i.jinja2"
		# no_kvm: /dev/kvm is there, but KVM guests hang after "Probing EDD"
		printf "{%% extends 'qemu.jinja2' %%}\n{%% set arch = 'amd64' %%}\n{%% set no_kvm = True %%}\n" \
			>"$DEVICES/$NAME-qemu0$i.jinja2"
		chown lavaserver:lavaserver "$DEVICES/$NAME-qemu0$i.jinja2"
		manage devices add --device-type qemu --worker "$WORKER" "$NAME-qemu0$i" || return 1
	done
	XDG_CONFIG_HOME=$LAB/config lavacli identities add --uri http://127.0.0.1:8000/RPC2 \
		--username "$NAME-admin" --token "$tok" "$NAME" || return 1
}

start_daemons() {
	start gunicorn gunicorn3 lava_server.wsgi -u lavaserver -g lavaserver --worker-class eventlet \
		--workers 2 --bind 127.0.0.1:8000
	start publisher lava-server manage lava-publisher --host 127.0.0.1 --port 8001 --level INFO -o -
	start scheduler lava-server manage lava-scheduler --event-url tcp://127.0.0.1:5500 --level INFO -o -
	# no Apache here to proxy /ws/: the worker talks to the publisher's port itself
	start worker lava-worker --name "$WORKER" --url http://127.0.0.1:8000/ --ws-url http://127.0.0.1:8001/ws/ \
		--token-file "$LAB/worker-token" --worker-dir "$LAB/worker" --ping-interval 2 --level INFO --log-file -
}

# Ready: the web app answers, the worker is online, every device is idle.
wait_ready() {
	local t0=$SECONDS w="" n="" p
	while [ $((SECONDS - t0)) -lt 90 ]; do
		# a web app that does not answer yet is not ready yet: the next round asks again
		w=$(XDG_CONFIG_HOME=$LAB/config lavacli -i "$NAME" workers show "$WORKER" --json 2>/dev/null) || w=""
		n=$(XDG_CONFIG_HOME=$LAB/config lavacli -i "$NAME" devices list --json 2>/dev/null |
			jq '[.[] | select(.state == "Idle" and (.health == "Good" or .health == "Unknown"))] | length' \
			2>/dev/null) || n=""
		[ "$(jq -r .state <<<"$w" 2>/dev/null)" = Online ] && [ "${n:-0}" -eq "$NDEV" ] && return 0
		for p in "$LAB"/pids/*.pid; do
			kill -0 "$(cat "$p")" 2>/dev/null || { say "$(basename "$p" .pid) exited:"; tail -n 5 "$LAB/logs/$(basename "$p" .pid).log" >&2; return 1; }
		done
		sleep 0.5
	done
	say "not ready after 90 s (worker: $(jq -r .state <<<"$w" 2>/dev/null), idle devices: ${n:-?})"
	return 1
}

# up's EXIT trap, set once up begins to change things: a step that failed (set -e), a skip
# found half-way (exit 4) or a signal; down then takes away what was started, as the state
# file tells it.
up_undo() {
	local rc=$? f
	trap - EXIT INT TERM
	[ "$rc" -ne 0 ] || rc=1
	if [ "$rc" -eq 4 ]; then	# "SKIP: .." is said; what up made goes quietly
		down >/dev/null 2>&1 || say "down failed: tests/lava/lab.sh down to retry"
		exit 4
	fi
	say "up failed (exit $rc); the end of each log, then down takes away what was started:"
	for f in "$LAB"/logs/*.log; do
		if [ -s "$f" ]; then
			{ echo "--- $(basename "$f")"; tail -n 12 "$f"; } >&2
		fi
	done
	down >&2 || say "down left something: tests/lava/lab.sh down to retry"
	exit "$rc"
}

up() {
	local t0=$SECONDS
	preflight
	# from here a failing step ends up (set -e) and the trap takes down what it started
	trap up_undo EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$LAB"/{pids,logs,config,worker,run}
	: >"$LAB/state"
	: >"$LAB/logs/django.log"
	# the migrations, the web app and the daemons run as lavaserver: their files must be its own
	chmod 755 "$LAB"
	chmod 700 "$LAB/config"
	chown lavaserver:lavaserver "$LAB/run" "$LAB/logs" "$LAB/logs/django.log"
	snapshot
	pg_up
	foreign_database
	write_settings
	make_database
	add_lab_objects
	start_daemons
	wait_ready
	trap - EXIT INT TERM
	say "up in $((SECONDS - t0)) s: lavacli identity $NAME with XDG_CONFIG_HOME=$LAB/config; devices" \
		"$(seq -s ' ' -f "$NAME-qemu0%g" "$NDEV") (qemu, TCG)"
	echo "$LAB/config"
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: tests/lava/lab.sh up|down|status   (MMBENCH_LAVA_LAB=DIR, default /var/tmp/mmbench-lava-lab)" >&2; exit 2 ;;
esac
