/* authoring.h - help for people who write rules: lint warnings and the
 * tests that rule files declare as examples.
 *
 * Errors (a file that cannot be used) come from the loader and
 * cr_kb_finish; what is here looks at a knowledge base that loads and
 * finds what is probably a mistake (warnings), or runs each intent's
 * example questions and reports how well the intents are told apart, in
 * the manner of `rasa test`: per-intent precision and recall and the
 * pairs of intents most often confused. */
#ifndef CR_AUTHORING_H
#define CR_AUTHORING_H

#include "corpus.h"
#include "diag.h"
#include "kb.h"
#include "xmalloc.h"

/* Add to d a warning for each likely mistake in kb: sections no rule
 * cites (placed in corpus_name), concepts never used, intents without
 * examples, patterns with an unbounded gap (.* or .+) or a control
 * character (a \b in YAML's double quotes), rules that test a
 * fact nothing can set, and pairs of rules that can fire on the same
 * facts with opposite recommendations. */
void cr_lint_warnings(const cr_kb *kb, const cr_corpus *corpus,
                      const char *corpus_name, cr_diag *d);

/* Run the intents' examples (all of them, or when nonly > 0 those
 * declared in the files named in only): each must be recognised as its intent;
 * an example that names a recommendation or a first citation is also
 * answered, in a fresh session opened with corpus_path and rule_paths,
 * and must give them.  Writes each failure and the report to out;
 * returns the number of failures, or -1 if a session cannot be opened
 * (with the reasons in d). */
int cr_test_examples(const cr_kb *kb, const char *corpus_path,
                     const char *const *rule_paths, int npaths,
                     const char *const *only, int nonly, cr_buf *out,
                     cr_diag *d);

#endif
