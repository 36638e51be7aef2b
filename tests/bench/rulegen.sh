#!/bin/sh
# rulegen.sh WORKLOAD N DIR - write one synthetic rule set twice: as
# crossroads rule files and as the equivalent CLIPS program.
#
#   DIR/W-N/        crossroads rule files (facts first, then the rules in
#                   files of at most 20000, so none nears the 16 MiB cap)
#   DIR/W-N.args    extra crossroads arguments, one per line (--fact ...)
#   DIR/W-N.clp     the CLIPS program: constructs, then (reset) and (run),
#                   timed together: the run phase, after loading
#
# Workloads (every random choice comes from awk's srand(N), so a size
# always makes the same rules):
#   chain  N rules, each enabling the next: r<i> needs c<i> and concludes
#          c<i+1>; the user states c0.  Fires all N: firing throughput.
#   match  N rules over 50 shared numeric facts x0..x49, three levels
#          deep: 60% test one x with > and another with =, and conclude
#          one of N/3 level-1 facts; 30% test two level-1 facts and an x
#          with <=, and conclude one of N/6 level-2 facts; 10% test a
#          level-2 fact and an x with != and conclude a level-3 fact.
#          Two rules on average conclude each intermediate fact.
#   wide   N facts that no rule tests, stated where they are declared
#          (value:; CLIPS: one deffacts each, its fastest form), and 10
#          rules over 5 other facts: the cost of idle facts.
set -u
me=rulegen.sh
[ $# -eq 3 ] || { echo "usage: $me chain|match|wide N DIR" >&2; exit 2; }
w=$1 n=$2 dir=$3
case $n in ''|*[!0-9]*) echo "$me: N must be a count" >&2; exit 2;; esac
out=$dir/$w-$n
rm -rf "$out" && mkdir -p "$out" || exit 1

LC_ALL=C awk -v w="$w" -v n="$n" -v out="$out" '
function yrule(s) {             # a crossroads rule, into the current chunk
	if (nr % 20000 == 0) {
		if (nr) close(yfile)
		yfile = sprintf("%s/20-rules-%03d.yaml", out, nr / 20000)
		print "rules:" > yfile
	}
	print s > yfile
	nr++
}
function fact(name, type) { print "  " name ": {type: " type "}" > facts }
function clp(s) { print s > cfile }
function arg(s) { print s > afile }
BEGIN {
	srand(n)
	facts = out "/10-facts.yaml"
	cfile = out ".clp"
	afile = out ".args"
	printf "" > afile
	print "facts:" > facts
	if (w == "chain") {
		for (i = 0; i <= n; i++)
			fact("c" i, "boolean")
		arg("--fact"); arg("c0=true")
		clp("(deffacts start (c 0))")
		for (i = 0; i < n; i++) {
			yrule(sprintf("  - {id: r%d, when: {c%d: true}, then: {assert: {c%d: true}}}", i, i, i + 1))
			clp(sprintf("(defrule r%d (c %d) => (assert (c %d)))", i, i, i + 1))
		}
	} else if (w == "match") {
		S = 50
		n1 = int(n * 0.6); n2 = int(n * 0.3); n3 = n - n1 - n2
		k1 = int(n1 / 2); if (k1 < 2) k1 = 2
		k2 = int(n2 / 2); if (k2 < 2) k2 = 2
		k3 = n3 > 0 ? n3 : 1
		start = "(deffacts start"
		for (j = 0; j < S; j++) {
			v[j] = int(rand() * 100)
			fact("x" j, "number")
			arg("--fact"); arg("x" j "=" v[j])
			start = start " (x " j " " v[j] ")"
		}
		clp(start ")")
		for (k = 0; k < k1; k++) fact("m1_" k, "boolean")
		for (k = 0; k < k2; k++) fact("m2_" k, "boolean")
		for (k = 0; k < k3; k++) fact("m3_" k, "boolean")
		for (i = 0; i < n1; i++) {
			a = int(rand() * S); b = (a + 1 + int(rand() * (S - 1))) % S
			t = int(rand() * 100)
			e = rand() < 0.8 ? v[b] : (v[b] + 1) % 100
			yrule(sprintf("  - {id: a%d, when: {x%d: {\">\": %d}, x%d: %d}, then: {assert: {m1_%d: true}}}", i, a, t, b, e, i % k1))
			clp(sprintf("(defrule a%d (x %d ?v&:(> ?v %d)) (x %d %d) => (assert (m1 %d)))", i, a, t, b, e, i % k1))
		}
		for (i = 0; i < n2; i++) {
			p = int(rand() * k1); q = (p + 1 + int(rand() * (k1 - 1))) % k1
			c = int(rand() * S); t = int(rand() * 100)
			yrule(sprintf("  - {id: b%d, when: {m1_%d: true, m1_%d: true, x%d: {\"<=\": %d}}, then: {assert: {m2_%d: true}}}", i, p, q, c, t, i % k2))
			clp(sprintf("(defrule b%d (m1 %d) (m1 %d) (x %d ?v&:(<= ?v %d)) => (assert (m2 %d)))", i, p, q, c, t, i % k2))
		}
		for (i = 0; i < n3; i++) {
			p = int(rand() * k2); d = int(rand() * S); x = int(rand() * 100)
			yrule(sprintf("  - {id: c%d, when: {m2_%d: true, x%d: {\"!=\": %d}}, then: {assert: {m3_%d: true}}}", i, p, d, x, i % k3))
			clp(sprintf("(defrule c%d (m2 %d) (x %d ?v&~%d) => (assert (m3 %d)))", i, p, d, x, i % k3))
		}
	} else if (w == "wide") {
		# Stated in bulk where they are declared, as the deffacts are.
		for (i = 0; i < n; i++)
			print "  u" i ": {type: number, value: " i % 1000 "}" > facts
		for (j = 0; j < 5; j++) {
			fact("y" j, "number")
			arg("--fact"); arg("y" j "=" j * 3)
		}
		for (k = 0; k < 10; k++)
			fact("z" k, "boolean")
		start = "(deffacts start"
		for (j = 0; j < 5; j++)
			start = start " (y " j " " j * 3 ")"
		clp(start ")")
		# One deffacts per fact: CLIPS parses one deffacts of n facts,
		# or one rule asserting them, in time quadratic in n.
		for (i = 0; i < n; i++)
			clp(sprintf("(deffacts u%d (u %d %d))", i, i, i % 1000))
		for (k = 0; k < 10; k++) {
			yrule(sprintf("  - {id: w%d, when: {y%d: {\">=\": %d}}, then: {assert: {z%d: true}}}", k, k % 5, k, k))
			clp(sprintf("(defrule w%d (y %d ?v&:(>= ?v %d)) => (assert (z %d)))", k, k % 5, k, k))
		}
	} else {
		print "rulegen.sh: unknown workload " w > "/dev/stderr"
		exit 2
	}
	# The run is timed from before (reset), which asserts the deffacts:
	# crossroads states the same facts as it loads them.
	clp("(defglobal ?*t0* = 0.0)")
	clp("(set-reset-globals FALSE)")
	clp("(watch statistics)")
	clp("(bind ?*t0* (time))")
	clp("(reset)")
	clp("(run)")
	clp("(printout t \"run-seconds \" (- (time) ?*t0*) crlf)")
	clp("(exit)")
}'
