#!/bin/sh
# turns.sh - the cost of one turn of a conversation: BENCH_TURNS lines
# (default 1000) piped into one crossroads process, questions mixed with
# what people say about themselves and corrections of it, so memory
# across turns and truth maintenance are exercised.  Prints the median,
# 10th and 90th percentile and the largest time per answered line (from
# --stats: the whole turn, text in to answer out), the wall time of the
# whole process, and its peak resident memory.
#
# Environment: CROSSROADS (required), BENCH_BUILDDIR (default
# ./bench-out), BENCH_TURNS.
set -u
me=turns.sh
die() { printf '%s: %s\n' "$me" "$*" >&2; exit 1; }
[ -x "${CROSSROADS:-}" ] || die "set CROSSROADS to the crossroads binary"
out=${BENCH_BUILDDIR:-$PWD/bench-out}
n=${BENCH_TURNS:-1000}
case $n in ''|*[!0-9]*|0) die "BENCH_TURNS=$n: want a positive count";; esac
mkdir -p "$out" || die "$out: cannot create"
srcdir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) ||
    die "cannot find my own directory"

# Our own questions, cycled: every kind of line a conversation holds.
awk -v n="$n" 'BEGIN {
    q[0] = "I want to become a professor"
    q[1] = "should I do a PhD or take a job?"
    q[2] = "how much are PhD students paid"
    q[3] = "actually I want to start my own company"
    q[4] = "is it worth doing a doctorate for a startup founder"
    q[5] = "I have two papers and a job offer"
    q[6] = "what does a research scientist do all day"
    q[7] = "how do I pick a good advisor"
    q[8] = "can I go back to a PhD after working five years"
    q[9] = "what about AI residency programs"
    q[10] = "how do I file my taxes"
    q[11] = "should I write a blog during my PhD"
    for (i = 0; i < n; i++) print q[i % 12]
}' >"$out/turns.txt"

# Or real questions, as people write them, where the development sets
# are beside the project (BENCH_QUESTIONS: YAML files with "q:" lines),
# cycled to as many lines; they are read here and never kept.
questions=${BENCH_QUESTIONS-}
if [ -z "$questions" ]; then
    for f in "$srcdir"/../../../shared/eval/dev-questions*.yaml; do
        [ -f "$f" ] && questions="$questions $f"
    done
fi
if [ -n "$questions" ]; then
    # shellcheck disable=SC2086
    sed -n 's/^ *q: *//p' $questions | sed "s/^[\"']\(.*\)[\"']\$/\1/" >"$out/real.txt"
    if [ -s "$out/real.txt" ]; then
        awk -v n="$n" '{ q[NR - 1] = $0 }
            END { for (i = 0; i < n; i++) print q[i % NR] }' \
            "$out/real.txt" >"$out/turns.txt"
        echo "turns: the questions of$questions"
    fi
    rm -f "$out/real.txt"
fi

# Peak memory from GNU time, if there is one.
rm -f "$out/turns.rss"
measure=
[ -x /usr/bin/time ] && measure="/usr/bin/time -f %M -o $out/turns.rss"
start=$(date +%s.%N)
$measure "$CROSSROADS" --stats <"$out/turns.txt" >/dev/null 2>"$out/turns.err" ||
    die "crossroads failed: $(tail -n 3 "$out/turns.err")"
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
rss="? (install GNU time for it)"
[ -s "$out/turns.rss" ] && rss=$(cat "$out/turns.rss")

sed -n 's/.*; turn \([0-9.]*\) ms.*/\1/p' "$out/turns.err" | sort -n |
    awk -v rss="$rss" -v wall="$wall" -v want="$n" '
    { t[NR] = $1 }
    function pct(p,   h, lo) {      # linear interpolation (type 7)
        h = (NR - 1) * p + 1; lo = int(h)
        return lo >= NR ? t[NR] : t[lo] + (h - lo) * (t[lo + 1] - t[lo])
    }
    END {
        if (NR != want) { printf "turns: %d of %d lines answered\n", NR, want; exit 1 }
        printf "turns: %d lines piped into one process: per line median %.3f ms, p10 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
            NR, pct(0.5), pct(0.1), pct(0.9), pct(0.99), t[NR]
        printf "turns: whole process %.2f s wall, peak memory %s KiB\n", wall, rss
    }'
