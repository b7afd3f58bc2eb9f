# tests/lib/isolate.sh - run a shell test against its own private LTTng
# session daemon, never any other daemon on the machine.  Source it first
# thing in a test, then call:
#
#     ih_isolate "$0" "$@"
#
# The first call re-executes the test under unshare(1) in a private mount
# namespace (root: `unshare -m`; other users: `unshare -r -m`, a user
# namespace mapped to root) and returns inside it, where:
#   - /var/run/lttng (the root session daemon's sockets) and /dev/shm (the
#     lttng-ust registration wait page and the per-UID ring buffers) are fresh
#     tmpfs mounts, so neither a daemon nor an application outside can see
#     ours, and ours cannot see theirs;
#   - HOME and LTTNG_HOME point at $IH_TMP, a temporary directory removed at
#     exit unless the test failed or IH_KEEP_TMP is set;
#   - no session daemon is running (checked: ih_isolate bails out otherwise).
# When namespaces are not available the test is skipped (TAP "1..0 # SKIP").
#
# It also provides helpers for the tests:
#   ih_wait_line FD SECONDS VAR   read one line from FD within SECONDS
#   ih_stop_pid PID [SECONDS]     SIGTERM exactly PID, wait (bounded), SIGKILL
#   ih_start_sessiond             start a daemonized lttng-sessiond (returns
#                                 once it is ready); sets IH_SESSIOND_PID
#   ih_stop_sessiond              stop exactly that daemon, bounded

ih_isolate()
{
	ih_self=$1
	shift
	if test "x${IH_ISOLATED:-}" != x1; then
		command -v unshare >/dev/null 2>&1 || {
			echo "1..0 # SKIP unshare(1) not found"; exit 0; }
		if test "$(id -u)" = 0; then
			ih_unshare="unshare -m --propagation private"
			IH_USERNS=0
		else
			ih_unshare="unshare -r -m --propagation private"
			IH_USERNS=1
		fi
		export IH_USERNS
		# Probe first so a kernel without namespaces skips rather than fails.
		$ih_unshare true 2>/dev/null || {
			echo "1..0 # SKIP cannot create a private mount namespace ($ih_unshare)"; exit 0; }
		IH_ISOLATED=1 exec $ih_unshare -- "${BASH:-bash}" "$ih_self" "$@"
		echo "Bail out! cannot exec $ih_unshare"
		exit 99
	fi
	mkdir -p /var/run/lttng /dev/shm || {
		echo "Bail out! cannot create /var/run/lttng"; exit 99; }
	mount -t tmpfs -o mode=0755 ih-lttng-run /var/run/lttng || {
		echo "Bail out! cannot mount a tmpfs over /var/run/lttng"; exit 99; }
	mount -t tmpfs -o mode=1777 ih-shm /dev/shm || {
		echo "Bail out! cannot mount a tmpfs over /dev/shm"; exit 99; }
	IH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/irqhop-test.XXXXXX") || {
		echo "Bail out! mktemp failed"; exit 99; }
	HOME=$IH_TMP/home
	LTTNG_HOME=$IH_TMP/home
	mkdir -p "$HOME/.lttng"
	export HOME LTTNG_HOME
	# In a user namespace only our own uid and gid are mapped (as 0): the
	# daemon's chown of its sockets to the "tracing" group would fail, so
	# its configuration file names group root instead.
	if test "${IH_USERNS:-0}" = 1; then
		printf '[sessiond]\ngroup=root\n' > "$HOME/.lttng/lttng.conf"
	fi
	# Nothing but our own daemon may answer: a fresh /var/run/lttng and an
	# empty LTTNG_HOME cannot hold another daemon's sockets.
	if test -e /var/run/lttng/client-lttng-sessiond; then
		echo "Bail out! a session daemon socket exists inside the namespace"
		exit 99
	fi
	IH_STARTED_PIDS=
	IH_SESSIOND_PID=
	IH_MAIN_PID=$BASHPID
	trap ih_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Stops exactly the processes this test started (never by name), then removes
# $IH_TMP unless the test failed (kept for post-mortem) or IH_KEEP_TMP is set.
ih_cleanup()
{
	ih_rc=$?
	# Subshells (coprocesses before their exec, watchdogs) can inherit
	# this trap: only the test's own shell cleans up.
	test "$BASHPID" = "$IH_MAIN_PID" || exit $ih_rc
	for ih_p in $IH_STARTED_PIDS; do
		ih_stop_pid "$ih_p" 10
	done
	ih_stop_sessiond
	if test -n "${IH_TMP:-}" && test -d "$IH_TMP"; then
		if test $ih_rc -eq 0 && test -z "${IH_KEEP_TMP:-}" && test "${ih_failed:-0}" -eq 0; then
			rm -rf "$IH_TMP"
		else
			echo "# kept $IH_TMP"
		fi
	fi
	exit $ih_rc
}

# ih_wait_line FD SECONDS VAR: one line from FD into VAR; status 1 on
# timeout or end of file.
ih_wait_line()
{
	IFS= read -r -t "$2" -u "$1" "$3"
}

# ih_wait_file PATH SECONDS: wait until PATH exists, at most SECONDS; status
# 1 on timeout.  (Polls every 50 ms: the shell has no portable file event.)
ih_wait_file()
{
	ih_i=0
	while test ! -e "$1"; do
		test $ih_i -ge $(($2 * 20)) && return 1
		sleep 0.05
		ih_i=$((ih_i + 1))
	done
	return 0
}

# ih_wait_until SECONDS COMMAND...: wait until COMMAND succeeds (a file
# condition), at most SECONDS; status 1 on timeout.  Polls every 50 ms.
ih_wait_until()
{
	ih_i=0
	ih_lim=$(($1 * 20))
	shift
	until "$@"; do
		test $ih_i -ge $ih_lim && return 1
		sleep 0.05
		ih_i=$((ih_i + 1))
	done
	return 0
}

# ih_wait_pid PID SECONDS: wait for our child PID to exit, at most SECONDS,
# and return its exit status; on timeout SIGKILL it and return 124.
ih_wait_pid()
{
	( trap - EXIT; trap 'kill -TERM $ih_s 2>/dev/null; exit 0' TERM
	  sleep "$2" & ih_s=$!
	  wait $ih_s && kill -KILL "$1" 2>/dev/null ) &
	ih_dog=$!
	wait "$1" 2>/dev/null
	ih_st=$?
	if kill -TERM "$ih_dog" 2>/dev/null; then
		wait "$ih_dog" 2>/dev/null
	else
		wait "$ih_dog" 2>/dev/null
		ih_st=124
	fi
	IH_STARTED_PIDS=$(echo " $IH_STARTED_PIDS " | sed "s/ $1 / /; s/^ *//; s/ *\$//")
	return $ih_st
}

# ih_stop_pid PID [SECONDS]: SIGTERM exactly PID and wait for it, bounded;
# SIGKILL when it does not exit in time.  PID must be a child of this shell
# (wait reaps it); the exit status of the process is returned.
ih_stop_pid()
{
	ih_pid=$1
	ih_secs=${2:-10}
	kill -0 "$ih_pid" 2>/dev/null || { wait "$ih_pid" 2>/dev/null; return $?; }
	kill -TERM "$ih_pid" 2>/dev/null
	# Bounded: a watchdog SIGKILLs it if SIGTERM is not enough; the
	# watchdog's own sleep dies with it when we stop it early.
	( trap - EXIT; trap 'kill -TERM $ih_s 2>/dev/null; exit 0' TERM
	  sleep "$ih_secs" & ih_s=$!
	  wait $ih_s && kill -KILL "$ih_pid" 2>/dev/null ) &
	ih_dog=$!
	wait "$ih_pid" 2>/dev/null
	ih_st=$?
	kill -TERM "$ih_dog" 2>/dev/null
	wait "$ih_dog" 2>/dev/null
	IH_STARTED_PIDS=$(echo " $IH_STARTED_PIDS " | sed "s/ $ih_pid / /; s/^ *//; s/ *\$//")
	return $ih_st
}

# ih_start_sessiond: starts lttng-sessiond --daemonize --no-kernel ($LTTNG_SESSIOND
# or the one in PATH).  With --daemonize the command returns only once the
# daemon signalled it is ready, so no polling is needed; its PID comes from
# the pid file it writes in its run directory.  Status 1 on failure.
ih_start_sessiond()
{
	timeout 30 "${LTTNG_SESSIOND:-lttng-sessiond}" --daemonize --no-kernel || return 1
	IH_SESSIOND_PID=$(cat /var/run/lttng/lttng-sessiond.pid 2>/dev/null)
	test -n "$IH_SESSIOND_PID" && kill -0 "$IH_SESSIOND_PID" 2>/dev/null
}

# ih_stop_sessiond: SIGTERM to exactly $IH_SESSIOND_PID, wait at most 20 s for
# it to exit (it is not our child: tail --pid waits on it), then SIGKILL.
ih_stop_sessiond()
{
	test -n "${IH_SESSIOND_PID:-}" || return 0
	kill -TERM "$IH_SESSIOND_PID" 2>/dev/null
	timeout 20 tail --pid="$IH_SESSIOND_PID" -f /dev/null 2>/dev/null
	if kill -0 "$IH_SESSIOND_PID" 2>/dev/null; then
		kill -KILL "$IH_SESSIOND_PID" 2>/dev/null
		IH_SESSIOND_PID=
		return 1
	fi
	IH_SESSIOND_PID=
	return 0
}
