/* yamldiff.h - holds the loader's fast YAML path (yamlfast.h) to
 * libyaml: for a text the fast path accepts, libyaml must accept it too
 * and give the same events, with the same values, styles and marks.
 * Shared by check_yamlfast and fuzz_yamlfast. */
#ifndef CR_YAMLDIFF_H
#define CR_YAMLDIFF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "xmalloc.h"
#include "yamlfast.h"

typedef struct yd_event {
    cr_yf_kind kind;
    yaml_scalar_style_t style;
    yaml_mark_t start, end;
    size_t at, len;             /* the value, in yd_events.values */
} yd_event;

typedef struct yd_events {
    yd_event *v;
    size_t n, cap;
    cr_buf values;
} yd_events;

static void yd_collect(void *ud, cr_yf_kind kind, yaml_mark_t start,
                       yaml_mark_t end, const char *value, size_t len,
                       yaml_scalar_style_t style)
{
    yd_events *e = ud;
    if (e->n == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 64;
        e->v = xreallocarray(e->v, e->cap, sizeof *e->v);
    }
    e->v[e->n++] = (yd_event){kind, style, start, end, e->values.len, len};
    if (len > 0)
        cr_buf_putn(&e->values, value, len);
}

static int yd_same_mark(yaml_mark_t a, yaml_mark_t b)
{
    return a.index == b.index && a.line == b.line && a.column == b.column;
}

/* How the fast path's events of text differ from libyaml's, in why
 * (size bytes): 1 and a reason if they differ, 0 if they agree or the
 * fast path refused the text.  *accepted says which. */
static int yd_differs(const char *text, size_t len, int *accepted,
                      char *why, size_t size)
{
    yd_events fe = {0};
    cr_yf_sink sink = {yd_collect, &fe};
    *accepted = cr_yf_parse(text, len, &sink);
    why[0] = '\0';
    if (!*accepted) {
        free(fe.v);
        free(fe.values.s);
        return 0;
    }
    yaml_parser_t p;
    yaml_event_t ev;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    size_t i = 0;
    int differs = 0;
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            snprintf(why, size, "libyaml fails at %zu:%zu: %s",
                     p.problem_mark.line + 1, p.problem_mark.column + 1,
                     p.problem ? p.problem : "?");
            differs = 1;
            break;
        }
        yaml_event_type_t type = ev.type;
        if (type == YAML_STREAM_START_EVENT ||
            type == YAML_DOCUMENT_START_EVENT ||
            type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            if (i != fe.n) {
                snprintf(why, size, "libyaml ends after %zu events of %zu",
                         i, fe.n);
                differs = 1;
            }
            break;
        }
        const yd_event *f = i < fe.n ? &fe.v[i] : NULL;
        const char *fv = f && fe.values.s ? fe.values.s + f->at : "";
        i++;
        int want = type == YAML_SCALAR_EVENT ? CR_YF_SCALAR
                   : type == YAML_SEQUENCE_START_EVENT ? CR_YF_SEQ
                   : type == YAML_MAPPING_START_EVENT ? CR_YF_MAP
                   : type == YAML_SEQUENCE_END_EVENT ||
                             type == YAML_MAPPING_END_EVENT
                       ? CR_YF_END
                       : -1;
        if (f == NULL || (int)f->kind != want) {
            snprintf(why, size, "event %zu at %zu:%zu: libyaml's type %d, "
                     "the fast path's kind %d", i, ev.start_mark.line + 1,
                     ev.start_mark.column + 1, (int)type,
                     f ? (int)f->kind : -1);
            differs = 1;
        } else if (type == YAML_SCALAR_EVENT) {
            const char *v = (const char *)ev.data.scalar.value;
            size_t vlen = ev.data.scalar.length;
            if (ev.data.scalar.anchor || ev.data.scalar.tag ||
                ev.data.scalar.style != f->style || vlen != f->len ||
                (vlen > 0 && memcmp(v, fv, vlen) != 0) ||
                !yd_same_mark(ev.start_mark, f->start) ||
                !yd_same_mark(ev.end_mark, f->end)) {
                snprintf(why, size, "scalar %zu: libyaml's \"%.*s\" style %d "
                         "at %zu:%zu (%zu) to %zu:%zu (%zu), the fast path's "
                         "\"%.*s\" style %d at %zu:%zu (%zu) to %zu:%zu (%zu)",
                         i, (int)(vlen > 60 ? 60 : vlen), v,
                         (int)ev.data.scalar.style, ev.start_mark.line + 1,
                         ev.start_mark.column + 1, ev.start_mark.index,
                         ev.end_mark.line + 1, ev.end_mark.column + 1,
                         ev.end_mark.index,
                         (int)(f->len > 60 ? 60 : f->len), fv,
                         (int)f->style, f->start.line + 1,
                         f->start.column + 1, f->start.index,
                         f->end.line + 1, f->end.column + 1, f->end.index);
                differs = 1;
            }
        } else if (want != CR_YF_END) {
            const yaml_char_t *anchor = type == YAML_SEQUENCE_START_EVENT
                                            ? ev.data.sequence_start.anchor
                                            : ev.data.mapping_start.anchor;
            const yaml_char_t *tag = type == YAML_SEQUENCE_START_EVENT
                                         ? ev.data.sequence_start.tag
                                         : ev.data.mapping_start.tag;
            if (anchor || tag || !yd_same_mark(ev.start_mark, f->start)) {
                snprintf(why, size, "collection %zu: libyaml's at %zu:%zu, "
                         "the fast path's at %zu:%zu", i,
                         ev.start_mark.line + 1, ev.start_mark.column + 1,
                         f->start.line + 1, f->start.column + 1);
                differs = 1;
            }
        }
        yaml_event_delete(&ev);
        if (differs)
            break;
    }
    yaml_parser_delete(&p);
    free(fe.v);
    free(fe.values.s);
    return differs;
}

#endif
