#!/bin/sh
# errors.sh - every broken rule file in tests/errors/ exits 2 with the
# exact diagnostics in the .err file beside it, both from lint and when
# loaded with --rules to answer a question.
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
for f in tests/errors/*.yaml; do
    want=${f%.yaml}.err
    for mode in lint answer; do
        if [ $mode = lint ]; then
            "$CROSSROADS" lint "$f" 2>"$out" >/dev/null
        else
            "$CROSSROADS" --rules "$f" should I do a PhD 2>"$out" >/dev/null
        fi
        status=$?
        if [ $status -ne 2 ]; then
            fail=$((fail + 1)); echo "FAIL: $f ($mode) exited $status, not 2"
        elif ! cmp -s "$out" "$want"; then
            fail=$((fail + 1)); echo "FAIL: $f ($mode) diagnostics differ:"
            diff "$want" "$out"
        else
            pass=$((pass + 1))
        fi
    done
done
echo "errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
