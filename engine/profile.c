/* profile.c - the user's stated facts, saved and loaded as YAML.
 *
 * Saving never leaves a half-written profile: the text goes to a new
 * file beside the old one (mkstemp, mode 0600), is flushed to the disk
 * with fsync, and only then renamed over the old name, which either
 * happens whole or not at all.  When anything fails the new file is
 * removed and the old one is as it was.
 *
 * Loading reads the file whole (at most CR_PROFILE_MAX bytes), walks
 * libyaml's events, and checks every fact and value against the rules
 * before stating any of them, so that a profile is taken in full or not
 * at all. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "facts.h"
#include "fileio.h"
#include "matcher.h"
#include "profile.h"
#include "yamltree.h"
#include "xmalloc.h"

/* Saving. */

/* Append s to b as a YAML double-quoted scalar: every control
 * character, C0 or C1, escaped, and bytes that are not UTF-8 replaced by
 * U+FFFD, since YAML text must be valid Unicode: overlong forms and
 * surrogates too, which libyaml would refuse to read back. */
static void put_quoted(cr_buf *b, const char *s)
{
    cr_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3
                : (*p >> 3) == 30 ? 4 : 0;
        size_t left = strnlen((const char *)p, 4);
        int ok = n > 0 && (size_t)n <= left &&
                 cr_utf8_valid((const char *)p, (size_t)n) == (size_t)n;
        if (!ok) {
            cr_buf_puts(b, "\\uFFFD");
            p++;
        } else if (*p == '"' || *p == '\\') {
            cr_buf_printf(b, "\\%c", *p++);
        } else if (*p < 0x20 || *p == 0x7f) {
            cr_buf_printf(b, "\\x%02X", *p++);
        } else if (n == 2 && *p == 0xC2 && p[1] <= 0x9F) {
            cr_buf_printf(b, "\\u%04X", p[1]);
            p += 2;
        } else {
            cr_buf_putn(b, (const char *)p, (size_t)n);
            p += n;
        }
    }
    cr_buf_putc(b, '"');
}

char *cr_profile_text(const cr_session *s, int *count)
{
    const cr_kb *kb = cr_session_kb(s);
    const cr_wm *wm = cr_session_wm(s);
    cr_buf b = {0};
    cr_buf_printf(&b, "# crossroads profile: what you told crossroads "
                  "about yourself.\n# Read by 'crossroads --profile FILE' "
                  "and ':load FILE'.\nfacts:\n");
    *count = 0;
    for (int i = 0; i < cr_kb_nfacts(kb); i++) {
        const cr_fact *f = cr_wm_get(wm, i);
        if (i == CR_FACT_INTENT || f == NULL || !cr_wm_stated(wm, i) ||
            (f->source == CR_SRC_FLAG && f->words &&    /* the rules' own */
             strcmp(f->words, CR_WORDS_INITIAL) == 0))
            continue;
        const cr_factdecl *decl = cr_kb_factdecl(kb, i);
        cr_buf_puts(&b, "  ");
        if (decl->name[strspn(decl->name, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")])
            put_quoted(&b, decl->name);
        else
            cr_buf_puts(&b, decl->name);
        cr_buf_puts(&b, ": ");
        double x = f->value.num;
        if (decl->type == CR_NUMBER &&
            !(x > -1e6 && x < 1e6 && x == (double)(long)x)) {
            cr_buf_printf(&b, "%.17g", x);  /* exactly, whatever its size */
        } else if (decl->type == CR_NUMBER || decl->type == CR_BOOL) {
            char *v = cr_value_text(decl, &f->value);
            cr_buf_puts(&b, v);
            free(v);
        } else {
            put_quoted(&b, f->value.str);
        }
        cr_buf_putc(&b, '\n');
        ++*count;
    }
    if (*count == 0)
        cr_buf_puts(&b, "  {}\n");
    return cr_buf_take(&b);
}

int cr_profile_save(const cr_session *s, const char *path, cr_diag *d)
{
    int count;
    char *text = cr_profile_text(s, &count);
    const void *parts[] = {text};
    size_t lens[] = {strlen(text)};
    int err = cr_file_replace(path, parts, lens, 1, 1);
    if (err != 0)
        cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot save the profile: %s; "
                    "%s", cr_file_error(err),
                    err == CR_ENOTREG || err == EISDIR ? "it was left alone"
                    : access(path, F_OK) == 0 ? "the old profile is as it was"
                    : "nothing was written");
    free(text);
    return err == 0 ? count : -1;
}

/* Loading. */

typedef struct entry {
    char *name, *value;
    int line, col;              /* of the name */
    int vline, vcol;            /* of the value */
} entry;

typedef struct reader {
    yaml_parser_t p;
    yaml_event_t ev;
    const char *text;
    size_t len;
    const char *path;
    cr_diag *d;
    entry *v;
    int n;
} reader;

static void at(reader *r, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void at(reader *r, const yaml_mark_t *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    cr_diag_add(r->d, CR_ERROR, r->path, (int)m->line + 1,
                (int)m->column + 1, "%s", msg);
    free(msg);
}

/* Move to the next event; 0 when libyaml cannot (the error is in d). */
static int next(reader *r)
{
    yaml_event_delete(&r->ev);
    if (yaml_parser_parse(&r->p, &r->ev)) {
        if (r->ev.type != YAML_ALIAS_EVENT)
            return 1;
        at(r, &r->ev.start_mark, "aliases have no place in a profile");
        return 0;
    }
    yaml_mark_t m = cr_yaml_problem_mark(&r->p, r->text, r->len);
    cr_diag_add(r->d, CR_ERROR, r->path, (int)m.line + 1, (int)m.column + 1,
                "%s", r->p.problem ? r->p.problem : "not YAML");
    return 0;
}

static int is_scalar(const reader *r)
{
    return r->ev.type == YAML_SCALAR_EVENT;
}

static const char *scalar(const reader *r)
{
    return (const char *)r->ev.data.scalar.value;
}

/* An empty value: nothing, ~ or null. */
static int is_null(const reader *r)
{
    return is_scalar(r) && r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
           && (!*scalar(r) || strcmp(scalar(r), "~") == 0 ||
               strcmp(scalar(r), "null") == 0);
}

/* Read the pairs of the facts mapping, its start being the event. */
static int read_facts(reader *r)
{
    if (is_null(r))
        return 1;
    if (r->ev.type != YAML_MAPPING_START_EVENT) {
        at(r, &r->ev.start_mark, "'facts' is a mapping of fact names "
           "to values");
        return 0;
    }
    while (next(r) && r->ev.type != YAML_MAPPING_END_EVENT) {
        entry e = {0};
        if (!is_scalar(r)) {
            at(r, &r->ev.start_mark, "a fact name is a plain word");
            return 0;
        }
        e.name = xstrdup(scalar(r));
        e.line = (int)r->ev.start_mark.line + 1;
        e.col = (int)r->ev.start_mark.column + 1;
        if (!next(r) || !is_scalar(r)) {
            if (r->ev.type != YAML_NO_EVENT)
                at(r, &r->ev.start_mark, "the value of '%s' is one word or "
                   "number, not a list or mapping", e.name);
            free(e.name);
            return 0;
        }
        e.value = xstrdup(scalar(r));
        e.vline = (int)r->ev.start_mark.line + 1;
        e.vcol = (int)r->ev.start_mark.column + 1;
        r->v = xreallocarray(r->v, (size_t)r->n + 1, sizeof *r->v);
        r->v[r->n++] = e;
    }
    return r->ev.type == YAML_MAPPING_END_EVENT;
}

/* Read the document: empty, or a mapping whose one key is facts. */
static int read_profile(reader *r)
{
    if (!next(r) || !next(r) || r->ev.type == YAML_STREAM_END_EVENT)
        return r->ev.type == YAML_STREAM_END_EVENT;
    if (!next(r))
        return 0;
    if (is_null(r))
        return 1;
    if (r->ev.type != YAML_MAPPING_START_EVENT) {
        at(r, &r->ev.start_mark, "a profile is a mapping with the key "
           "'facts'");
        return 0;
    }
    while (next(r) && r->ev.type != YAML_MAPPING_END_EVENT) {
        if (!is_scalar(r) || strcmp(scalar(r), "facts") != 0) {
            at(r, &r->ev.start_mark, "unknown key '%s' (a profile has only "
               "'facts')", is_scalar(r) ? scalar(r) : "?");
            return 0;
        }
        if (!next(r) || !read_facts(r))
            return 0;
    }
    if (r->ev.type != YAML_MAPPING_END_EVENT || !next(r) || !next(r))
        return 0;
    if (r->ev.type != YAML_STREAM_END_EVENT) {  /* "---" and more */
        at(r, &r->ev.start_mark, "a profile is one YAML document, and "
           "another begins here");
        return 0;
    }
    return 1;
}

/* Check each entry against the rules' facts; 0 if any is wrong. */
static int check_entries(const reader *r, const cr_kb *kb)
{
    int ok = 1;
    const entry **seen = xcalloc((size_t)cr_kb_nfacts(kb) + 1, sizeof *seen);
    for (int k = 0; k < r->n; k++) {
        const entry *e = &r->v[k];
        const char *near;
        int i = cr_kb_user_fact(kb, e->name, &near);
        cr_value v;
        if (i == CR_FACT_RESERVED) {
            cr_diag_add(r->d, CR_ERROR, r->path, e->line, e->col,
                        "fact '%s' is reserved: crossroads sets it itself",
                        e->name);
            ok = 0;
        } else if (i < 0) {
            cr_diag_add(r->d, CR_ERROR, r->path, e->line, e->col,
                        "no fact '%s'%s%s%s", e->name,
                        near ? " (did you mean '" : "", near ? near : "",
                        near ? "'?)" : "");
            ok = 0;
        } else if (seen[i]) {
            cr_diag_add(r->d, CR_ERROR, r->path, e->line, e->col,
                        "fact '%s' is given twice (first at %d:%d)", e->name,
                        seen[i]->line, seen[i]->col);
            ok = 0;
        } else if (cr_value_parse(cr_kb_factdecl(kb, i), e->value, &v)) {
            cr_value_free(&v);
            seen[i] = e;
        } else {
            cr_diag_add(r->d, CR_ERROR, r->path, e->vline, e->vcol,
                        "'%s' is not a value of fact '%s'", e->value,
                        e->name);
            seen[i] = e;
            ok = 0;
        }
    }
    free(seen);
    return ok;
}

/* The file's text, at most CR_PROFILE_MAX bytes; NULL with the reason
 * in d. */
static char *slurp(const char *path, size_t *len, cr_diag *d)
{
    /* Not fopen: a FIFO would block it, and a device is no profile. */
    int err, fd = cr_file_open(path, O_RDONLY, 0, &err);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    struct stat st;
    const char *why = NULL;
    if (fd >= 0 && f == NULL) {
        err = errno;
        close(fd);
    }
    if (f == NULL)
        why = err == EISDIR ? "it is a folder" : cr_file_error(err);
    else if (fstat(fileno(f), &st) != 0)
        why = strerror(errno);
    else if (st.st_size > CR_PROFILE_MAX)
        why = "larger than a profile can be (1 MiB)";
    char *text = NULL;
    if (why == NULL) {
        text = xmalloc(CR_PROFILE_MAX + 1);
        *len = fread(text, 1, CR_PROFILE_MAX + 1, f);
        if (ferror(f))
            why = strerror(errno);
        else if (*len > CR_PROFILE_MAX)
            why = "larger than a profile can be (1 MiB)";
        else
            text[*len] = '\0';
    }
    if (f)
        fclose(f);
    if (why) {
        cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read the profile: %s",
                    why);
        free(text);
        return NULL;
    }
    return text;
}

int cr_profile_load(cr_session *s, const char *path, cr_diag *d)
{
    size_t len;
    char *text = slurp(path, &len, d);
    if (text == NULL)
        return -1;
    reader r = {.text = text, .len = len, .path = path, .d = d};
    yaml_parser_initialize(&r.p);
    yaml_parser_set_input_string(&r.p, (const unsigned char *)text, len);
    int ok = read_profile(&r) && check_entries(&r, cr_session_kb(s));
    yaml_event_delete(&r.ev);
    yaml_parser_delete(&r.p);
    char *how = xasprintf("from the profile %s", path);
    for (int k = 0; k < r.n; k++) {
        if (ok)
            cr_session_set_from(s, r.v[k].name, r.v[k].value, how, d);
        free(r.v[k].name);
        free(r.v[k].value);
    }
    free(how);
    free(r.v);
    free(text);
    return ok ? r.n : -1;
}
