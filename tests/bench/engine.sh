# engine.sh - the engine part of bench.sh (sourced by it, which sets
# $srcdir, $out, $timeit, $CROSSROADS and die): crossroads against CLIPS
# on the rule sets of rulegen.sh.
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

# engine_case W N: generate, count, time; append one line to $eres:
#   W N CR_MS CR_KIB CR_FIRED CR_LOAD_MS CR_RUN_MS CL_MS CL_KIB CL_FIRED CL_RUN_MS
# with - for what was not measured.
engine_case() {
	w=$1 n=$2
	printf '  %-6s %7s  generating' "$w" "$n"
	sh "$srcdir/rulegen.sh" "$w" "$n" "$gen" || die "rulegen.sh $w $n failed"
	dir=$gen/$w-$n
	# The arguments are words without blanks (--fact NAME=VALUE).
	args=$(cat "$gen/$w-$n.args")
	printf ', crossroads'
	# shellcheck disable=SC2086
	"$CROSSROADS" --stats --rules "$dir" $args benchmark \
	    >/dev/null 2>"$out/stats" ||
		{ cat "$out/stats" >&2; die "crossroads failed on $w $n"; }
	crstats=$(sed -n 's/.*load \([0-9.]*\) ms.*run \([0-9.]*\) ms, \([0-9]*\) rules fired.*/\3 \1 \2/p' "$out/stats")
	[ -n "$crstats" ] || die "no statistics in $(cat "$out/stats")"
	# shellcheck disable=SC2086
	cr=$("$timeit" -n "$eruns" -w 0 "cr-$w-$n" -- \
	    "$CROSSROADS" --rules "$dir" $args benchmark) ||
		die "timing crossroads on $w $n failed"
	set -- $cr
	crline="$3 $6 $crstats"
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
	rm -rf "$dir" "$gen/$w-$n.clp" "$gen/$w-$n.args"
}

# engine_table FILE: the results as a table.
engine_table() {
	LC_ALL=C awk '
	BEGIN {
		printf "%-14s | %-55s | %-36s |\n", "", "crossroads", "CLIPS 6.30"
		printf "%-6s %7s | %9s %8s %7s %8s %8s %7s | %9s %8s %7s %8s | %8s\n",
		    "work", "rules", "wall ms", "RSS MiB", "fired", "load ms",
		    "run ms", "us/rule", "wall ms", "RSS MiB", "fired", "run ms",
		    "CLIPS/cr"
	}
	function mib(k) { return k == "-" ? "-" : sprintf("%.1f", k / 1024) }
	{
		ratio = ($8 == "-" || $8 == "timeout") ? ($8 == "timeout" ? ">" : "-") : sprintf("%.1f", $8 / $3)
		if ($8 == "timeout")
			ratio = sprintf(">%.0f", '"${BENCH_CLIPS_TIMEOUT:-60}"' * 1000 / $3)
		printf "%-6s %7d | %9.1f %8s %7d %8.1f %8.1f %7.2f | %9s %8s %7s %8s | %8s\n",
		    $1, $2, $3, mib($4), $5, $6, $7, $3 * 1000 / $2,
		    $8 == "-" || $8 == "timeout" ? $8 : sprintf("%.1f", $8),
		    mib($9), $10, $11, ratio
	}' "$1"
}
