#!/bin/sh
# Benchmark of one-off answers: wall time and peak RSS of `crossroads ...`
# against `true`, the cost of fork + exec alone. Run by `make bench`.
#
# Environment:
#   CROSSROADS      the binary to measure (required)
#   CC              compiler for timeit.c (default: cc)
#   BENCH_BUILDDIR  where timeit and the raw results go (default: ./bench-out)
#   BENCH_RUNS      timed runs per case (default: 200)
#   BENCH_WARMUP    untimed runs first (default: 2)
#
# Each case is timed by timeit (timeit.c, beside this script), which prints
#   LABEL RUNS MEDIAN_MS P10_MS P90_MS MAXRSS_KIB
# and stops with a message if any run exits non-zero. If valgrind is
# installed, one callgrind run adds an instruction count: a figure that,
# unlike wall time, does not move with machine load.

set -u

me=bench.sh
die() { printf '%s: %s\n' "$me" "$*" >&2; exit 1; }

srcdir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) ||
	die "cannot find my own directory"
[ -f "$srcdir/timeit.c" ] || die "$srcdir/timeit.c: not found"

[ -n "${CROSSROADS:-}" ] || die "set CROSSROADS to the crossroads binary"
[ -x "$CROSSROADS" ] || die "$CROSSROADS: not an executable file"

runs=${BENCH_RUNS:-200}
warmup=${BENCH_WARMUP:-2}
case $runs in ''|*[!0-9]*|0) die "BENCH_RUNS=$runs: want a positive count";; esac
case $warmup in ''|*[!0-9]*) die "BENCH_WARMUP=$warmup: want a count";; esac

out=${BENCH_BUILDDIR:-$PWD/bench-out}
mkdir -p "$out" || die "$out: cannot create"
timeit=$out/timeit
results=$out/results.txt

# $CC is unquoted on purpose: it may carry words ("ccache gcc", "gcc -m32").
${CC:-cc} -O2 -o "$timeit" "$srcdir/timeit.c" ||
	die "cannot compile $srcdir/timeit.c with ${CC:-cc}"

# bench LABEL CMD ARGS...: time one case and append its line to $results.
bench() {
	label=$1
	shift
	shown=
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./=-]*) shown="$shown '$a'";;
		*) shown="$shown $a";;
		esac
	done
	printf '  %-13s%s\n' "$label" "$shown"
	"$timeit" -n "$runs" -w "$warmup" "$label" -- "$@" >>"$results" ||
		die "$label: benchmark failed (see above)"
}

version=$("$CROSSROADS" --version 2>/dev/null) ||
	die "$CROSSROADS --version failed"
echo "crossroads benchmark: one-off answers, wall time from fork to exit"
echo "  binary:  $CROSSROADS ($version)"
echo "  host:    $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs"
echo "  runs:    $runs timed per case, after $warmup warm-up; output to /dev/null"
echo
echo "cases:"
: >"$results" || die "$results: cannot write"
bench true          true
bench version       "$CROSSROADS" --version
bench pay           "$CROSSROADS" how much does a PhD student get paid
bench json-mle      "$CROSSROADS" --json \
	'Can I become an ML engineer without a PhD?'
bench out-of-scope  "$CROSSROADS" what is the capital of France
bench sections      "$CROSSROADS" sections
echo

# The table. "x true" is the case's median over the baseline's; "answer"
# is the median minus the baseline's: what crossroads itself costs.
LC_ALL=C awk '
NR == 1 {
	base = $3
	printf "%-13s %10s %9s %9s %12s %8s %10s\n", "case", "median ms",
	    "p10 ms", "p90 ms", "max RSS KiB", "x true", "answer ms"
	printf "%-13s %10s %9s %9s %12s %8s %10s\n", "-------------",
	    "---------", "------", "------", "-----------", "------",
	    "---------"
}
{
	if (NR == 1)
		printf "%-13s %10.3f %9.3f %9.3f %12d %8s %10s\n",
		    $1, $3, $4, $5, $6, "1.00", "(base)"
	else
		printf "%-13s %10.3f %9.3f %9.3f %12d %8.2f %10.3f\n",
		    $1, $3, $4, $5, $6, (base > 0 ? $3 / base : 0), $3 - base
}' "$results"
echo

if command -v valgrind >/dev/null 2>&1; then
	log=$out/callgrind.log
	if valgrind --tool=callgrind --callgrind-out-file=/dev/null \
	    "$CROSSROADS" how much does a PhD student get paid \
	    >/dev/null 2>"$log"; then
		ir=$(sed -n 's/^==[0-9]*== Collected : *\([0-9]*\).*/\1/p' "$log")
		[ -n "$ir" ] || die "no 'Collected :' line in $log"
		printf 'callgrind, pay (instructions, noise-free): %s\n' "$ir"
	else
		die "valgrind run failed; see $log"
	fi
else
	echo "callgrind: skipped (valgrind not installed)"
fi
echo "raw results: $results"
