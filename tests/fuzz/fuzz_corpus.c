/* fuzz_corpus.c - libFuzzer target: Markdown of arbitrary bytes.
 *
 * Parses the bytes as the essay, then walks every section the way the
 * program does (heading path, slug of each heading, look-up by anchor). */
#include "config.h"

#include <string.h>

#include "corpus.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cr_corpus *c = cr_corpus_parse((const char *)data, size);
    int n = cr_corpus_count(c);
    (void)strlen(cr_corpus_title(c));
    for (int i = 0; i < n; i++) {
        const char *anchor = cr_corpus_anchor(c, i);
        (void)strlen(cr_corpus_text(c, i));
        (void)cr_corpus_level(c, i);
        (void)cr_corpus_line(c, i);
        int p = cr_corpus_parent(c, i);
        if (p >= i || p < -1)
            abort();            /* parents come before their children */
        free(cr_corpus_path(c, i, " > "));
        free(cr_corpus_slug(cr_corpus_heading(c, i)));
        if (cr_corpus_find(c, anchor) < 0)
            abort();            /* every anchor can be found */
    }
    cr_corpus_free(c);
    return 0;
}
