#!/bin/sh
# valgrind.sh - stands in for the binary in the end-to-end tests: runs
# $CROSSROADS_REAL under valgrind, each run's report (errors, and leaks
# definitely or indirectly lost) written to $VALGRIND_LOGDIR/PID.log,
# where only a report with something in it is kept.  make check-valgrind
# fails if any report is left.  CROSSROADS_FREE_AT_EXIT makes the program
# free everything before it exits, which it otherwise leaves to the
# kernel, so that valgrind checks the freeing too.
: "${CROSSROADS_REAL:?CROSSROADS_REAL must name the binary}"
: "${VALGRIND_LOGDIR:?VALGRIND_LOGDIR must name a folder}"
CROSSROADS_FREE_AT_EXIT=1
export CROSSROADS_FREE_AT_EXIT
exec valgrind -q --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect \
    --log-file="$VALGRIND_LOGDIR/%p.log" "$CROSSROADS_REAL" "$@"
