#!/bin/sh
# user-rules.sh - a user's rule folder (tests/fixtures/user-rules), read
# from every place rules come from: --rules, the user's rules.d under
# $XDG_CONFIG_HOME (or ~/.config), the system's rules.d, and
# CROSSROADS_RULES_PATH.  From each, its new intent answers its
# examples, its override replaces a built-in rule's advice, its disable
# silences another, and `crossroads test` and `lint --strict` pass.
# Then the order of the places, and the errors they can give.
: "${CROSSROADS:?CROSSROADS must name the binary}"
: "${top_srcdir:=$(dirname "$0")/..}"
pass=0 fail=0
tmp=$(mktemp -d) || exit 99
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
# Nothing but what each case sets up: no rules of this machine.
XDG_CONFIG_HOME=$tmp/none CROSSROADS_SYSCONFDIR=$tmp/none HOME=$tmp/none
export XDG_CONFIG_HOME CROSSROADS_SYSCONFDIR HOME
unset CROSSROADS_RULES_PATH
mine=$top_srcdir/tests/fixtures/user-rules

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*"; }

# run [VAR=VALUE...] [--] ARGS...: the binary, with those variables, its
# output in $tmp/out and $tmp/err, its status in $status.
run() {
    env "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
}
expect_status() {
    [ "$status" -eq "$1" ] && ok || bad "$what: exited $status, not $1: $(head -c 400 "$tmp/err")"
}
expect_out() {
    grep -Eq -- "$1" "$tmp/out" && ok || bad "$what: output lacks /$1/: $(head -c 400 "$tmp/out")"
}
expect_no_out() {
    grep -Eq -- "$1" "$tmp/out" && bad "$what: output has /$1/" || ok
}
expect_err() {
    grep -Eq -- "$1" "$tmp/err" && ok || bad "$what: stderr lacks /$1/: $(head -c 400 "$tmp/err")"
}

# Without the folder: the built-in advice.
what=built-in
run "$CROSSROADS" --json how much does a PhD pay
expect_out '"trace":\["phd.pay"\]'
expect_no_out 'Our lab tops up'
run "$CROSSROADS" --json --fact wants_compute=yes should I do a PhD
expect_out '"trace":\["situation.compute","decision.should-i"\]'
run "$CROSSROADS" --json should I take a gap year
expect_no_out '"intent":"ask.gap-year"'

# with_folder WHAT TESTDIR VAR=VALUE... [--rules DIR]: the folder's
# rules are in effect when the binary runs with those variables and
# arguments; its examples are in TESTDIR.
with_folder() {
    what=$1 testdir=$2; shift 2
    run "$@" --json should I take a gap year
    expect_status 0
    expect_out '"intent":"ask.gap-year"'
    expect_out '"trace":\["mine.gap-year"\]'
    expect_out '"citations":\[\{"anchor":"thoughts"'
    run "$@" --json is a bursary enough to live on
    expect_out '"intent":"ask.pay"'
    run "$@" --json how much does a PhD pay
    expect_out '"answer":"Our lab tops up the stipend; ask us before you decide."'
    expect_out '"trace":\["phd.pay"\]'
    run "$@" --json --fact wants_compute=yes should I do a PhD
    expect_out '"trace":\["decision.should-i"\]'
    printf 'how much does a PhD pay\n' >"$tmp/in"
    env "$@" --json <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
    expect_out 'Our lab tops up'               # the pipe conversation too
    run "$@" test "$testdir"
    expect_status 0
    expect_out '^3 examples: 3 passed, 0 failed$'
    expect_out '^ask\.gap-year +2 +2 +1\.00 +1\.00 +[0-9.]+$'
    run "$@" test
    expect_status 0
    expect_out '^[0-9]+ examples: [0-9]+ passed, 0 failed$'
    run "$@" lint --strict
    expect_status 0
    expect_err 'rule files are clean'
}

with_folder --rules "$mine" "$CROSSROADS" --rules "$mine"

mkdir -p "$tmp/config/crossroads" && cp -R "$mine" "$tmp/config/crossroads/rules.d"
with_folder XDG_CONFIG_HOME "$tmp/config/crossroads/rules.d" \
    XDG_CONFIG_HOME="$tmp/config" "$CROSSROADS"

mkdir -p "$tmp/home/.config" && cp -R "$tmp/config/crossroads" "$tmp/home/.config/"
with_folder '~/.config' "$tmp/home/.config/crossroads/rules.d" \
    XDG_CONFIG_HOME= HOME="$tmp/home" "$CROSSROADS"

mkdir -p "$tmp/etc" && cp -R "$mine" "$tmp/etc/rules.d"
with_folder 'system folder' "$tmp/etc/rules.d" \
    CROSSROADS_SYSCONFDIR="$tmp/etc" "$CROSSROADS"

with_folder CROSSROADS_RULES_PATH "$mine" \
    CROSSROADS_RULES_PATH="::$mine:" "$CROSSROADS"
with_folder 'CROSSROADS_RULES_PATH files' "$mine" \
    CROSSROADS_RULES_PATH="::$mine/10-gap-year.yaml:$mine/20-builtins.yaml:" \
    "$CROSSROADS"

# A file reached twice (its folder is the user's, and lint names it)
# is read once.
what='a file named twice'
run XDG_CONFIG_HOME="$tmp/config" "$CROSSROADS" \
    --rules "$tmp/config/crossroads/rules.d" \
    lint --strict "$tmp/config/crossroads/rules.d/20-builtins.yaml"
expect_status 0
run XDG_CONFIG_HOME="$tmp/config" "$CROSSROADS" \
    test "$tmp/config/crossroads/rules.d/10-gap-year.yaml"
expect_out '^2 examples: 2 passed, 0 failed$'

# The order: system, user, CROSSROADS_RULES_PATH, --rules; each
# overrides phd.pay after the one before, and the last one present wins.
layer() {
    mkdir -p "$1"
    printf '%s\n' 'rules:' '  - id: phd.pay' '    override: true' \
        '    when: {intent: ask.pay}' "    then: {answer: From $2., cite: pay}" \
        >"$1/pay.yaml"
}
layer "$tmp/order/etc/rules.d" 'the system'
layer "$tmp/order/config/crossroads/rules.d" 'the user'
layer "$tmp/order/path" 'the path'
layer "$tmp/order/option" 'the option'
set -- CROSSROADS_SYSCONFDIR="$tmp/order/etc" \
    XDG_CONFIG_HOME="$tmp/order/config" \
    CROSSROADS_RULES_PATH="$tmp/order/path" "$CROSSROADS"
what=order
run "$@" --rules "$tmp/order/option" --json what is the pay
expect_out '"answer":"From the option."'
run "$@" --json what is the pay
expect_out '"answer":"From the path."'
rm "$tmp/order/path/pay.yaml"
run "$@" --json what is the pay
expect_out '"answer":"From the user."'
rm "$tmp/order/config/crossroads/rules.d/pay.yaml"
run "$@" --json what is the pay
expect_out '"answer":"From the system."'
set --

# Errors.
what='missing CROSSROADS_RULES_PATH entry'
run CROSSROADS_RULES_PATH="$mine:$tmp/nope.yaml" "$CROSSROADS" hello
expect_status 2
expect_err "^$tmp/nope.yaml: error: cannot read: No such file or directory \(named in CROSSROADS_RULES_PATH\)$"
what='user folder that is a file'
mkdir -p "$tmp/file/crossroads" && : >"$tmp/file/crossroads/rules.d"
run XDG_CONFIG_HOME="$tmp/file" "$CROSSROADS" lint
expect_status 2
expect_err "^$tmp/file/crossroads/rules.d: error: not a folder"
if [ "$(id -u)" -ne 0 ]; then
    what='unreadable user folder'
    chmod 000 "$tmp/config/crossroads/rules.d"
    run XDG_CONFIG_HOME="$tmp/config" "$CROSSROADS" hello
    expect_status 2
    expect_err "^$tmp/config/crossroads/rules.d: error: cannot read folder: Permission denied$"
    chmod 755 "$tmp/config/crossroads/rules.d"
fi
what='a built-in id again without override'
mkdir -p "$tmp/dup"
printf '%s\n' 'rules:' '  - id: phd.pay' '    then: {answer: Mine.}' >"$tmp/dup/pay.yaml"
run XDG_CONFIG_HOME="$tmp/dup" "$CROSSROADS" --rules "$tmp/dup/pay.yaml" hello
expect_status 2
expect_err "^$tmp/dup/pay.yaml:2:5: error: duplicate rule 'phd.pay' \(first defined at .*/rules/10-doing-a-phd.yaml:[0-9]+:5\); to replace it, say 'override: true'$"

echo "user-rules: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
