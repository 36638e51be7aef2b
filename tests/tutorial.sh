#!/bin/sh
# tutorial.sh - the tutorial of crossroads-rules(5), ADDING YOUR OWN
# ADVICE, followed as written, so that it cannot drift from what
# crossroads does.
#
# The examples are read from the man page's source, between the
# comments tutorial-begin and tutorial-end.  Each .EX there follows a
# comment that says what it is: "tutorial-file NAME", a file to write,
# or "tutorial-run", commands ("$ " lines, continued by a trailing
# backslash) each followed by the output it must give, stdout and
# stderr together.  Each command runs in one working folder with a home
# of its own, where `crossroads` is the binary under test, and must exit
# 0.  Its output is compared with the page's paragraph by paragraph,
# with runs of spaces and line breaks inside a paragraph read as one
# space (the page folds long lines, a pipe does not); a line "..."
# stands for any lines, and a command shown without output may give
# any.
: "${CROSSROADS:?CROSSROADS must name the binary}"
: "${top_srcdir:=$(dirname "$0")/..}"
man=$top_srcdir/doc/crossroads-rules.5
pass=0 fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
case $CROSSROADS in
/*) ;;
*) CROSSROADS=$(pwd)/$CROSSROADS ;;
esac
mkdir "$tmp/steps" "$tmp/bin" "$tmp/home" "$tmp/work" || exit 99
ln -s "$CROSSROADS" "$tmp/bin/crossroads" || exit 99

# The steps, into $tmp/steps: NNN.file (its name in NNN.name), or
# NNN.cmd with the output the page shows in NNN.want (none when the
# page shows none).  The roff escapes the examples use are undone; any
# other is an error, as is an unmarked example.
awk -v dir="$tmp/steps" '
function fail(why) { print FILENAME ":" FNR ": " why; bad = 1; exit 1 }
function text(s) {
    gsub(/\\e/, "\001", s)
    gsub(/\\-/, "-", s); gsub(/\\&/, "", s)
    gsub(/\\\(aq/, "\047", s); gsub(/\\\(dq/, "\"", s)
    gsub(/\\\(ti/, "~", s); gsub(/\\\(sc/, "§", s)
    gsub(/\\\(fc/, "›", s); gsub(/\\\(lq/, "“", s)
    gsub(/\\\(rq/, "”", s)
    if (index(s, "\\")) fail("unknown roff escape in the tutorial: " s)
    gsub(/\001/, "\\\\", s)
    return s
}
function step(kind) { return sprintf("%s/%03d.%s", dir, n, kind) }
/^\.\\" tutorial-begin/ { inside = 1; next }
/^\.\\" tutorial-end/ { inside = 0; next }
!inside { next }
/^\.\\" tutorial-file / { mark = "file"; name = $3; next }
/^\.\\" tutorial-run/ { mark = "run"; next }
/^\.EX/ {
    if (mark == "") fail("an example without a tutorial mark")
    kind = mark; mark = ""; block = 1; cont = 0; want = ""
    if (kind == "file") {
        n++
        print name > step("name"); close(step("name"))
        file = step("file")
        printf "" > file
    }
    next
}
/^\.EE/ {
    block = 0
    if (kind == "file") close(file)
    else if (want != "") close(want)
    next
}
!block { if ($0 !~ /^\.\\"/) mark = ""; next }
/^\./ { fail("a request inside an example: " $0) }
kind == "file" { print text($0) > file; next }
cont { print text($0) > cmd; cont = /\\e$/; if (!cont) close(cmd); next }
/^\$ / {
    if (want != "") close(want)
    n++; cmd = step("cmd"); want = step("want")
    print text(substr($0, 3)) > cmd
    cont = /\\e$/
    if (!cont) close(cmd)
    printf "" > want
    next
}
want == "" { fail("output before any command") }
{ print text($0) > want }
END {
    if (bad) exit 1
    if (n == 0) { print FILENAME ": no tutorial found"; exit 1 }
}' "$man" || exit 99

# normal FILE: its text as one line a paragraph, words one space
# apart, each paragraph with a space before and after; "..." lines as
# a line "...".
normal() {
    awk '
    function flush() { if (p != "") print " " p " "; p = "" }
    /^[ \t]*$/ { flush(); next }
    $0 == "..." { flush(); print "..."; next }
    { $1 = $1; p = p == "" ? $0 : p " " $0 }
    END { flush() }' "$1"
}

# matches WANT GOT: GOT, normalised, is WANT's text, where each "..."
# of WANT stands for anything (the parts between them in order, the
# first at the start unless "..." comes first, the last at the end
# unless "..." comes last).
matches() {
    normal "$1" >"$tmp/want.n"
    normal "$2" >"$tmp/got.n"
    awk 'NR == FNR { got = got $0 "\n"; next }
    $0 == "..." { part[++n] = "..."; next }
    { if (n == 0 || part[n] == "...") n++; part[n] = part[n] $0 "\n" }
    END {
        at = 1
        for (i = 1; i <= n; i++) {
            if (part[i] == "...") continue
            p = part[i]
            if (i < n)          # "..." next: may end inside a paragraph
                p = substr(p, 1, length(p) - 1)
            k = index(substr(got, at), p)
            if (k == 0 || (i == 1 && k != 1))
                exit 1
            at += k - 1 + length(p)
        }
        if (part[n] != "..." && at != length(got) + 1)
            exit 1
    }' "$tmp/got.n" "$tmp/want.n"
}

# The tutorial's world: a home of its own, no system rules, and no
# CROSSROADS_RULES_PATH; ~/.config is where the page says it is.
HOME=$tmp/home CROSSROADS_SYSCONFDIR=$tmp/etc PATH=$tmp/bin:$PATH
export HOME CROSSROADS_SYSCONFDIR PATH
unset XDG_CONFIG_HOME CROSSROADS_RULES_PATH
cd "$tmp/work" || exit 99
# shellcheck disable=SC2012 # the names are the awk script's, all digits
ls "$tmp/steps" | sed -n -e 's/\.name$//p' -e 's/\.cmd$//p' |
while read -r s; do
    s=$tmp/steps/$s
    if [ -f "$s.name" ]; then
        if cp "$s.file" "$(cat "$s.name")"; then echo pass; else
            printf 'FAIL: cannot write %s\nfail\n' "$(cat "$s.name")"; fi
        continue
    fi
    sh "$s.cmd" </dev/null >"$tmp/got" 2>&1
    status=$?
    if [ $status -ne 0 ]; then
        printf 'FAIL: exited %d: %s\n' $status "$(cat "$s.cmd")"
        sed 's/^/  /' "$tmp/got"
        echo fail
    elif [ -s "$s.want" ] && ! matches "$s.want" "$tmp/got"; then
        printf "FAIL: the output differs from the page's: %s\n" \
            "$(cat "$s.cmd")"
        echo "  the page (normalised, one paragraph a line):"
        sed 's/^/    /' "$tmp/want.n"
        echo "  crossroads:"
        sed 's/^/    /' "$tmp/got.n"
        echo fail
    else
        echo pass
    fi
done >"$tmp/log"
grep -v '^pass$\|^fail$' "$tmp/log"
pass=$(grep -c '^pass$' "$tmp/log")
fail=$(grep -c '^fail$' "$tmp/log")
echo "tutorial: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
