#!/bin/sh
# bad-inputs.sh - a table of bad inputs, each with the exit status and
# message it must give, run against the real binary.  Whatever the case,
# nothing may crash (a status of 128 or more), and no byte ESC may be
# written to stdout or stderr: terminal escapes from rule files and from
# questions are never passed on raw.
#
# Each row:  check NAME STATUS STDERR STDOUT [-i INPUT] -- COMMAND...
# where STDERR and STDOUT are one of
#   ''        must be empty        -        anything
#   @FILE     exactly FILE's text  ~TEXT    contains TEXT
#   !TEXT     does not contain TEXT
# Rule-file fixtures are in tests/bad/, their diagnostics in .err files.
: "${CROSSROADS:?CROSSROADS must name the binary}"
: "${top_srcdir:=$(dirname "$0")/..}"
cd "$top_srcdir" || exit 99
pass=0 fail=0 skip=0
tmp=$(mktemp -d) || exit 99
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
# Only the rules a test names: never the system's or the user's folder,
# nor CROSSROADS_RULES_PATH.
XDG_CONFIG_HOME=$tmp/config CROSSROADS_SYSCONFDIR=$tmp/etc
export XDG_CONFIG_HOME CROSSROADS_SYSCONFDIR
unset CROSSROADS_RULES_PATH
esc=$(printf '\033')
CR=$CROSSROADS

# expect WHAT FILE SPEC: empty string when FILE meets SPEC, else why not.
expect() {
    case $3 in
    -) ;;
    '') [ -s "$2" ] && echo "$1 not empty: $(head -c 300 "$2")" ;;
    @*) cmp -s "$2" "${3#@}" ||
            echo "$1 differs from ${3#@}: $(diff "${3#@}" "$2")" ;;
    ~*) grep -F -q -e "${3#\~}" "$2" ||
            echo "$1 lacks '${3#\~}': $(head -c 300 "$2")" ;;
    !*) grep -F -q -e "${3#!}" "$2" && echo "$1 has '${3#!}'" ;;
    esac
}

# check, with $known set to an open bug that makes the row fail (in a
# file the author of this suite does not own): the row still runs, and a
# failure is counted as skipped, not failed, until the bug is fixed.
known=
check() {
    name=$1 want=$2 err=$3 out=$4
    shift 4
    input=/dev/null
    if [ "$1" = -i ]; then input=$2; shift 2; fi
    [ "$1" = "--" ] && shift
    "$@" <"$input" >"$tmp/out" 2>"$tmp/err"
    status=$?
    [ $status -ge 128 ] && echo "$name: killed by signal $((status - 128))"
    why=
    [ $status -ne "$want" ] && why="exited $status, not $want"
    [ -z "$why" ] && why=$(expect stderr "$tmp/err" "$err")
    [ -z "$why" ] && why=$(expect stdout "$tmp/out" "$out")
    if [ -z "$why" ] && grep -q "$esc" "$tmp/out" "$tmp/err"; then
        why="wrote a raw ESC: $(grep -l "$esc" "$tmp/out" "$tmp/err")"
    fi
    if [ -z "$why" ]; then
        pass=$((pass + 1))
    elif [ -n "$known" ]; then
        skip "$name" "known bug: $known ($why)"
    else
        fail=$((fail + 1))
        echo "FAIL: $name: $why"
    fi
    known=
}

# intact WHAT: the command just before held (a file or folder is as it
# must be), or it is a failure.
intact() {
    if [ $? -eq 0 ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1: not as it must be"
    fi
}

skip() {
    skip=$((skip + 1))
    echo "SKIP: $1: $2"
}

b=tests/bad
q="how much does a PhD pay"

# Rule files: every problem reported at its place, exit 2, no answer.
for f in syntax types unknown-keys alias-bomb deep invalid-regex escape-key \
    empty-collection-first
do
    check "$f" 2 "@$b/$f.err" '' -- "$CR" --rules "$b/$f.yaml" "$q"
    check "$f (lint)" 2 "@$b/$f.err" '' -- "$CR" lint "$b/$f.yaml"
done
# An ask that names a fact no file declares, or one without a prompt, is
# reported at the fact's name.
check "ask-unknown" 2 "@$b/ask-unknown.err" '' \
    -- "$CR" --rules $b/ask-unknown.yaml "$q"
check "ask-unknown (lint)" 2 "@$b/ask-unknown.err" '' \
    -- "$CR" lint $b/ask-unknown.yaml
check "empty rule file" 0 '' '~(#pay)' -- "$CR" --rules $b/empty.yaml "$q"
check "empty rule file (lint)" 0 '!error' '' -- "$CR" lint $b/empty.yaml
check "comments only" 0 '' '~(#pay)' \
    -- "$CR" --rules $b/comments-only.yaml "$q"

# A rule file past the size limit is refused before it is parsed.
awk 'BEGIN { print "concepts:"
             for (i = 0; i < 800000; i++)
                 printf "  c%d: [word%d, other%d]\n", i, i, i }' \
    >"$tmp/huge.yaml"
check "huge rule file" 2 "~$tmp/huge.yaml: error: rule file larger than" '' \
    -- "$CR" --rules "$tmp/huge.yaml" "$q"
rm -f "$tmp/huge.yaml"

# A concept expansion bomb: a concept of 100,000 bytes used 2,000 times
# in one pattern would expand to 200 MB (and cost gigabytes); the bound
# on a pattern once expanded stops it at the use that passes it, placed,
# in little memory and time, whether loaded, linted or reloaded.  The
# memory cap is left out under the sanitizers and valgrind, which
# reserve much more for themselves.
awk 'BEGIN { for (i = 0; i < 100000; i++) x = x "x"
             printf "concepts:\n  c: [%s]\nintents:\n  - id: bomb\n", x
             printf "    patterns:\n      - \""
             for (i = 0; i < 2000; i++) printf "{c}"
             printf "\"\n" }' >"$tmp/bomb.yaml"
bombed="$tmp/bomb.yaml:6:16: error: a pattern of intent 'bomb' is longer \
than 256 KiB once its concepts are expanded"
small=
[ -z "${ASAN_OPTIONS-}${CROSSROADS_REAL-}" ] && small="ulimit -v 100000;"
check "concept expansion bomb" 2 "~$bombed" '' -- sh -c \
    "$small"' exec "$@"' sh "$CR" --rules "$tmp/bomb.yaml" "$q"
check "concept expansion bomb (lint)" 2 "~$bombed" '' -- sh -c \
    "$small"' exec "$@"' sh "$CR" lint "$tmp/bomb.yaml"
# :reload: the bomb is put in place once the first answer is out.
mkdir "$tmp/bomb.d" && cp $b/empty.yaml "$tmp/bomb.d/a.yaml" || exit 99
reload_bomb() {
    { printf '%s\n' "$q"
      i=0     # a minute at most, should the first answer never come
      until grep -q '(#pay)' "$tmp/out" || [ $((i += 1)) -gt 600 ]; do
          sleep 0.1
      done
      cp "$tmp/bomb.yaml" "$tmp/bomb.d/a.yaml"; printf ':reload\n'; } |
        sh -c "$small"' exec "$@"' sh "$CR" --rules "$tmp/bomb.d"
}
check "concept expansion bomb (:reload)" 1 \
    "~$tmp/bomb.d/a.yaml:6:16: error: a pattern of intent 'bomb'" '~(#pay)' \
    -- reload_bomb

# Catastrophic patterns: PCRE2's limits end the match; the error names
# the intent or extractor and the pattern's place; exit 1.
aaa=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab
for f in catastrophic-intent catastrophic-extractor; do
    check "$f" 1 "@$b/$f.err" '' -- "$CR" --rules "$b/$f.yaml" "$aaa"
done
printf '%s\n%s\n' "$aaa" "$q" >"$tmp/two.txt"
check "catastrophic-intent (pipe goes on)" 1 \
    "@$b/catastrophic-intent.err" '~(#pay)' \
    -i "$tmp/two.txt" -- "$CR" --rules $b/catastrophic-intent.yaml

# A thousand catastrophic patterns: the first to give up ends the turn,
# with one error; the others are not tried (it took 4.6 s).  A pattern
# whose match needs more memory than PCRE2's heap limit gives up too
# (8,000 empty groups took 325 MB).  Lint warns of a repetition inside
# a repetition, at its place.
{
    printf 'intents:\n  - id: ask.slow\n    patterns:\n'
    i=0
    while [ $i -lt 1000 ]; do
        printf "      - '^(\\\\w+\\\\s?)+\$'\n"
        i=$((i + 1))
    done
} >"$tmp/thousand.yaml"
"$CR" --no-cache --rules "$tmp/thousand.yaml" \
    'how much does a PhD pay for my thesis work this year?' \
    >/dev/null 2>"$tmp/thousand.err"
[ "$(grep -c 'gave up' "$tmp/thousand.err")" = 1 ] &&
    grep -q "^$tmp/thousand.yaml:4:10: error: pattern of intent 'ask.slow' gave up" "$tmp/thousand.err"
intact "a thousand catastrophic patterns: one error, the rest not tried"
{
    printf "intents:\n  - id: ask.heap\n    patterns:\n      - '^(?:"
    i=0
    while [ $i -lt 8000 ]; do printf '()'; i=$((i + 1)); done
    printf "a|b)*\$'\n"
} >"$tmp/heap.yaml"
check "a pattern over the heap limit" 1 \
    "~$tmp/heap.yaml:4:10: error: pattern of intent 'ask.heap' gave up" '' \
    -- "$CR" --no-cache --rules "$tmp/heap.yaml" "$(printf 'ab%.0s' $(seq 200))c"
# Its memory, where GNU time can tell (not under valgrind, which is a
# process of its own size): it took 325 MB.
if [ -x /usr/bin/time ] && [ -z "${CROSSROADS_REAL:-}" ]; then
    /usr/bin/time -f %M -o "$tmp/heap.rss" "$CR" --no-cache \
        --rules "$tmp/heap.yaml" "$(printf 'ab%.0s' $(seq 200))c" \
        >/dev/null 2>&1
    [ "$(tail -n 1 "$tmp/heap.rss")" -lt 250000 ]
    intact "a pattern over the heap limit: under 250 MB"
fi
printf "intents:\n  - id: ask.slow\n    patterns: ['x(a+)+\$', '(?>a+)+', '(a++)+', '(?:\\\\w+ ){0,3}x']\n    examples: [x]\n" \
    >"$tmp/nested.yaml"
check "nested quantifiers (lint)" 0 \
    "~$tmp/nested.yaml:3:18: warning: pattern of intent 'ask.slow' has a repetition inside a repetition '(a+)+'" '' \
    -- "$CR" lint "$tmp/nested.yaml"
"$CR" lint "$tmp/nested.yaml" 2>&1 | grep -c 'repetition inside' >"$tmp/count"
[ "$(cat "$tmp/count")" = 1 ]
intact "nested quantifiers: atomic, possessive and bounded ones are fine"

# Unbounded gaps (.*) between words in patterns: lint warns at each,
# and the file still loads and answers, also a question of 8 KB.
check "unbounded gaps (lint)" 0 "@$b/unbounded-gap.err" '' \
    -- "$CR" lint $b/unbounded-gap.yaml
check "unbounded gaps (lint --strict)" 1 "@$b/unbounded-gap.err" '' \
    -- "$CR" lint --strict $b/unbounded-gap.yaml
check "unbounded gaps" 0 '' '~Mind the gap' \
    -- "$CR" --rules $b/unbounded-gap.yaml is the gap wide
gaps=$(awk 'BEGIN { for (i = 0; i < 1638; i++) printf "gap  "; }')
check "unbounded gaps, 8 KB question" 0 '' '~Mind the gap' \
    -- "$CR" --rules $b/unbounded-gap.yaml "$gaps"

# A rule loop: the engine's firing limit ends the turn with exit 1, and
# in pipe mode the next question is still answered.
check "rule loop" 1 '~fired more than' '' \
    -- "$CR" --rules $b/loop.yaml flip
printf 'flip\n%s\n' "$q" >"$tmp/flip.txt"
check "rule loop (pipe goes on)" 1 '~fired more than' '~(#pay)' \
    -i "$tmp/flip.txt" -- "$CR" --rules $b/loop.yaml

# Rules and essay that are not there.
# shellcheck disable=SC2088 # the ~ marks "contains", not a home folder
check "missing rules folder" 2 \
    '~/nonexistent/rules.d: error: cannot read: No such file or directory' \
    '' -- "$CR" --rules /nonexistent/rules.d "$q"
mkdir "$tmp/empty"
check "missing corpus" 1 '~error: cannot read the essay' '' \
    -- env CROSSROADS_DATADIR="$tmp/empty" "$CR" "$q"
# An empty rules folder is fine.
mkdir "$tmp/empty.d" || exit 99
check "empty rules folder" 0 '' '~(#pay)' \
    -- "$CR" --rules "$tmp/empty.d" "$q"

# In a rules folder, only regular files are read: a FIFO would block for
# ever, a subfolder is not descended into; a broken link is reported.
mkdir "$tmp/rules.d" "$tmp/rules.d/sub.yaml" &&
    mkfifo "$tmp/rules.d/fifo.yaml" || exit 99
check "FIFO and subfolder in a rules folder" 0 '' '~(#pay)' \
    -- "$CR" --rules "$tmp/rules.d" "$q"
ln -s "$tmp/nowhere.yaml" "$tmp/rules.d/broken.yaml" || exit 99
check "broken link in a rules folder" 2 \
    "~$tmp/rules.d/broken.yaml: error: cannot read: No such file" '' \
    -- "$CR" --rules "$tmp/rules.d" "$q"
# Unreadable files: as root, who can read anything, run as nobody.
run_as=
if [ "$(id -u)" -eq 0 ]; then
    run_as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    chmod 711 "$tmp"
fi
cp $b/empty.yaml "$tmp/locked.yaml" && chmod 000 "$tmp/locked.yaml"
check "unreadable rules file" 2 \
    "~$tmp/locked.yaml: error: cannot read: Permission denied" '' \
    -- $run_as "${CROSSROADS_REAL:-$CR}" --rules "$tmp/locked.yaml" "$q"
mkdir "$tmp/locked" && chmod 000 "$tmp/locked"
check "unreadable rules folder" 2 "~$tmp/locked: error: cannot" '' \
    -- $run_as "${CROSSROADS_REAL:-$CR}" --rules "$tmp/locked" "$q"

# Input: a 1 MB line is refused with a message and the next line is
# still answered; NUL bytes, invalid UTF-8 and escapes are answered.
awk 'BEGIN { w = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             for (i = 0; i < 16384; i++) printf "%s%sa ", w, w
             printf "\nhow much does a PhD pay\n" }' >"$tmp/long.txt"
check "1 MB input line" 1 \
    '~a line is at most 8192 bytes; this one has 1048576' '~(#pay)' \
    -i "$tmp/long.txt" -- "$CR"
# A 200 MB line costs no more than a short one (the memory cap fails a
# read of it whole), and the next line is still answered; input that
# cannot be read (a folder) is an error, not the end of the questions.
big_line() {
    { head -c 200000000 /dev/zero | tr '\0' a; printf '\n%s\n' "$q"; } |
        sh -c "$small"' exec "$@"' sh "$CR"
}
check "200 MB input line" 1 \
    '~a line is at most 8192 bytes; this one has 200000000' '~(#pay)' \
    -- big_line
check "input that cannot be read" 2 \
    '~crossroads: cannot read the input: Is a directory' '' -i / -- "$CR"

check "NUL, invalid UTF-8, escapes in input" 0 '' '~(#pay)' \
    -i $b/input-bytes.txt -- "$CR"
check "NUL, invalid UTF-8, escapes in input (json)" 0 '' '~"anchor":"pay"' \
    -i $b/input-bytes.txt -- "$CR" --json
n=$(grep -c '^{"question":' "$tmp/out")
if [ "$n" -eq 3 ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: bad bytes: $n answers to 3 lines"; fi
check "escapes in a question" 0 '' '~(#pay)' \
    -- "$CR" "$(printf '\033[2J\033]0;owned\007how much does a PhD pay')"
check "escapes in a question (json)" 0 '' '~"intent":"ask.pay"' \
    -- "$CR" --json "$(printf '\033[2Jhow much does a PhD pay')"

# Escapes in a rule's texts and in a file name.
check "escapes in rule texts" 0 '' '~Zebras' \
    -- "$CR" --rules $b/escape-rule.yaml tell me about zebras
check "escapes in rule texts (json)" 0 '' '~Zebras \u001B[2J' \
    -- "$CR" --json --rules $b/escape-rule.yaml tell me about zebras
check "escapes in a --fact value" 2 \
    "~'\\x1b[2J' is not a value of fact 'goal'" '' \
    -- "$CR" --fact "goal=$(printf '\033[2J')" "$q"
check "escapes in a file name" 2 '~nowhere\x1b[2J.yaml: error: cannot read' \
    '' -- "$CR" --rules "$tmp/nowhere$(printf '\033')[2J.yaml" "$q"

# Profiles: a save that cannot be written leaves the old profile as it
# was and no temporary file behind.  A full disk is a file-size limit
# (ulimit -f) that the new profile, with a long fact, exceeds but the
# answer on stdout does not; its SIGXFSZ must not kill the program (the
# row runs the binary itself: under valgrind, which handles the signal
# its own way, the limit kills valgrind).  An unwritable history needs
# a terminal: tests/repl.sh has it.
mkdir "$tmp/prof" || exit 99
printf 'facts:\n  goal: academia\n' >"$tmp/prof/me.yaml"
cp "$tmp/prof/me.yaml" "$tmp/old.yaml"
long=$(awk 'BEGIN { for (i = 0; i < 400; i++) printf "a long note "; }')
check "profile save onto a full disk" 1 \
    '~cannot save the profile: File too large; the old profile is as it was' \
    '~does not cover' -- sh -c 'ulimit -f 4; exec "$@"' sh \
    "${CROSSROADS_REAL:-$CR}" --rules $b/string-fact.yaml \
    --profile "$tmp/prof/me.yaml" \
    --fact "note=$long" tell me about zebras
cmp -s "$tmp/prof/me.yaml" "$tmp/old.yaml" && [ "$(ls "$tmp/prof")" = me.yaml ]
intact "full disk"
# The rule cache onto a full disk: SIGXFSZ does not kill the run, the
# cache is not written (it is optional: no message) and no temporary file
# is left behind.
check "rule cache onto a full disk" 0 '' '~(#pay)' -- sh -c \
    'ulimit -f 4; exec "$@"' sh env -u CROSSROADS_NO_CACHE \
    XDG_CACHE_HOME="$tmp/cache" "$CR" "$q"
[ -z "$(ls -A "$tmp/cache/crossroads")" ]
intact "rule cache onto a full disk (no file left)"
# A read-only folder (as root, run as nobody, as above).
chmod 555 "$tmp/prof"
check "profile save into a read-only folder" 1 \
    '~cannot save the profile: Permission denied; the old profile is as it was' \
    '~#starting-a-company' -- $run_as "${CROSSROADS_REAL:-$CR}" \
    --profile "$tmp/prof/me.yaml" I want to start a company, should I do a PhD
cmp -s "$tmp/prof/me.yaml" "$tmp/old.yaml" && [ "$(ls "$tmp/prof")" = me.yaml ]
intact "read-only folder"
chmod 755 "$tmp/prof"
printf 'facts:\n  goal: astronaut\n  papres: 2\n' >"$tmp/prof/bad.yaml"
check "a profile with a bad value and a misspelt fact" 2 \
    "~$tmp/prof/bad.yaml:3:3: error: no fact 'papres'" '' \
    -- "$CR" --profile "$tmp/prof/bad.yaml" "$q"
check "a profile that is not YAML" 2 "~$b/syntax.yaml:" '' \
    -- "$CR" --profile "$b/syntax.yaml" "$q"
check "a profile that is a folder" 2 '~cannot read the profile: it is a folder' \
    '' -- "$CR" --profile "$tmp" "$q"

# A save never replaces what is not a regular file: renaming a new file
# over a FIFO or a device node (as root, /dev/null) would put a regular
# file in its place.  A private device node stands for /dev/null.
printf 'I want to be a professor\n:save %s\n' "$tmp/fifo" >"$tmp/save.txt"
mkfifo "$tmp/fifo" || exit 99
notreg="error: cannot save the profile: not a regular file; it was left alone"
check ":save onto a FIFO" 1 "~$tmp/fifo: $notreg" - -i "$tmp/save.txt" -- "$CR"
[ -p "$tmp/fifo" ]
intact ":save onto a FIFO"
if [ "$(id -u)" -eq 0 ] && mknod "$tmp/null" c 1 3 2>/dev/null; then
    sed "s|$tmp/fifo|$tmp/null|" "$tmp/save.txt" >"$tmp/save-null.txt"
    check ":save onto a device node" 1 \
        "~$tmp/null: $notreg" - -i "$tmp/save-null.txt" -- "$CR"
    [ -c "$tmp/null" ]
    intact ":save onto a device node"
else
    skip ":save onto a device node" "mknod needs root"
fi

# FIFOs are never waited on: a profile that is one is refused (as the
# cache file that is one is, in check_cache), and a cache folder that
# others may write in is not used, with a warning.
check "--profile a FIFO" 2 "~$tmp/fifo: error: cannot read the profile: not a regular file" \
    '' -- "$CR" --profile "$tmp/fifo" "$q"
check "a rule file that is a FIFO" 2 "~$tmp/fifo: error: cannot read: not a regular file" \
    '' -- "$CR" --rules "$tmp/fifo" "$q"
mkdir -p "$tmp/data/corpus" && ln -sf "$top_srcdir/rules" "$tmp/data/rules" &&
    mkfifo "$tmp/data/corpus/choosing-a-phd-or-industry.md" || exit 99
check "an essay that is a FIFO" 1 "~cannot read the essay: not a regular file" \
    '' -- env CROSSROADS_DATADIR="$tmp/data" "$CR" "$q"
mkdir -p "$tmp/shared/crossroads" && chmod 777 "$tmp/shared/crossroads" ||
    exit 99
check "a cache folder others may write in" 0 \
    "~not using the rule cache in $tmp/shared/crossroads: others can write in it" \
    '~(#pay)' -- env -u CROSSROADS_NO_CACHE XDG_CACHE_HOME="$tmp/shared" \
    "$CR" "$q"
[ -z "$(ls -A "$tmp/shared/crossroads")" ]
intact "a cache folder others may write in (not written)"

# The history (on a terminal, driven by tests/ptydrive): never through a
# link (its target would be made 0600 and written), never waiting on a
# FIFO, never in a folder others may write in; and appended, so that two
# REPLs at once keep each other's lines.
# drive NAME: run the ptydrive script on stdin as one row.
drive() {
    if [ -z "${PTYDRIVE-}" ]; then skip "$1" "no PTYDRIVE"; return; fi
    if HOME=$tmp/home XDG_STATE_HOME=$tmp/state INPUTRC=/dev/null \
        TERM=xterm "$PTYDRIVE" >"$tmp/drive.out" 2>&1
    then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1"; cat "$tmp/drive.out"; fi
}
hist=$tmp/state/crossroads/history
mkdir -p "$tmp/home" "$tmp/state/crossroads" && chmod 700 "$tmp/state" ||
    exit 99
printf 'precious\n' >"$tmp/target" && chmod 644 "$tmp/target" &&
    ln -s "$tmp/target" "$hist" || exit 99
drive "history that is a symbolic link" <<EOF
spawn $CR
expect cannot keep history in $hist: it is a symbolic link
send $q\r
expect #pay
send :quit\r
wait 0
EOF
[ "$(cat "$tmp/target")" = precious ] &&
    [ "$(stat -c %a "$tmp/target")" = 644 ]
intact "history that is a symbolic link (its target untouched)"
rm -f "$hist" && mkfifo "$hist" || exit 99
drive "history that is a FIFO" <<EOF
spawn $CR
expect cannot keep history in $hist: not a regular file
send $q\r
expect #pay
send :quit\r
wait 0
EOF
rm -f "$hist" && chmod 777 "$tmp/state/crossroads" || exit 99
drive "history in a folder others may write in" <<EOF
spawn $CR
expect cannot keep history in $tmp/state/crossroads: others can write in it
send :quit\r
wait 0
EOF
[ ! -e "$hist" ]
intact "history in a folder others may write in (not written)"
chmod 700 "$tmp/state/crossroads" || exit 99
cat >"$tmp/second.pty" <<EOF
spawn $CR
expect crossroads> 
send the second REPL's line\r
expect crossroads> 
send :quit\r
wait 0
EOF
drive "two REPLs at once keep each other's history" <<EOF
spawn $CR
expect crossroads> 
send the first REPL's line\r
expect crossroads> 
run HOME=$tmp/home XDG_STATE_HOME=$tmp/state $PTYDRIVE <$tmp/second.pty
send :quit\r
wait 0
EOF
grep -q "first REPL" "$hist" && grep -q "second REPL" "$hist"
intact "two REPLs at once keep each other's history (both lines kept)"

# Once open bugs, fixed: escapes in an anchor echoed raw by `section`,
# one-off questions without the 8192-byte cap, C1 controls (U+009B is a
# CSI) passed through in rule texts.
check "escapes in a section anchor" 2 '~no section' '' \
    -- "$CR" section "$(printf 'x\033[2J')"
long=$(awk 'BEGIN { for (i = 0; i < 8500; i++) printf "money money "; }')
check "100 KB one-off question" 1 '~a line is at most 8192 bytes' '' \
    -- "$CR" "$long"
check "C1 controls in rule texts" 0 '' "!$(printf '\302\233')" \
    -- "$CR" --rules $b/escape-rule.yaml tell me about zebras

# Text that is not UTF-8 in a string fact (a surrogate, an overlong
# form) is saved as U+FFFD, so a saved profile always loads again; a raw
# 0x9B (8-bit CSI) in a file name is not echoed; numbers are plain
# decimals (not 0x10, not " 2"); a "\0" in a rule file's string is a
# positioned error, not a silent cut; a profile is one YAML document,
# and its errors, control characters too, are placed.
printf ':set note=ab\355\240\200cd\n:save %s/u.yaml\n' "$tmp" >"$tmp/surrogate.txt"
check "a surrogate in a string fact is saved" 0 '' '~Saved 1 fact' \
    -i "$tmp/surrogate.txt" -- "$CR" --rules tests/bad/string-fact.yaml
check "... and the profile loads" 0 '' "~\"note\":\"ab$(printf '\357\277\275\357\277\275\357\277\275')cd\"" \
    -- "$CR" --json --rules tests/bad/string-fact.yaml --profile "$tmp/u.yaml" hi
printf ':set note=\300\257\n:save %s/o.yaml\n' "$tmp" >"$tmp/overlong.txt"
"$CR" --rules tests/bad/string-fact.yaml <"$tmp/overlong.txt" >/dev/null 2>&1
check "an overlong form in a string fact: the profile loads" 0 '' '~"note":' \
    -- "$CR" --rules tests/bad/string-fact.yaml --profile "$tmp/o.yaml" --json hi
printf ':save %s/a\233b.yaml\n' "$tmp" >"$tmp/csi.txt"
check "a raw 0x9B in a file name is not echoed" 0 '' "!$(printf '\233')" \
    -i "$tmp/csi.txt" -- "$CR"
check "0x10 is not a number" 2 "~'0x10' is not a value of fact 'publications': a number" '' \
    -- "$CR" --fact publications=0x10 hi
printf 'facts:\n  publications: " 2"\n' >"$tmp/space.yaml"
check "\" 2\" is not a number" 2 "~$tmp/space.yaml:2:17: error: ' 2' is not a value" '' \
    -- "$CR" --profile "$tmp/space.yaml" hi
printf 'intents:\n  - id: ask.z\n    patterns: ["\\\\bzz\\0zz"]\n    examples: [zz]\n' >"$tmp/nul.yaml"
check "a \\\\0 in a rule file's string" 2 \
    "~$tmp/nul.yaml:3:16: error: a NUL character (\\0) in a string" '' \
    -- "$CR" lint "$tmp/nul.yaml"
printf 'facts:\n  goal: academia\n---\nfacts:\n  publications: 3\n' >"$tmp/two-docs.yaml"
check "a profile of two documents" 2 \
    "~$tmp/two-docs.yaml:3:1: error: a profile is one YAML document" '' \
    -- "$CR" --profile "$tmp/two-docs.yaml" hi
printf 'facts:\n  goal: acad\001emia\n' >"$tmp/ctl.yaml"
check "a control character in a profile, placed" 2 \
    "~$tmp/ctl.yaml:2:13: error: control characters are not allowed" '' \
    -- "$CR" --profile "$tmp/ctl.yaml" hi

echo "bad-inputs: $pass passed, $fail failed"
[ "$skip" -gt 0 ] && echo "bad-inputs: $skip skipped (see SKIP above)"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
