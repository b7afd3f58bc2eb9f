# tests/lib/btpreload.sh - sourced by tests that run the stock babeltrace2
# CLI with the plugin.  A sanitizer build's plugin needs the sanitizer
# runtimes loaded first in the (uninstrumented) babeltrace2 process; the
# CLI's own leaks are not ours.  Sets preload (colon-separated, empty when
# IH_SANITIZERS is) and defines bt, which runs babeltrace2 ($BABELTRACE2)
# with it.
preload=
for s in $(echo "${IH_SANITIZERS:-}" | tr ',' ' '); do
	lib=
	case $s in
	address) lib=libasan.so ;;
	undefined) lib=libubsan.so ;;
	thread) lib=libtsan.so ;;
	esac
	f=$(gcc -print-file-name="$lib" 2>/dev/null)
	[ -n "$lib" ] && [ -e "$f" ] && preload=${preload:+$preload:}$f
done
bt() {
	if [ -n "$preload" ]; then
		LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 "${BABELTRACE2:-babeltrace2}" "$@"
	else
		"${BABELTRACE2:-babeltrace2}" "$@"
	fi
}
