# tests/web_lib.sh - shared by the dashboard's tests (web_api, web_browser,
# web_load): a database that `irqhop analyze` made from real traces, and the
# server under test.  Source it after tests/lib/isolate.sh and tap.sh, and
# after ih_isolate (recording needs the private namespace).
#
#   ih_web_db             sets IH_WEB_DB: tests/web-db/web.sqlite in the build
#                         tree, recorded and analyzed once per build of
#                         irqhop (the first test to need it makes it, under
#                         flock, the others wait for it, bounded)
#   ih_web_kvm_db         sets IH_WEB_KVM_DB: tests/web-db/kvm.sqlite, the
#                         real KVM traces of tests/data/kvm/ analyzed (no
#                         recording), cached the same way
#   ih_web_serve [ARGS]   starts `irqhop serve --db $IH_WEB_DB --listen
#                         127.0.0.1:0 ARGS`, waits (bounded) for its one
#                         "listening" line; sets IH_WEB_URL and IH_WEB_PID
#   ih_web_stop           SIGTERM exactly IH_WEB_PID, bounded; its status
#
# The runs recorded (1 s each, seeds fixed): mixed (all three paths, idle
# guests' timers) with global tasklets and waitqueue notifier, and xen-steal
# in both tasklet modes (the pair the compare page is made for).
IH_WEB_RUNS="mixed:global:waitqueue:2000 xen-steal:global:waitqueue:5000 xen-steal:percpu:srcu:5000"

ih_web_build_db()
{
	ih_wd=$1
	ih_i=0
	rm -f "$ih_wd/web.sqlite" "$ih_wd/web.sqlite-wal" "$ih_wd/web.sqlite-shm" "$ih_wd/new.sqlite"*
	for ih_spec in $IH_WEB_RUNS; do
		IFS=: read -r ih_sc ih_tm ih_nm ih_rate <<EOS
$ih_spec
EOS
		ih_i=$((ih_i + 1))
		ih_label="$ih_sc-$ih_tm"
		timeout --kill-after=10 120 "$IRQHOP" record --scenario "$ih_sc" --tasklet "$ih_tm" \
			--notifier "$ih_nm" --rate "$ih_rate" --duration 1 --seed "$ih_i" \
			--label "$ih_label" --output "$IH_TMP/web-trace-$ih_i" \
			> "$ih_wd/record-$ih_i.out" 2>&1 || return 1
		timeout --kill-after=10 300 "$IRQHOP" analyze "$IH_TMP/web-trace-$ih_i" \
			--db "$ih_wd/new.sqlite" --label "$ih_label" > "$ih_wd/analyze-$ih_i.out" 2>&1 || return 1
		rm -rf "$IH_TMP/web-trace-$ih_i"
	done
	# Checkpoint the WAL so the file stands alone, then publish it.
	"$SQLITE3" "$ih_wd/new.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null || return 1
	rm -f "$ih_wd/new.sqlite-wal" "$ih_wd/new.sqlite-shm"
	mv "$ih_wd/new.sqlite" "$ih_wd/web.sqlite"
}

# ih_web_cached_db FILE BUILDER: runs BUILDER DIR (which must leave FILE)
# unless FILE is newer than irqhop and the analyzer plugin; under flock, so
# tests running at once build it once and the others wait (bounded).
ih_web_cached_db()
{
	ih_wd=$top_builddir/tests/web-db
	mkdir -p "$ih_wd" || return 1
	(
		flock -w 600 9 || { echo "# timed out waiting for the test database lock" >&2; exit 1; }
		ih_fresh=0
		if test -f "$1" && test "$1" -nt "$IRQHOP"; then
			ih_fresh=1
			for ih_so in "$top_builddir"/analyzer/.libs/*.so; do
				test -f "$ih_so" && ! test "$1" -nt "$ih_so" && ih_fresh=0
			done
		fi
		test $ih_fresh = 1 && exit 0
		"$2" "$ih_wd"
	) 9> "$ih_wd/lock"
}

ih_web_db()
{
	IH_WEB_DB=$top_builddir/tests/web-db/web.sqlite
	# Rebuilt when irqhop (and so its analyzer and schema) is newer.
	ih_web_cached_db "$IH_WEB_DB" ih_web_build_db
}

# The real KVM host traces committed in tests/data/kvm/ (kernel model, paths
# kvm-msi and kvm-ioapic, docs/kvm-model.md): analyzed, not recorded.
IH_WEB_KVM_TRACES="msi-1vcpu ioapic-1vcpu msi-2vcpu ioapic-2vcpu attach-ioapic attach-record"

ih_web_build_kvm_db()
{
	rm -f "$1/kvm.sqlite" "$1/kvm.sqlite-wal" "$1/kvm.sqlite-shm" "$1/new-kvm.sqlite"*
	for ih_t in $IH_WEB_KVM_TRACES; do
		timeout --kill-after=10 120 "$IRQHOP" analyze "$top_srcdir/tests/data/kvm/$ih_t" \
			--db "$1/new-kvm.sqlite" --label "kvm-$ih_t" > "$1/analyze-kvm-$ih_t.out" 2>&1 || return 1
	done
	"$SQLITE3" "$1/new-kvm.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null || return 1
	rm -f "$1/new-kvm.sqlite-wal" "$1/new-kvm.sqlite-shm"
	mv "$1/new-kvm.sqlite" "$1/kvm.sqlite"
}

# Sets IH_WEB_KVM_DB: tests/web-db/kvm.sqlite, the kvm traces analyzed.
ih_web_kvm_db()
{
	IH_WEB_KVM_DB=$top_builddir/tests/web-db/kvm.sqlite
	ih_web_cached_db "$IH_WEB_KVM_DB" ih_web_build_kvm_db
}

ih_web_serve()
{
	IH_WEB_URL=
	coproc IH_SERVE { exec "$IRQHOP" serve --db "$IH_WEB_DB" --listen 127.0.0.1:0 "$@" 2> "$IH_TMP/serve.err"; }
	IH_WEB_PID=$IH_SERVE_PID
	IH_STARTED_PIDS="$IH_STARTED_PIDS $IH_WEB_PID"
	ih_line=
	ih_wait_line "${IH_SERVE[0]}" 30 ih_line
	case $ih_line in
	"irqhop serve: listening on http://127.0.0.1:"*/)
		IH_WEB_URL=${ih_line#irqhop serve: listening on }
		return 0 ;;
	esac
	echo "#   serve said '$ih_line'"
	ih_diag_file "$IH_TMP/serve.err"
	return 1
}

ih_web_stop()
{
	ih_stop_pid "$IH_WEB_PID" 20
}
