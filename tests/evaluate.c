/* evaluate.c - measure answer quality on a file of real questions.
 *
 * The file is a YAML list of {id, q, sections, expected, loose}: for
 * `expected: answer` the first citation must be one of `sections`; for
 * `expected: none` the answer must be the honest "not covered", with no
 * citation.  Every question is asked in a fresh session, so none leans on
 * another.  Prints the figures, the results per section and every miss;
 * exits 0 when both rates reach the thresholds, 1 when not, 2 when the
 * file or the rules cannot be read.
 *
 * usage: evaluate [--min-answer R] [--min-none R] [--rules PATH]...
 *                 ESSAY RULES QUESTIONS.yaml */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "session.h"
#include "xmalloc.h"

typedef struct question {
    char *id, *q, *expected;
    char **sections;
    int nsections;
} question;

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
                if (strcmp(key, "sections") == 0) {
                    cur->sections = xreallocarray(cur->sections,
                                                  (size_t)cur->nsections + 1,
                                                  sizeof(char *));
                    cur->sections[cur->nsections++] = xstrdup(v);
                }
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

static void free_questions(question *qs, int n)
{
    for (int i = 0; i < n; i++) {
        free(qs[i].id);
        free(qs[i].q);
        free(qs[i].expected);
        for (int k = 0; k < qs[i].nsections; k++)
            free(qs[i].sections[k]);
        free(qs[i].sections);
    }
    free(qs);
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
    const char *paths[16];
    int npaths = 0, a = 1;
    for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
        if (strcmp(argv[a], "--min-answer") == 0)
            min_answer = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--min-none") == 0)
            min_none = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--rules") == 0 && npaths < 15)
            paths[1 + npaths++] = argv[a + 1];
        else
            break;
    }
    if (argc - a != 3) {
        fprintf(stderr, "usage: evaluate [--min-answer R] [--min-none R] "
                "[--rules PATH]... ESSAY RULES QUESTIONS.yaml\n");
        return 2;
    }
    paths[0] = argv[a + 1];
    int n;
    question *qs = read_questions(argv[a + 2], &n);
    if (qs == NULL)
        return 2;
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
