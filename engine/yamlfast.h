/* yamlfast.h - the loader's fast path through the YAML most rule files
 * are made of.
 *
 * libyaml is exact but slow: it spends some 300 instructions on every
 * byte, most of what loading a large rule file costs.  This reads the
 * subset of YAML that rule files keep to several times as fast, and
 * gives up on anything outside it, so that the caller parses the file
 * with libyaml instead; what it does read it reads into the very events
 * libyaml would give, values, styles and marks included (a differential
 * test and a fuzz target hold it to that).
 *
 * The subset: block mappings and sequences (a sequence may sit at its
 * key's indentation; "- key: value" starts a mapping); flow mappings
 * and sequences, over several lines if need be; plain scalars and
 * single- or double-quoted ones on one line (with the escapes \\ \" \/
 * \0 \a \b \t \n \v \f \r \e and "\ " only); literal and folded block
 * scalars (| and >, with or without a chomping indicator) whose lines
 * all start at the same column; comments; and printable UTF-8.  Outside
 * it: plain or quoted scalars over more than one line, block scalars
 * with an indentation indicator or more-indented lines, empty values,
 * anchors, aliases, tags, complex keys, directives and document
 * markers, tabs, carriage returns, byte order marks, YAML 1.1's Unicode
 * line breaks, and everything libyaml calls an error. */
#ifndef CR_YAMLFAST_H
#define CR_YAMLFAST_H

#include <stddef.h>
#include <yaml.h>

typedef enum cr_yf_kind {
    CR_YF_SCALAR, CR_YF_SEQ, CR_YF_MAP, CR_YF_END
} cr_yf_kind;

/* Where the events go, as they are read: a scalar (value, len bytes,
 * not NUL-terminated and valid only during the call, in style), the
 * start of a sequence or a mapping, or the end of the innermost one
 * open.  Collections' marks are their start; END's is where the
 * collection was seen to end. */
typedef struct cr_yf_sink {
    void (*event)(void *ud, cr_yf_kind kind, yaml_mark_t start,
                  yaml_mark_t end, const char *value, size_t len,
                  yaml_scalar_style_t style);
    void *ud;
} cr_yf_sink;

/* Read text (len bytes) into sink's events.  Returns 1 if it keeps to
 * the subset; 0 if it does not, after any number of events, which the
 * sink throws away: the file is then libyaml's to read.  A file of
 * nothing but blank lines and comments gives no events. */
int cr_yf_parse(const char *text, size_t len, const cr_yf_sink *sink);

#endif
