/* rulepath.h - where rule files come from, and in which order.
 *
 * The knowledge base is read from, in this order:
 *
 *   1. the built-in rules (the data folder's rules/);
 *   2. the system folder, SYSCONFDIR/crossroads/rules.d;
 *   3. the user's folder, $XDG_CONFIG_HOME/crossroads/rules.d (by
 *      default ~/.config/crossroads/rules.d);
 *   4. each entry of $CROSSROADS_RULES_PATH, a colon-separated list of
 *      files and folders (empty entries are skipped);
 *   5. each --rules path, in the order given.
 *
 * The system and user folders may be missing; anything named on purpose
 * (a path variable's entry, a --rules path) must exist.  A later file
 * builds on the earlier ones: it may add to them, override or extend
 * what they declare, or disable it (see cr_kb_add_rule, cr_kb_disable).
 * The environment is read by the caller and passed in, so that the list
 * can be tested without changing it. */
#ifndef CR_RULEPATH_H
#define CR_RULEPATH_H

#include "diag.h"

typedef struct cr_rulepath_env {
    const char *builtin;        /* the built-in rules folder */
    const char *confdir;        /* the system's folder holding rules.d
                                 * (SYSCONFDIR/crossroads), or NULL */
    const char *xdg_config_home;        /* $XDG_CONFIG_HOME, or NULL */
    const char *home;           /* $HOME, or NULL */
    const char *rules_path;     /* $CROSSROADS_RULES_PATH, or NULL */
    const char *const *extra;   /* the --rules paths, in order */
    int nextra;
} cr_rulepath_env;

/* The user's rule folder: $XDG_CONFIG_HOME/crossroads/rules.d when that
 * variable is an absolute path, else $HOME/.config/crossroads/rules.d;
 * NULL when neither can be had.  A new string the caller frees. */
char *cr_rulepath_user(const cr_rulepath_env *env);

/* The rule files and folders to load, in order: a new vector of *n new
 * strings, which the caller frees with cr_rulepath_free.  The system
 * and user folders are left out when they do not exist.  Returns NULL,
 * with the problems in d, when one of them exists but is not a folder or
 * cannot be looked at, or when an entry of rules_path does not exist. */
char **cr_rulepath_list(const cr_rulepath_env *env, int *n, cr_diag *d);

/* Free a vector of n strings from cr_rulepath_list; NULL is a no-op. */
void cr_rulepath_free(char **paths, int n);

#endif
