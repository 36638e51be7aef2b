# engine.sh - the engine part of bench.sh (sourced by it, which sets
# $srcdir, $out, $timeit, $CROSSROADS and die): crossroads against CLIPS
# on the rule sets of rulegen.sh.
#
# crossroads is measured twice: cold, parsing the YAML rule files
# (--no-cache), and warm, reading the compiled rule cache that a first
# run wrote (in a cache folder of the benchmark's own, $out/cache): the
# first run of a rule set, and every run after it.  Each has its
# CLIPS/crossroads ratio.
#
# For each workload and size: one run of each program first, untimed,
# which warms the page cache and yields the counts (crossroads --stats:
# load time, run time, rules fired; CLIPS: rules fired and the time of
# its (run)), then BENCH_ENGINE_RUNS timed runs of each by timeit.  The
# wall time is the median, fork to exit; crossroads answers one question
# ("benchmark", which no built-in intent takes) with the rule set loaded
# after its built-in rules, CLIPS loads the program, resets and runs.
# A CLIPS run slower than BENCH_CLIPS_TIMEOUT seconds is given up on,
# and CLIPS is not run at the larger sizes of that workload.

engine() {
	sizes=${BENCH_SIZES:-1000 10000 30000 100000}
	workloads=${BENCH_WORKLOADS:-chain match wide}
	eruns=${BENCH_ENGINE_RUNS:-5}
	climit=${BENCH_CLIPS_TIMEOUT:-60}
	clips=${CLIPS:-clips}
	case $eruns in ''|*[!0-9]*|0) die "BENCH_ENGINE_RUNS=$eruns: want a positive count";; esac
	case $climit in ''|*[!0-9]*|0) die "BENCH_CLIPS_TIMEOUT=$climit: want seconds";; esac
	gen=$out/rules
	eres=$out/engine.txt
	mkdir -p "$gen" || die "$gen: cannot create"
	: >"$eres" || die "$eres: cannot write"
	if command -v "$clips" >/dev/null 2>&1; then
		clipsv=$(dpkg-query -W -f '${Version}' clips 2>/dev/null || echo '?')
	else
		echo "engine: $clips not found: measuring crossroads alone"
		echo "  (Debian: apt-get install clips)"
		clips=
		clipsv=-
	fi
	echo "crossroads benchmark: the engine against CLIPS, end to end"
	echo "  sizes: $sizes; workloads: $workloads"
	echo "  runs:  $eruns timed per case, median wall time from fork to exit"
	echo "  CLIPS: ${clips:-none} (Debian package $clipsv), given up after ${climit} s"
	echo
	for w in $workloads; do
		noclips=
		for n in $sizes; do
			engine_case "$w" "$n"
		done
	done
	echo
	engine_table "$eres"
	echo "raw results: $eres"
}

# cr_stats FILE: "FIRED LOAD_MS RUN_MS" from crossroads --stats output.
cr_stats() {
	sed -n 's/.*load \([0-9.]*\) ms.*run \([0-9.]*\) ms, \([0-9]*\) rules fired.*/\3 \1 \2/p' "$1"
}

# engine_case W N: generate, count, time; append one line to $eres:
#   W N COLD_MS COLD_KIB WARM_MS WARM_KIB FIRED COLD_LOAD_MS WARM_LOAD_MS
#   RUN_MS CL_MS CL_KIB CL_FIRED CL_RUN_MS
# with - for what was not measured.
engine_case() {
	w=$1 n=$2
	printf '  %-6s %7s  generating' "$w" "$n"
	sh "$srcdir/rulegen.sh" "$w" "$n" "$gen" || die "rulegen.sh $w $n failed"
	dir=$gen/$w-$n
	# The arguments are words without blanks (--fact NAME=VALUE).
	args=$(cat "$gen/$w-$n.args")
	printf ', crossroads cold'
	# shellcheck disable=SC2086
	"$CROSSROADS" --no-cache --stats --rules "$dir" $args benchmark \
	    >/dev/null 2>"$out/stats" ||
		{ cat "$out/stats" >&2; die "crossroads failed on $w $n"; }
	set -- $(cr_stats "$out/stats")
	[ $# -eq 3 ] || die "no statistics in $(cat "$out/stats")"
	fired=$1 coldload=$2
	# shellcheck disable=SC2086
	cold=$("$timeit" -n "$eruns" -w 0 "cold-$w-$n" -- \
	    "$CROSSROADS" --no-cache --rules "$dir" $args benchmark) ||
		die "timing crossroads on $w $n failed"
	printf ', warm'
	# A rule file changed in the last second is not cached (see
	# engine/cache.c): let the new ones age, then fill the cache.
	sleep 2
	rm -rf "$XDG_CACHE_HOME"
	# shellcheck disable=SC2086
	"$CROSSROADS" --rules "$dir" $args benchmark >/dev/null 2>&1
	# shellcheck disable=SC2086
	"$CROSSROADS" --stats --rules "$dir" $args benchmark \
	    >/dev/null 2>"$out/stats" ||
		{ cat "$out/stats" >&2; die "crossroads failed on $w $n"; }
	grep -q 'from the cache' "$out/stats" ||
		die "$w $n: the rule cache was not used: $(cat "$out/stats")"
	set -- $(cr_stats "$out/stats")
	[ "$1" = "$fired" ] || die "$w $n: $1 rules fired from the cache, $fired without"
	warmload=$2 run=$3
	# shellcheck disable=SC2086
	warm=$("$timeit" -n "$eruns" -w 0 "warm-$w-$n" -- \
	    "$CROSSROADS" --rules "$dir" $args benchmark) ||
		die "timing crossroads on $w $n failed"
	set -- $cold
	crline="$3 $6"
	set -- $warm
	crline="$crline $3 $6 $fired $coldload $warmload $run"
	clline="- - - -"
	if [ -n "$clips" ] && [ -z "$noclips" ]; then
		printf ', CLIPS'
		timeout "$climit" "$clips" -f2 "$gen/$w-$n.clp" </dev/null \
		    >"$out/clips.out" 2>&1
		rc=$?
		if [ $rc -eq 124 ]; then
			printf ' (over %s s: given up)' "$climit"
			noclips=1
			clline="timeout - - -"
		elif [ $rc -ne 0 ]; then
			cat "$out/clips.out" >&2
			die "CLIPS failed on $w $n"
		else
			clfired=$(sed -n 's/^\([0-9]*\) rules fired.*/\1/p' "$out/clips.out")
			clrun=$(sed -n 's/^run-seconds \(.*\)/\1/p' "$out/clips.out")
			cl=$("$timeit" -n "$eruns" -w 0 "clips-$w-$n" -- \
			    "$clips" -f2 "$gen/$w-$n.clp") ||
				die "timing CLIPS on $w $n failed"
			set -- $cl
			clline="$3 $6 ${clfired:--} $(awk -v s="${clrun:-0}" 'BEGIN { printf "%.3f", s * 1000 }')"
		fi
	fi
	echo "$w $n $crline $clline" >>"$eres"
	echo
	rm -rf "$dir" "$gen/$w-$n.clp" "$gen/$w-$n.args" "$XDG_CACHE_HOME"
}

# engine_table FILE: the results as a table.
engine_table() {
	LC_ALL=C awk -v limit="${BENCH_CLIPS_TIMEOUT:-60}" '
	BEGIN {
		printf "%-14s | %-80s | %-36s | %-15s\n", "",
		    "crossroads: cold (YAML) and warm (rule cache)", "CLIPS 6.30",
		    "CLIPS/crossroads"
		printf "%-6s %7s | %8s %8s %7s %7s %7s %8s %8s %8s %7s | %9s %8s %7s %8s | %7s %7s\n",
		    "work", "rules", "cold ms", "warm ms", "coldMiB", "warmMiB",
		    "fired", "cold ld", "warm ld", "run ms", "us/rule",
		    "wall ms", "RSS MiB", "fired", "run ms", "cold", "warm"
	}
	function mib(k) { return k == "-" ? "-" : sprintf("%.1f", k / 1024) }
	function ratio(cl, cr) {
		if (cl == "-") return "-"
		if (cl == "timeout") return sprintf(">%.0f", limit * 1000 / cr)
		return sprintf("%.1f", cl / cr)
	}
	{
		printf "%-6s %7d | %8.1f %8.1f %7s %7s %7d %8.1f %8.1f %8.1f %7.2f | %9s %8s %7s %8s | %7s %7s\n",
		    $1, $2, $3, $5, mib($4), mib($6), $7, $8, $9, $10,
		    $5 * 1000 / $2,
		    $11 == "-" || $11 == "timeout" ? $11 : sprintf("%.1f", $11),
		    mib($12), $13, $14, ratio($11, $3), ratio($11, $5)
	}' "$1"
	echo "cold: parsing the YAML (--no-cache); warm: from the rule cache."
	echo "ld: crossroads load time, run: its engine run, both from --stats;"
	echo "us/rule: warm wall time per rule."
}
