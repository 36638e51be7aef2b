#!/bin/sh
# errors.sh - every broken rule file in tests/errors/ exits 2 with the
# exact diagnostics in the .err file beside it, both from lint and when
# loaded with --rules to answer a question; every doubtful one in
# tests/warnings/ gives the exact warnings of its .err from lint, which
# exits 0, or 1 with --strict.
: "${CROSSROADS:?CROSSROADS must name the binary}"
: "${top_srcdir:=$(dirname "$0")/..}"
cd "$top_srcdir" || exit 99
pass=0 fail=0
out=$(mktemp) || exit 99
trap 'rm -f "$out"' EXIT
# Only the rules a test names: never the system's or the user's folder,
# nor CROSSROADS_RULES_PATH.
XDG_CONFIG_HOME=$out.config CROSSROADS_SYSCONFDIR=$out.etc
export XDG_CONFIG_HOME CROSSROADS_SYSCONFDIR
unset CROSSROADS_RULES_PATH
# Places in the built-in rules and the essay print as ./rules/..., the
# same wherever the sources are.
CROSSROADS_DATADIR=.
export CROSSROADS_DATADIR
# check STATUS WANT CMD...: CMD exits with STATUS, its stderr exactly
# the file WANT.
check() {
    status=$1 want=$2; shift 2
    "$@" 2>"$out" >/dev/null
    got=$?
    if [ $got -ne "$status" ]; then
        fail=$((fail + 1)); echo "FAIL: $* exited $got, not $status"
    elif ! cmp -s "$out" "$want"; then
        fail=$((fail + 1)); echo "FAIL: $*: diagnostics differ:"
        diff "$want" "$out"
    else
        pass=$((pass + 1))
    fi
}
for f in tests/errors/*.yaml; do
    check 2 "${f%.yaml}.err" "$CROSSROADS" lint "$f"
    check 2 "${f%.yaml}.err" "$CROSSROADS" --rules "$f" should I do a PhD
done
for f in tests/warnings/*.yaml; do
    check 0 "${f%.yaml}.err" "$CROSSROADS" lint "$f"
    check 1 "${f%.yaml}.err" "$CROSSROADS" lint --strict "$f"
done
echo "errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
