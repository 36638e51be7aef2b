#!/bin/sh
# dev-eval.sh - answer quality on the development questions, which live
# outside the project (../shared/eval/dev-questions.yaml, or
# $CROSSROADS_DEV_SET); skipped (77) where they are absent.
: "${top_srcdir:=$(dirname "$0")/..}"
: "${EVALUATE:=./tests/evaluate}"
set="${CROSSROADS_DEV_SET:-$top_srcdir/../shared/eval/dev-questions.yaml}"
if [ ! -r "$set" ]; then
    echo "dev-eval: no development set at $set: skipped"
    exit 77
fi
"$EVALUATE" --min-answer 0.9 --min-none 0.9 \
    "$top_srcdir/corpus/choosing-a-phd-or-industry.md" \
    "$top_srcdir/rules" "$set"
