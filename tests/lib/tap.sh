# tests/lib/tap.sh - TAP output for the shell tests (automake's
# tap-driver.sh reads it).  The plan is printed at the end (ih_done).
ih_n=0
ih_failed=0

# ih_ok STATUS DESCRIPTION: "ok N - DESCRIPTION" when STATUS is 0.
ih_ok()
{
	ih_n=$((ih_n + 1))
	if test "$1" -eq 0; then
		echo "ok $ih_n - $2"
	else
		echo "not ok $ih_n - $2"
		ih_failed=$((ih_failed + 1))
	fi
	return "$1"
}

# ih_is GOT WANT DESCRIPTION
ih_is()
{
	if test "x$1" = "x$2"; then
		ih_ok 0 "$3"
	else
		ih_ok 1 "$3"
		echo "#   got '$1', want '$2'"
		return 1
	fi
}

# ih_skip DESCRIPTION REASON
ih_skip()
{
	ih_n=$((ih_n + 1))
	echo "ok $ih_n - $1 # SKIP $2"
}

# ih_diag_file FILE: show a file as TAP comments (bounded to 40 lines).
ih_diag_file()
{
	test -f "$1" && head -n 40 "$1" | sed 's/^/#   /'
	return 0
}

# ih_one_line FILE PATTERN DESCRIPTION: FILE holds exactly one line and it
# matches the extended regular expression PATTERN.
ih_one_line()
{
	ih_lines=$(wc -l < "$1")
	if test "$ih_lines" -eq 1 && grep -Eq -- "$2" "$1"; then
		ih_ok 0 "$3"
	else
		ih_ok 1 "$3"
		echo "#   want one line matching /$2/, got $ih_lines:"
		ih_diag_file "$1"
		return 1
	fi
}

# ih_done: the plan, and the exit status automake's driver checks.
ih_done()
{
	echo "1..$ih_n"
	test "$ih_failed" -eq 0
}
