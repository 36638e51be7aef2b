#!/bin/sh
# repl.sh - the REPL on a real pseudo-terminal, typed at as a person
# would (tests/ptydrive): completion, history across runs, Ctrl-C,
# commands, memory across turns, and profiles.
: "${CROSSROADS:?CROSSROADS must name the binary}"
: "${PTYDRIVE:?PTYDRIVE must name tests/ptydrive}"
pass=0 fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# Control keys are typed only at a prompt: between lines the terminal is
# not readline's, and a Ctrl-D typed then would be lost (so would a
# person's).
# A home of its own: no user rules, history or readline settings leak in.
HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config
CROSSROADS_SYSCONFDIR=$tmp/sysconf INPUTRC=/dev/null TERM=xterm
export HOME XDG_STATE_HOME XDG_CONFIG_HOME CROSSROADS_SYSCONFDIR INPUTRC TERM
unset NO_COLOR CROSSROADS_RULES_PATH
mkdir -p "$HOME"

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*"; }

# drive NAME: run the ptydrive script on stdin; one check.
drive() {
    if "$PTYDRIVE" >"$tmp/drive.out" 2>&1; then
        ok
    else
        bad "$1"
        cat "$tmp/drive.out"
    fi
}

drive "greeting, completion of a command, a section anchor, a fact and
its value, then Ctrl-D" <<EOF
spawn $CROSSROADS
expect type :decide for a consultation and :help for help
expect crossroads> 
send :hel\t\r
expect :help +this help
send :section advi\t\r
expect § Doing a PhD › Things to Consider › Advisor \(#advisor\)
expect Choose your advisor
send :set goa\tstart\t\r
expect Noted: goal = startup
send :forget go\t\r
expect Forgotten: goal
send :trace o\t\t
expect off +on
send \x15:trace of\t\r
expect Trace is off
expect crossroads> 
send \x04
wait 0
EOF

drive "Tab twice lists the commands that start alike" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send :s\t\t
expect :save +:section +:sections +:set
send \x15:quit\r
wait 0
EOF

drive "Ctrl-C abandons the line being typed, and the REPL goes on" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send I want to start a company and this line is abandoned
send \x03
send :facts\r
expect I know nothing about you yet
send :q\r
wait 0
EOF

drive "memory across turns: a goal, then another, then the question" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send I want to become a professor\r
expect crossroads>
send actually I want to start a company\r
expect crossroads>
send should I do a PhD?\r
reject Recommendation: a PhD
expect Recommendation: either path
expect #starting-a-company
send :facts\r
expect goal = startup: you said "want to start a company" \(turn 2\)
send :how goal\r
expect you said, in turn 2: "want to start a company"
send :quit\r
wait 0
EOF

drive ":decide: an interview with a completed answer, why, and how" <<EOF
spawn $CROSSROADS
expect crossroads> 
send :decide\r
expect What would you like to be doing in five years
expect decide> 
send und\t\r
expect Do you have a job offer in hand
expect decide> 
send why\r
expect I ask for has_offer because rule goal.undecided
expect Do you have a job offer in hand
expect decide> 
send y\r
expect Would that job make you grow fast
expect decide> 
send high\r
expect Have you done any research yet
expect decide> 
send yes\r
expect How many years have you worked in industry
expect decide> 
send 1\r
expect Recommendation: industry, on balance \(certainty 0.60\)
expect #look-for-exponential-growth
expect Type how to see how I reached this
expect crossroads> 
send how\r
expect rule situation.growing-offer
expect you answered "y" in the consultation
expect crossroads> 
send :facts\r
expect offer_growth = high: you answered "high" in the consultation
send :q\r
wait 0
EOF

drive "crossroads decide: back, skip, and Enter leaves after the verdict" <<EOF
spawn $CROSSROADS decide
expect What would you like to be doing in five years
expect decide> 
send startup\r
expect Do you have a job offer in hand
expect decide> 
send back\r
expect What would you like to be doing in five years
expect decide> 
send startup\r
expect Do you have a job offer in hand
expect decide> 
send skip\r
expect Recommendation: either path
expect press Enter to leave
send \r
wait 0
EOF

# :reload: a rule file that appears, then one that is broken.
mkdir "$tmp/rules"
cat >"$tmp/zebra.yaml" <<'EOF'
intents:
  - id: ask.zebra
    topic: zebras
    patterns: ['\bzebras?\b']
    examples: [tell me about zebras]
rules:
  - id: zebra
    when: {intent: ask.zebra}
    then:
      answer: Zebras are not in the essay, but this rule is.
      cite: [conclusion]
EOF
drive ":reload keeps what the user said, and the old rules on errors" <<EOF
spawn $CROSSROADS --rules $tmp/rules
expect crossroads> 
send I want to start a company\r
expect crossroads> 
send tell me about zebras\r
expect does not cover
expect crossroads> 
run cp $tmp/zebra.yaml $tmp/rules/
send :reload\r
expect Reloaded the rule files: [0-9]+ rules
expect crossroads> 
send tell me about zebras\r
expect Zebras are not in the essay, but this rule is
expect crossroads> 
run printf 'rules: [\n' >$tmp/rules/broken.yaml
send :reload\r
expect broken.yaml:2:1: error
expect I kept the rules I had
expect crossroads> 
send tell me about zebras\r
expect Zebras are not in the essay
send :facts\r
expect goal = startup: you said
send :q\r
wait 0
EOF

# History: written at the end with mode 0600, and read again next time.
rm -rf "$tmp/state"
drive "history: a first run" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send how much does a PhD student get paid\r
expect #pay
send :quit\r
wait 0
EOF
hist=$tmp/state/crossroads/history
if [ -f "$hist" ] && grep -q 'how much does a PhD student get paid' "$hist"
then ok; else bad "history was not written to $hist"; fi
mode=$(stat -c %a "$hist" 2>/dev/null)
[ "$mode" = 600 ] && ok || bad "history has mode $mode, not 600"
[ "$(stat -c %a "$tmp/state/crossroads")" = 700 ] && ok ||
    bad "the history folder is not private (700)"

drive "history: a second run recalls the first with the up arrow" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send \e[A\e[A\r
expect Pay \(#pay\)
send :quit\r
wait 0
EOF

# A relative HOME (and no XDG_STATE_HOME) keeps no history, rather than
# one under whatever folder the REPL was started in.
mkdir -p "$tmp/cwd"
drive "a relative HOME keeps no history in the current folder" <<EOF
spawn env -C $tmp/cwd HOME=rel XDG_STATE_HOME= $CROSSROADS
expect neither XDG_STATE_HOME nor HOME is set to an absolute folder
send how much does a PhD student get paid\r
expect #pay
send :quit\r
wait 0
EOF
[ ! -e "$tmp/cwd/rel" ] && ok || bad "a relative HOME put files in $tmp/cwd/rel"

# An unwritable history: the REPL works and says so once.
rm -rf "$tmp/state" && mkdir -p "$tmp/state/crossroads/history"
drive "an unwritable history file is reported once, and the REPL works" <<EOF
spawn $CROSSROADS
expect cannot keep history in .*history: Is a directory
send how much does a PhD student get paid\r
expect #pay
reject cannot (keep|save) history
send :quit\r
wait 0
EOF
rm -rf "$tmp/state"

# Profiles: --profile keeps what the user says, mode 0600.
drive "a profile is written as the user speaks" <<EOF
spawn $CROSSROADS --profile $tmp/me.yaml
expect for help
expect crossroads> 
send I have two papers\r
expect crossroads>
send :set has_offer=yes\r
expect Noted
send :quit\r
wait 0
EOF
if grep -q '^  publications: 2$' "$tmp/me.yaml" &&
   grep -q '^  has_offer: true$' "$tmp/me.yaml"; then ok
else bad "the profile lacks the facts"; cat "$tmp/me.yaml"; fi
[ "$(stat -c %a "$tmp/me.yaml")" = 600 ] && ok || bad "profile not 0600"

drive "a profile is read back" <<EOF
spawn $CROSSROADS --profile $tmp/me.yaml
expect for help
expect crossroads> 
send :facts\r
expect publications = 2: you set it from the profile
send :q\r
wait 0
EOF

drive "slips: did you mean, any case, the consultation's forms of a value,
and the facts that cannot be set" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send :decied\r
expect unknown command ':decied'; did you mean :decide\?
expect crossroads> 
send :section advisr\r
expect no section 'advisr'; did you mean 'advisor'\?
expect crossroads> 
send :section Advisor\r
expect § Doing a PhD › Things to Consider › Advisor \(#advisor\)
expect crossroads> 
send :whynot goal.acadmia\r
expect no rule 'goal.acadmia'; did you mean 'goal.academia'\?
expect crossroads> 
send :set goal = research scientist\r
expect Noted: goal = research-scientist
expect crossroads> 
send :set gaol=academia\r
expect no fact 'gaol'; did you mean 'goal'\?
expect crossroads> 
send :set question=x\r
expect fact 'question' is reserved
expect crossroads> 
send :set publications=-3\r
expect publications must be 0 or more
expect crossroads> 
send :set goal=astronaut\r
expect 'astronaut' is not a value of fact 'goal': one of academia, research-scientist
expect crossroads> 
send :facts\r
reject publications
expect goal = research-scientist: you set it with :set
expect crossroads> 
send :q\r
wait 0
EOF

drive ":save and :load read ~/ as the home folder" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send :set goal=startup\r
expect Noted: goal = startup
expect crossroads> 
send :save ~/me.yaml\r
expect Saved 1 fact to $HOME/me.yaml
expect crossroads> 
send :reset\r
expect forgotten everything
expect crossroads> 
send :load ~/me.yaml\r
expect Loaded 1 fact from $HOME/me.yaml
expect crossroads> 
send :facts\r
expect goal = startup: you set it from the profile $HOME/me.yaml
expect crossroads> 
send :q\r
wait 0
EOF
[ -f "$HOME/me.yaml" ] && ok || bad ":save ~/me.yaml did not write $HOME/me.yaml"

# :load of a FIFO that no one writes is refused at once, without
# waiting on it, and one prompt follows, not two.
mkfifo "$tmp/fifo"
drive ":load of a FIFO is refused at once, with one fresh prompt" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
send :load $tmp/fifo\r
expect cannot read the profile: not a regular file
reject ^crossroads> \$
send :q\r
wait 0
EOF

# At 80 columns no line is longer: :help, a section's heading path and
# an explanation wrap between words (the lines checked are ASCII, whose
# bytes are columns; the heading's wrap is checked where it falls).
drive "at 80 columns, :help and section headings wrap between words" <<EOF
spawn $CROSSROADS
expect for help
expect crossroads> 
reject ^[ -~]{81,}\$
send :help\r
expect Ctrl-D leaves
expect crossroads> 
send :section machine-learning-engineer\r
expect ^§ Decision Algorithm › Roles › Machine Learning Engineer\$
expect ^    \(#machine-learning-engineer\)\$
expect crossroads> 
send :q\r
wait 0
EOF
drive "at 80 columns, an answer's section headings wrap between words" <<EOF
spawn env NO_COLOR=1 $CROSSROADS
expect crossroads> 
reject ^[ -~]{81,}\$
send do I need a PhD to be a machine learning engineer?\r
expect ^§ Decision Algorithm › Roles › Machine Learning Engineer\$
expect ^    \(#machine-learning-engineer\)\$
expect crossroads> 
send :q\r
wait 0
EOF
# The explanation names rule files by path, one word that cannot wrap:
# the data are reached through a short link, as a deep build tree
# (make distcheck) would make a path longer than the screen.
ln -s "$top_srcdir" "$tmp/d" || exit 99
drive "at 80 columns, a one-off --explain wraps between words" <<EOF
spawn env CROSSROADS_DATADIR=$tmp/d $CROSSROADS --explain --fact goal=academia should I do a PhD
expect How I got there
reject ^[ -~]{81,}\$
wait 0
EOF

echo "repl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
