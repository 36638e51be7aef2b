#!/bin/sh
# cli.sh - the real binary end to end: options, commands, exit statuses,
# questions and their cited sections (tests/answers.txt), pipe mode.
: "${CROSSROADS:?CROSSROADS must name the binary}"
: "${top_srcdir:=$(dirname "$0")/..}"
pass=0 fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
# Only the rules a test names: never the system's or the user's folder,
# nor CROSSROADS_RULES_PATH.
XDG_CONFIG_HOME=$tmp/config CROSSROADS_SYSCONFDIR=$tmp/etc
export XDG_CONFIG_HOME CROSSROADS_SYSCONFDIR
unset CROSSROADS_RULES_PATH

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*"; }

# expect_status WANT CMD...: CMD exits with status WANT.
expect_status() {
    want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$* exited $got, not $want"; fi
}

# expect_out PATTERN: the last command's stdout matches (grep -E).
expect_out() {
    if grep -Eq -- "$1" "$tmp/out"; then ok; else bad "output lacks /$1/"; fi
}
expect_err() {
    if grep -Eq -- "$1" "$tmp/err"; then ok; else bad "stderr lacks /$1/"; fi
}

# Options and commands.
expect_status 0 "$CROSSROADS" --help
expect_out '^usage: crossroads'
expect_status 0 "$CROSSROADS" --version
expect_out '^crossroads [0-9]+\.[0-9]+'
expect_status 2 "$CROSSROADS" --bogus
expect_err "Try 'crossroads --help'"
expect_status 0 "$CROSSROADS" sections
[ "$(grep -c '#[a-z]' "$tmp/out")" -eq 34 ] && ok || bad "sections does not list 34 anchors"
expect_status 0 "$CROSSROADS" section advisor
expect_out '^§ Doing a PhD › Things to Consider › Advisor \(#advisor\)'
expect_out 'Choose your advisor\(s\) wisely'
expect_status 2 "$CROSSROADS" section nowhere
expect_err "no section 'nowhere'"
expect_status 0 "$CROSSROADS" -- sections
expect_out 'essay'   # answered as a question, not the list
expect_status 2 "$CROSSROADS" --fact goal=astronaut should I do a PhD
expect_err "'astronaut' is not a value of fact 'goal'"
expect_status 2 "$CROSSROADS" --fact goal should I do a PhD
expect_status 2 "$CROSSROADS" decide extra
expect_err '^usage: crossroads decide$'
expect_status 2 "$CROSSROADS" sections extra
expect_err '^usage: crossroads sections$'

# Sections by their anchor or heading in any case; a close anchor is
# suggested for one that is not.
expect_status 0 "$CROSSROADS" section Advisor
expect_out '^§ Doing a PhD › Things to Consider › Advisor \(#advisor\)'
expect_status 0 "$CROSSROADS" section 'machine learning engineer'
expect_out '\(#machine-learning-engineer\)$'
expect_status 2 "$CROSSROADS" section advisr
expect_err "no section 'advisr'; did you mean 'advisor'\?"

# --fact: the allowed values, the closest fact, the facts crossroads
# sets itself, counts below 0; a value in any form the consultation
# takes.
expect_status 2 "$CROSSROADS" --fact goal=astronaut should I do a PhD
expect_err "'astronaut' is not a value of fact 'goal': one of academia, research-scientist, research-engineer, .*, undecided$"
expect_status 2 "$CROSSROADS" --fact gaol=academia should I do a PhD
expect_err "no fact 'gaol'; did you mean 'goal'\?"
expect_status 2 "$CROSSROADS" --fact question=x should I do a PhD
expect_err "fact 'question' is reserved"
expect_status 2 "$CROSSROADS" --fact intent=ask.pay should I do a PhD
expect_err "fact 'intent' is reserved"
expect_status 2 "$CROSSROADS" --fact publications=-3 should I do a PhD
expect_err 'publications must be 0 or more'
expect_status 2 "$CROSSROADS" --fact goal=research should I do a PhD
expect_err "'research' could be research-scientist or research-engineer"
expect_status 0 "$CROSSROADS" --json --fact 'goal = Research Scientist' \
    --fact 'has_offer = Yes' --fact publications=0 should I do a PhD
expect_out '"facts":\{"goal":"research-scientist","publications":0,"has_offer":true'
expect_status 0 "$CROSSROADS" --json --fact goal=acad should I do a PhD
expect_out '"goal":"academia"'
expect_status 2 "$CROSSROADS" --rules "$tmp/none.yaml" hello
expect_err 'none.yaml: error: cannot read: No such file'
expect_status 0 "$CROSSROADS" lint
expect_err 'clean'
expect_status 0 "$CROSSROADS" lint -s
expect_err 'clean'

# A broken file in the user's rules folder: the error says how to get
# an answer without the folder, and --no-user-rules gives one.
mkdir -p "$tmp/config/crossroads/rules.d"
printf 'rules: [\n' >"$tmp/config/crossroads/rules.d/broken.yaml"
expect_status 2 "$CROSSROADS" how much does a PhD pay
expect_err '/rules.d/broken.yaml:2:1: error'
expect_err "your rules folder .*/rules.d has errors: .*--no-user-rules"
expect_status 0 "$CROSSROADS" --no-user-rules how much does a PhD pay
expect_out '#pay'
rm -r "$tmp/config/crossroads"

# The built-in rules lint clean and pass their own examples.
expect_status 0 "$CROSSROADS" lint --strict
expect_status 0 "$CROSSROADS" test
expect_out '^[0-9]+ examples: [0-9]+ passed, 0 failed$'
expect_out '^ask\.pay +([0-9]+) +\1 +1\.00 +1\.00 +[0-9.]+$'

# A user's rule file adds an intent whose examples pass, with checked
# citations and recommendations; a confused pair shows in the report.
expect_status 0 "$CROSSROADS" test "$top_srcdir/tests/fixtures/mine.yaml"
expect_out '^3 examples: 3 passed, 0 failed$'
expect_status 0 "$CROSSROADS" --rules "$top_srcdir/tests/fixtures/mine.yaml" --json should I take a gap year
expect_out '"intent":"ask.sabbatical"'
expect_out '"trace":\["mine.sabbatical"\]'
expect_status 1 "$CROSSROADS" test "$top_srcdir/tests/fixtures/confused.yaml"
expect_out 'confused.yaml:6:53: FAIL "gadget or widget": expected intent ask.gadget, recognised ask.widget \(pattern at .*confused.yaml:8:17\)'
expect_out '^ask.widget +2 +2 +0.67 +1.00 +[0-9.]+$'
expect_out '^  ask.gadget -> ask.widget: 1$'
expect_out '^5 examples: 4 passed, 1 failed$'

# The text answer cites its section with a quote.
expect_status 0 "$CROSSROADS" how much does a PhD student get paid
expect_out '^§ Doing a PhD › Things to Consider › Pay \(#pay\)$'
expect_out '^  “.*minimum wage'

# --fact shapes the recommendation.
expect_status 0 "$CROSSROADS" --json --fact goal=academia should I do a PhD
expect_out '"recommendation":"phd"'
expect_out '"facts":\{"goal":"academia"\}'

# Questions from tests/answers.txt: intent and first citation in --json.
while IFS='|' read -r q intent anchor; do
    case $q in '#'*|'') continue ;; esac
    q=$(echo "$q" | sed 's/ *$//'); intent=$(echo $intent); anchor=$(echo $anchor)
    "$CROSSROADS" --json "$q" >"$tmp/out" 2>"$tmp/err" || { bad "$q: exit $?"; continue; }
    if [ "$intent" = - ]; then want='"intent":null'; else want="\"intent\":\"$intent\""; fi
    grep -Fq "$want" "$tmp/out" && ok || bad "$q: wanted $want in $(cat "$tmp/out")"
    if [ "$anchor" = - ]; then want='"citations":[]'; else want="\"citations\":[{\"anchor\":\"$anchor\""; fi
    grep -Fq "$want" "$tmp/out" && ok || bad "$q: wanted $want in $(cat "$tmp/out")"
done <"$top_srcdir/tests/answers.txt"

# Pipe mode: one JSON object per line, with memory across lines; the
# user changes their goal and gets advice for the new one only.
printf '%s\n' 'I want to become a professor' \
    'actually, I want to start my own company' \
    'should I do a PhD?' | "$CROSSROADS" --json >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && ok || bad "pipe mode exited non-zero"
[ "$(wc -l <"$tmp/out")" -eq 3 ] && ok || bad "pipe mode: not 3 lines"
tail -n 1 "$tmp/out" >"$tmp/last"
grep -Fq '"trace":["goal.startup"]' "$tmp/last" && ok || bad "pipe: $(cat "$tmp/last")"
grep -Fq '"citations":[{"anchor":"starting-a-company"' "$tmp/last" && ok || bad "pipe: wrong citation"
grep -Fq '"goal":"startup"' "$tmp/last" && ok || bad "pipe: goal not updated"

# Pipe mode in text, and a line that is too long.
printf 'how much does a PhD pay\n' | "$CROSSROADS" >"$tmp/out" 2>&1
expect_out '#pay'
head -c 20000 /dev/zero | tr '\0' a >"$tmp/long"; echo >>"$tmp/long"
echo 'how much does a PhD pay' >>"$tmp/long"
"$CROSSROADS" <"$tmp/long" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "a too-long line should make pipe mode exit 1"
expect_err 'at most 8192 bytes'
expect_out '#pay'

# Commands in a conversation: in JSON each prints one object; what a
# whatif supposes is not kept.
printf '%s\n' ':set goal=academia' ':whatif goal=startup' ':facts' ':nope' |
    "$CROSSROADS" --json >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "an unknown command should make pipe mode exit 1"
[ "$(grep -c '^{"command":' "$tmp/out")" -eq 3 ] && ok || bad "commands: $(cat "$tmp/out")"
expect_out 'If goal were startup: either path.*would change'
expect_out '"command":"facts","output":"What you told me:\\n  goal = academia: you set it with :set'
expect_err "unknown command ':nope'"

# The rows of "what people say about themselves", each as a new user
# typed it.
printf '%s\n' 'I want to become a professor' 'should I do a PhD?' \
    "actually I don't want to be a professor anymore" 'should I do a PhD?' |
    "$CROSSROADS" --json >"$tmp/out" 2>"$tmp/err"
expect_out '"answer":"Noted: withdrawn goal = academia; recommendation: a PhD → either path\.'
tail -n 1 "$tmp/out" | grep -q '"recommendation":"either".*"facts":{}' && ok ||
    bad "withdrawn goal: $(tail -n 1 "$tmp/out")"
"$CROSSROADS" --json 'My goal is to become a professor and run my own lab.' >"$tmp/out"
expect_out '"answer":"Noted: goal = academia\.'
"$CROSSROADS" --json 'My dream is to become a university professor. Should I do a PhD?' >"$tmp/out"
expect_out '"recommendation":"phd".*"facts":\{"goal":"academia"\}'
"$CROSSROADS" --json 'I have two papers and a job offer at Google' >"$tmp/out"
expect_out '"facts":\{"publications":2,"has_offer":true\}'
"$CROSSROADS" --json "Hi! I'm finishing my master's in machine learning." >"$tmp/out"
expect_out '"intent":"chat.greeting"'
# An apology for one's English, alone, is small talk, not a topic.
"$CROSSROADS" --json 'sorry my english not so good' >"$tmp/out"
expect_out '"intent":"chat.sorry".*"citations":\[\]'
"$CROSSROADS" --json 'I have 3 years of experience as a software engineer' >"$tmp/out"
expect_out '"answer":"Noted: years_industry = 3\.'
"$CROSSROADS" --json 'Do I need a PhD to work as a machine learning engineer?' >"$tmp/out"
expect_out '"recommendation":"industry".*"facts":\{\}'

# A declined question still shows the rules its turn fired.
cat >"$tmp/published.yaml" <<'EOF'
facts:
  published:
    type: boolean
rules:
  - id: note.published
    when: {publications: {'>=': 1}}
    then:
      assert: {published: true}
EOF
"$CROSSROADS" --rules "$tmp/published.yaml" --json 'I have two papers. How do I file my taxes?' >"$tmp/out"
expect_out '"intent":null.*"trace":\["note.published"\]'

# A bare "no offers" or "zero offers" says has_offer = false.
for said in 'no offers' 'zero offers' 'I have no job offer'; do
    "$CROSSROADS" --json "$said" >"$tmp/out" 2>"$tmp/err"
    expect_out '"facts":\{"has_offer":false\}'
done

# :undo takes back the last message's changes, latest first, and says
# so; with nothing left it is an error.  A line that is only "exit"
# leaves after its goodbye.
printf '%s\n' 'I want to become a professor' 'my plan is to found a startup' \
    :undo :undo :undo exit 'what is the pay' |
    "$CROSSROADS" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "a failed :undo should make pipe mode exit 1"
expect_out '^Taken back: goal startup → academia\.$'
expect_out '^Taken back: goal = academia withdrawn\.$'
expect_err 'nothing to undo'
expect_out '^Goodbye'
grep -q '#pay' "$tmp/out" && bad "a line after exit was answered" || ok

# A profile follows what the user states, whatever the line, and is not
# made for nothing.
expect_status 0 "$CROSSROADS" -p "$tmp/p1.yaml" -f goal=startup :facts
grep -q '^  goal: "startup"$' "$tmp/p1.yaml" && ok || bad "--fact not saved in the profile"
expect_status 0 "$CROSSROADS" -p "$tmp/p2.yaml" how much is the pay
[ ! -e "$tmp/p2.yaml" ] && ok || bad "a profile was made with no facts in it"

# crossroads decide on a pipe: one reply per line; replies that run out
# skip the questions left; "how" after the verdict explains it.  The
# growing offer puts industry (0.6) ahead of either path (0.5), which
# research experience or long years in industry could still tip, so
# those are asked.
printf '%s\n' undecided why yes high yes 1 how | "$CROSSROADS" decide >"$tmp/out" 2>"$tmp/err"
expect_out '^I ask for has_offer because rule goal.undecided'
expect_out '^Have you done any research yet'
expect_out '^How many years have you worked in industry'
expect_out '^Recommendation: industry, on balance \(certainty 0.60\)'
expect_out '^  goal = undecided \(you answered\), research_experience = true \(you answered\), has_offer = true \(you answered\), offer_growth = high \(you answered\), years_industry = 1'
expect_out 'you answered "high" in the consultation, in turn 4'
expect_out 'the consultation asks it: "should I do a PhD"'
printf '%s\n' undecided yes high yes -3 | "$CROSSROADS" decide >"$tmp/out" 2>"$tmp/err"
expect_err "years_industry must be 0 or more: answer a number"
printf 'research\n' | "$CROSSROADS" --json decide >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && ok || bad "decide --json exited non-zero"
expect_err "'research' could be research-scientist or research-engineer"
head -n 1 "$tmp/out" | grep -q '^{"ask":"goal","question":"What would you like' && ok ||
    bad "decide --json: $(head -n 1 "$tmp/out")"
tail -n 1 "$tmp/out" | grep -q '"intent":"ask.should-i".*"recommendation":"either","strength":0.3,' && ok ||
    bad "decide --json, no replies: $(tail -n 1 "$tmp/out")"
printf 'undecided\nwhy\n' | "$CROSSROADS" --json decide >"$tmp/out" 2>&1
grep -v '^{' "$tmp/out" && bad "decide --json: a line that is not JSON" || ok
expect_out '^\{"command":"why","output":"I ask for has_offer because'

# Data is found through CROSSROADS_DATADIR too; a missing essay is a
# clear error.
CROSSROADS_DATADIR="$top_srcdir" "$CROSSROADS" what is the pay >"$tmp/out" 2>&1
expect_out '#pay'
expect_status 1 env CROSSROADS_DATADIR="$tmp" "$CROSSROADS" hello
expect_err 'cannot read the essay'

# The compiled rule cache (the rest of the tests run without it): the
# second run reads what the first wrote and answers the same; lint and
# test report as without it; a cache folder that cannot be made is no
# error.
cached() {
    env -u CROSSROADS_NO_CACHE XDG_CACHE_HOME="$tmp/cache" "$CROSSROADS" "$@"
}
q='I want to be a professor, should I do a PhD?'
"$CROSSROADS" --json --explain "$q" >"$tmp/plain" 2>&1
cached --json --explain "$q" >"$tmp/first" 2>&1
cached --stats --json --explain "$q" >"$tmp/second" 2>"$tmp/err"
cmp -s "$tmp/plain" "$tmp/first" && ok || bad "cache: the first answer differs"
cmp -s "$tmp/plain" "$tmp/second" && ok || bad "cache: the cached answer differs"
expect_err 'rules [0-9.]+ ms from the cache'
[ "$(stat -c %a "$tmp/cache/crossroads")" = 700 ] && ok || bad "cache: folder not 0700"
cached --no-cache --stats "$q" >/dev/null 2>"$tmp/err"
grep -q 'from the cache' "$tmp/err" && bad "cache: --no-cache read the cache" || ok
"$CROSSROADS" lint >"$tmp/plain" 2>&1
cached lint >"$tmp/first" 2>&1
cmp -s "$tmp/plain" "$tmp/first" && ok || bad "cache: lint differs"
: >"$tmp/file"
env -u CROSSROADS_NO_CACHE XDG_CACHE_HOME="$tmp/file" "$CROSSROADS" --json \
    --explain "$q" >"$tmp/first" 2>&1
[ $? -eq 0 ] && ok || bad "cache: an unwritable cache made a failure"
cmp -s "$tmp/second" "$tmp/first" && ok || bad "cache: unwritable cache, other answer"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
