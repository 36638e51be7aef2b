#!/bin/sh
# dev-eval.sh - answer quality on the development questions, which live
# outside the project (../shared/eval/dev-questions.yaml and
# dev-questions-2.yaml, or $CROSSROADS_DEV_SET for the first), and on
# the development conversations (dev-conversations.yaml), typed into
# crossroads --json in pipe mode; skipped (77) where they are absent.
# The first set must reach 90%; the second, real questions the rules
# were not written for, and the conversations are measured and printed,
# not held to a bar they do not reach yet.
: "${top_srcdir:=$(dirname "$0")/..}"
: "${EVALUATE:=./tests/evaluate}"
eval_dir="$top_srcdir/../shared/eval"
set="${CROSSROADS_DEV_SET:-$eval_dir/dev-questions.yaml}"
if [ ! -r "$set" ]; then
    echo "dev-eval: no development set at $set: skipped"
    exit 77
fi
essay="$top_srcdir/corpus/choosing-a-phd-or-industry.md"
"$EVALUATE" --min-answer 0.9 --min-none 0.9 "$essay" "$top_srcdir/rules" \
    "$set" || exit 1
if [ -z "${CROSSROADS_DEV_SET:-}" ] && [ -r "$eval_dir/dev-questions-2.yaml" ]; then
    echo "dev-questions-2.yaml:"
    "$EVALUATE" --min-answer 0 --min-none 0 "$essay" "$top_srcdir/rules" \
        "$eval_dir/dev-questions-2.yaml" | tail -n 2
fi
if [ -z "${CROSSROADS_DEV_SET:-}" ] && [ -r "$eval_dir/dev-conversations.yaml" ]; then
    echo "dev-conversations.yaml:"
    res=$(CROSSROADS_DATADIR="$top_srcdir" CROSSROADS_NO_CACHE=1 \
        "$EVALUATE" --min-answer 0 --crossroads "${CROSSROADS:-./crossroads}" \
        "$essay" "$top_srcdir/rules" "$eval_dir/dev-conversations.yaml") ||
        exit 1
    printf '%s\n' "$res" | tail -n 1
fi
