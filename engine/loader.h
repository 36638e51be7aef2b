/* loader.h - reading YAML rule files into a knowledge base.
 *
 * The only module that sees <yaml.h>.  The loader checks the shape of a
 * file (known keys, the right types) and reports every problem with the
 * line and column where it stands, then goes on to the next part, so an
 * author sees all the mistakes of a file at once.  What refers to other
 * parts (facts, concepts, sections) is checked later by cr_kb_finish.
 * The format is documented in crossroads-rules(5). */
#ifndef CR_LOADER_H
#define CR_LOADER_H

#include <stddef.h>

#include "diag.h"
#include "kb.h"

/* Load the rule file at path (or, if path is a folder, each of its
 * *.yaml files in name order) into kb, reporting into d.  Returns the
 * number of errors found. */
int cr_load_path(cr_kb *kb, const char *path, cr_diag *d);

/* The rule files that path stands for: itself, or, for a folder, its
 * *.yaml and *.yml files in name order, as cr_load_path reads them.
 * Returns a new array of new strings (the caller frees each and the
 * array) with its length in *n; NULL if path cannot be read, with the
 * reason in d unless d is NULL. */
char **cr_load_files(const char *path, int *n, cr_diag *d);

/* Load rules from text of len bytes; name is the file name that
 * diagnostics show.  Returns the number of errors found. */
int cr_load_string(cr_kb *kb, const char *name, const char *text,
                   size_t len, cr_diag *d);

#endif
