# long.sh - the long-question part of bench.sh (sourced by it, which sets
# $srcdir, $out, $timeit, $CROSSROADS, $runs, $warmup and die): one-off
# answers to questions as long as crossroads reads (CR_MAX_QUESTION,
# 8192 bytes), each shaped to be a worst case for one part of a turn,
# against a normal question.  A turn must cost little more for any of
# them: regex work stays linear in the question's length only while no
# pattern has an unbounded gap (.*), and retrieval only while it
# searches for a bounded number of distinct words.
#
#   repeat  "should I do a phd " over and over: the matcher's worst
#           case before the gaps in rule patterns were bounded
#   phd     "phd " over and over: the most starts for the bounded
#           patterns' gaps ({phd}.{0,80}...)
#   essay   the essay's own words, in order: the most distinct words
#           for retrieval to search for and to quote by
#   word    one word of 8192 letters
#
# Each is timed like the one-off cases (timeit, fork to exit, median of
# BENCH_RUNS); "x normal" is the case's answer time (minus `true`) over
# the normal question's, and --stats gives the turn alone.

# long_text KIND: print a question of KIND, at most 8192 bytes, cut at a
# word.
long_text() {
	case $1 in
	repeat) printf 'should I do a phd \n';;
	phd) printf 'phd \n';;
	word) printf 'a\n';;
	essay) tr -s '[:space:]' '\n' <"$srcdir/../../corpus/choosing-a-phd-or-industry.md";;
	esac | LC_ALL=C awk -v kind="$1" -v max=8192 '
	kind == "word" { s = $0; while (length(s) < max) s = s s
		printf "%s", substr(s, 1, max); exit }
	kind == "essay" { if (length(s) + length($0) + 1 > max) exit
		s = s (s == "" ? "" : " ") $0; next }
	{ while (length(s) + length($0) <= max) s = s $0; exit }
	END { if (kind != "word") printf "%s", s }'
}

long() {
	lres=$out/long.txt
	: >"$lres" || die "$lres: cannot write"
	echo "crossroads benchmark: one-off answers to questions of 8 KB"
	echo "  runs:    $runs timed per case, after $warmup warm-up"
	echo
	echo "cases:"
	"$timeit" -n "$runs" -w "$warmup" true -- true >>"$lres" ||
		die "true: benchmark failed"
	"$timeit" -n "$runs" -w "$warmup" normal -- "$CROSSROADS" \
	    should I do a phd >>"$lres" || die "normal: benchmark failed"
	printf '  %-8s %5d bytes: %s\n' normal 17 'should I do a phd'
	for kind in repeat phd essay word; do
		text=$(long_text "$kind")
		[ -n "$text" ] || die "$kind: no text"
		turn=$("$CROSSROADS" --stats -- "$text" 2>&1 >/dev/null |
		    sed -n 's/.* turn \([0-9.]*\) ms.*/\1/p')
		printf '  %-8s %5d bytes: %.40s... (turn %s ms)\n' "$kind" \
		    "$(printf %s "$text" | wc -c)" "$text" "${turn:-?}"
		"$timeit" -n "$runs" -w "$warmup" "$kind" -- "$CROSSROADS" \
		    -- "$text" >>"$lres" || die "$kind: benchmark failed"
	done
	echo
	LC_ALL=C awk '
	NR == 1 { base = $3; next }
	NR == 2 { normal = $3 - base }
	{
		if (NR == 2)
			printf "%-8s %10s %9s %9s %10s %9s\n", "case",
			    "median ms", "p10 ms", "p90 ms", "answer ms",
			    "x normal"
		printf "%-8s %10.3f %9.3f %9.3f %10.3f %9.2f\n", $1, $3, $4,
		    $5, $3 - base, (normal > 0 ? ($3 - base) / normal : 0)
	}' "$lres"
}
