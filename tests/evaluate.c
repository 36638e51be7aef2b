/* evaluate.c - measure answer quality on a file of real questions, or
 * of conversations.
 *
 * A file of questions is a YAML list of {id, q, sections, expected,
 * loose}: for `expected: answer` the first citation must be one of
 * `sections`; for `expected: none` the answer must be the honest "not
 * covered", with no citation.  Every question is asked in a fresh
 * session, so none leans on another.  Prints the figures, the results
 * per section and every miss; exits 0 when both rates reach the
 * thresholds, 1 when not, 2 when the file or the rules cannot be read.
 *
 * A file of conversations is a YAML list of {id, turns, recommendation,
 * sections}: the turns are typed into `crossroads --json` (the program
 * named by --crossroads, with its own essay and rules: ESSAY and RULES
 * are not read), one a line, as a person would pipe them, and the
 * answer to the last must carry one of the recommendations and cite one
 * of the sections first.  Its rate is held to --min-answer.
 *
 * usage: evaluate [--min-answer R] [--min-none R] [--rules PATH]...
 *                 [--crossroads PROGRAM] ESSAY RULES FILE.yaml */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "session.h"
#include "xmalloc.h"

typedef struct question {
    char *id, *q, *expected;
    char **sections, **turns, **recos;
    int nsections, nturns, nrecos;
} question;

/* Append a copy of v to the list *v of *n strings. */
static void push(char ***list, int *n, const char *v)
{
    *list = xreallocarray(*list, (size_t)*n + 1, sizeof **list);
    (*list)[(*n)++] = xstrdup(v);
}

typedef struct tally {
    const char *anchor;
    int asked, hit;
} tally;

/* Read the list of questions with libyaml's event parser: a sequence of
 * mappings whose values are scalars or sequences of scalars. */
static question *read_questions(const char *path, int *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    yaml_parser_t p;
    yaml_event_t ev;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    question *qs = NULL, *cur = NULL;
    char *key = NULL;
    int depth = 0, inseq = 0, ok = 1;
    *n = 0;
    while (ok) {
        if (!yaml_parser_parse(&p, &ev)) {
            fprintf(stderr, "%s:%zu:%zu: %s\n", path,
                    p.problem_mark.line + 1, p.problem_mark.column + 1,
                    p.problem ? p.problem : "YAML error");
            ok = 0;
            break;
        }
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
            if (++depth == 1) {
                qs = xreallocarray(qs, (size_t)*n + 1, sizeof *qs);
                cur = &qs[(*n)++];
                memset(cur, 0, sizeof *cur);
            }
            break;
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SEQUENCE_START_EVENT:
            inseq = depth == 1 && key;
            break;
        case YAML_SEQUENCE_END_EVENT:
            if (inseq) {
                free(key);
                key = NULL;
            }
            inseq = 0;
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            if (depth != 1 || cur == NULL)
                break;
            if (inseq) {
                if (strcmp(key, "sections") == 0)
                    push(&cur->sections, &cur->nsections, v);
                else if (strcmp(key, "turns") == 0)
                    push(&cur->turns, &cur->nturns, v);
                else if (strcmp(key, "recommendation") == 0)
                    push(&cur->recos, &cur->nrecos, v);
            } else if (key == NULL) {
                key = xstrdup(v);
            } else {
                if (strcmp(key, "id") == 0)
                    cur->id = xstrdup(v);
                else if (strcmp(key, "q") == 0)
                    cur->q = xstrdup(v);
                else if (strcmp(key, "expected") == 0)
                    cur->expected = xstrdup(v);
                free(key);
                key = NULL;
            }
            break;
        }
        default:
            break;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    free(key);
    yaml_parser_delete(&p);
    fclose(f);
    if (!ok) {
        free(qs);
        return NULL;
    }
    return qs;
}

static void free_list(char **v, int n)
{
    for (int k = 0; k < n; k++)
        free(v[k]);
    free(v);
}

static void free_questions(question *qs, int n)
{
    for (int i = 0; i < n; i++) {
        free(qs[i].id);
        free(qs[i].q);
        free(qs[i].expected);
        free_list(qs[i].sections, qs[i].nsections);
        free_list(qs[i].turns, qs[i].nturns);
        free_list(qs[i].recos, qs[i].nrecos);
    }
    free(qs);
}

static int listed(char *const *v, int n, const char *s)
{
    for (int k = 0; k < n; k++)
        if (strcmp(v[k], s) == 0)
            return 1;
    return 0;
}

/* s in single quotes for the shell. */
static void put_quoted(cr_buf *b, const char *s)
{
    cr_buf_putc(b, '\'');
    for (; *s; s++)
        if (*s == '\'')
            cr_buf_puts(b, "'\\''");
        else
            cr_buf_putc(b, *s);
    cr_buf_putc(b, '\'');
}

/* Type the turns of q into program --json and read its last line into
 * *reco and *anchor ("null" and "(none)" when absent); 0, or -1 when the
 * program could not be run or its last line is not JSON. */
static int converse(const char *program, const question *q, char **reco,
                    char **anchor)
{
    char path[] = "/tmp/evaluate.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *in = fdopen(fd, "w");
    for (int k = 0; in && k < q->nturns; k++)
        fprintf(in, "%s\n", q->turns[k]);
    if (in == NULL || fclose(in) != 0) {
        unlink(path);
        return -1;
    }
    cr_buf cmd = {0};
    put_quoted(&cmd, program);
    cr_buf_puts(&cmd, " --json <");
    put_quoted(&cmd, path);
    FILE *out = popen(cmd.s, "r");
    cr_buf_free(&cmd);
    char line[65536], last[65536] = "";
    while (out && fgets(line, sizeof line, out))
        if (line[0] == '{')
            memcpy(last, line, sizeof last);
    if (out)
        pclose(out);
    unlink(path);
    json_t *j = json_loads(last, 0, NULL);
    if (j == NULL)
        return -1;
    const char *r = json_string_value(json_object_get(j, "recommendation"));
    json_t *c = json_array_get(json_object_get(j, "citations"), 0);
    const char *a = json_string_value(json_object_get(c, "anchor"));
    *reco = xstrdup(r ? r : "null");
    *anchor = xstrdup(a ? a : "(none)");
    json_decref(j);
    return 0;
}

/* Score the conversations of qs through program; the exit status. */
static int conversations(const char *program, question *qs, int n,
                         double min)
{
    int asked = 0, hit = 0;
    cr_buf misses = {0};
    for (int i = 0; i < n; i++) {
        question *q = &qs[i];
        char *reco, *anchor;
        if (q->nturns == 0)
            continue;
        if (converse(program, q, &reco, &anchor) < 0) {
            fprintf(stderr, "evaluate: %s: no JSON answer from %s\n",
                    q->id ? q->id : "?", program);
            cr_buf_free(&misses);
            return 2;
        }
        int ok = listed(q->recos, q->nrecos, reco) &&
                 listed(q->sections, q->nsections, anchor);
        asked++;
        hit += ok;
        if (!ok) {
            cr_buf_printf(&misses, "  %s: got %s, %s; wanted", q->id ? q->id
                          : "?", reco, anchor);
            for (int k = 0; k < q->nrecos; k++)
                cr_buf_printf(&misses, "%s%s", k ? "|" : " ", q->recos[k]);
            cr_buf_puts(&misses, ",");
            for (int k = 0; k < q->nsections; k++)
                cr_buf_printf(&misses, "%s%s", k ? "|" : " ", q->sections[k]);
            cr_buf_puts(&misses, "\n");
        }
        free(reco);
        free(anchor);
    }
    double r = asked ? (double)hit / asked : 1;
    printf("misses:\n%s", misses.s ? misses.s : "  none\n");
    printf("conversations: %d/%d end with an acceptable recommendation and "
           "first section (%.1f%%, need %.0f%%)\n", hit, asked, 100 * r,
           100 * min);
    cr_buf_free(&misses);
    return r >= min ? 0 : 1;
}

static tally *count(tally *t, int *nt, const char *anchor, int hit)
{
    int i = 0;
    while (i < *nt && strcmp(t[i].anchor, anchor) != 0)
        i++;
    if (i == *nt) {
        t = xreallocarray(t, (size_t)*nt + 1, sizeof *t);
        t[(*nt)++] = (tally){anchor, 0, 0};
    }
    t[i].asked++;
    t[i].hit += hit;
    return t;
}

int main(int argc, char **argv)
{
    double min_answer = 0.9, min_none = 0.9;
    const char *paths[16], *program = NULL;
    int npaths = 0, a = 1;
    for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
        if (strcmp(argv[a], "--min-answer") == 0)
            min_answer = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--min-none") == 0)
            min_none = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--rules") == 0 && npaths < 15)
            paths[1 + npaths++] = argv[a + 1];
        else if (strcmp(argv[a], "--crossroads") == 0)
            program = argv[a + 1];
        else
            break;
    }
    if (argc - a != 3) {
        fprintf(stderr, "usage: evaluate [--min-answer R] [--min-none R] "
                "[--rules PATH]... [--crossroads PROGRAM] ESSAY RULES "
                "FILE.yaml\n");
        return 2;
    }
    paths[0] = argv[a + 1];
    int n;
    question *qs = read_questions(argv[a + 2], &n);
    if (qs == NULL)
        return 2;
    if (n > 0 && qs[0].nturns > 0) {
        int rc = program ? conversations(program, qs, n, min_answer) : 2;
        if (program == NULL)
            fprintf(stderr, "evaluate: conversations need --crossroads\n");
        free_questions(qs, n);
        return rc;
    }
    int answer_n = 0, answer_hit = 0, none_n = 0, none_hit = 0, nt = 0;
    tally *t = NULL;
    cr_buf misses = {0};
    for (int i = 0; i < n; i++) {
        question *q = &qs[i];
        if (q->q == NULL || q->expected == NULL)
            continue;
        cr_diag *d = cr_diag_new();
        cr_session *s = cr_session_new(argv[a], paths, npaths + 1, d);
        cr_answer *ans = NULL;
        if (s == NULL || cr_session_ask(s, q->q, strlen(q->q), &ans, d) < 0) {
            for (int k = 0; k < cr_diag_len(d); k++) {
                char *m = cr_diag_format(cr_diag_get(d, k));
                fprintf(stderr, "%s\n", m);
                free(m);
            }
            return 2;
        }
        const char *got = ans->ncites ? ans->cites[0].anchor : "(none)";
        int hit;
        if (strcmp(q->expected, "none") == 0) {
            none_n++;
            hit = ans->kind == CR_ANSWER_NONE && ans->ncites == 0;
            none_hit += hit;
            t = count(t, &nt, "(none)", hit);
        } else {
            answer_n++;
            hit = 0;
            for (int k = 0; k < q->nsections; k++)
                hit |= strcmp(got, q->sections[k]) == 0;
            answer_hit += hit;
            t = count(t, &nt, q->nsections ? q->sections[0] : "?", hit);
        }
        if (!hit) {
            cr_buf_printf(&misses, "  %s %s\n    got %s (intent %s), "
                          "wanted", q->id ? q->id : "?", q->q, got,
                          ans->intent ? ans->intent : "none");
            for (int k = 0; k < q->nsections; k++)
                cr_buf_printf(&misses, " %s", q->sections[k]);
            cr_buf_puts(&misses, "\n");
        }
        cr_answer_free(ans);
        cr_session_free(s);
        cr_diag_free(d);
    }
    printf("per section (by the first acceptable section):\n");
    for (int i = 0; i < nt; i++)
        printf("  %-32s %d/%d\n", t[i].anchor, t[i].hit, t[i].asked);
    printf("misses:\n%s", misses.s ? misses.s : "  none\n");
    double ra = answer_n ? (double)answer_hit / answer_n : 1;
    double rn = none_n ? (double)none_hit / none_n : 1;
    printf("answer questions: %d/%d cite an acceptable section first "
           "(%.1f%%, need %.0f%%)\n", answer_hit, answer_n, 100 * ra,
           100 * min_answer);
    printf("out-of-scope questions: %d/%d answered \"not covered\" "
           "(%.1f%%, need %.0f%%)\n", none_hit, none_n, 100 * rn,
           100 * min_none);
    cr_buf_free(&misses);
    free(t);
    free_questions(qs, n);
    return ra >= min_answer && rn >= min_none ? 0 : 1;
}
