/* rulepath.c - the ordered list of rule files and folders to load. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rulepath.h"
#include "xmalloc.h"

typedef struct list {
    char **v;
    int n;
} list;

static void push(list *l, char *path)
{
    l->v = xreallocarray(l->v, (size_t)l->n + 1, sizeof *l->v);
    l->v[l->n++] = path;
}

char *cr_rulepath_user(const cr_rulepath_env *env)
{
    const char *xdg = env->xdg_config_home, *home = env->home;
    if (xdg && xdg[0] == '/')   /* the XDG spec ignores relative ones */
        return xasprintf("%s/crossroads/rules.d", xdg);
    if (home && *home == '/')           /* nor a relative HOME */
        return xasprintf("%s/.config/crossroads/rules.d", home);
    return NULL;
}

/* Add folder dir (a new string, or NULL) to l when it exists.  Missing
 * is fine; one that is not a folder, or cannot be looked at, is
 * reported.  A folder that exists but cannot be read is the loader's to
 * report, with the others. */
static void optional_folder(list *l, char *dir, cr_diag *d)
{
    struct stat st;
    if (dir == NULL)
        return;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            cr_diag_add(d, CR_ERROR, dir, 0, 0, "cannot read folder: %s",
                        strerror(errno));
        free(dir);
    } else if (!S_ISDIR(st.st_mode)) {
        cr_diag_add(d, CR_ERROR, dir, 0, 0,
                    "not a folder (rule files go in a folder of this "
                    "name)");
        free(dir);
    } else {
        push(l, dir);
    }
}

/* Add each entry of the colon-separated var; a missing one is an error
 * that names it and where it was named. */
static void path_var(list *l, const char *var, cr_diag *d)
{
    for (const char *p = var; p && *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0) {
            char *entry = xstrndup(p, len);
            struct stat st;
            if (stat(entry, &st) != 0) {
                cr_diag_add(d, CR_ERROR, entry, 0, 0,
                            "cannot read: %s (named in "
                            "CROSSROADS_RULES_PATH)", strerror(errno));
                free(entry);
            } else {
                push(l, entry);
            }
        }
        p += colon ? len + 1 : len;
    }
}

char **cr_rulepath_list(const cr_rulepath_env *env, int *n, cr_diag *d)
{
    list l = {NULL, 0};
    int errors = cr_diag_errors(d);
    push(&l, xstrdup(env->builtin));
    if (env->confdir && *env->confdir)
        optional_folder(&l, xasprintf("%s/rules.d", env->confdir), d);
    optional_folder(&l, cr_rulepath_user(env), d);
    path_var(&l, env->rules_path, d);
    for (int i = 0; i < env->nextra; i++)
        push(&l, xstrdup(env->extra[i]));
    if (cr_diag_errors(d) > errors) {
        cr_rulepath_free(l.v, l.n);
        *n = 0;
        return NULL;
    }
    *n = l.n;
    return l.v;
}

void cr_rulepath_free(char **paths, int n)
{
    if (paths == NULL)
        return;
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
