/* fuzz_loader.c - libFuzzer target: a rule file of arbitrary bytes.
 *
 * Loads the bytes with cr_load_string, then resolves them against the
 * real essay with cr_kb_finish (which expands concepts and compiles
 * every pattern), so names, citations and PCRE2 compilation are reached
 * too.  Every diagnostic is formatted, as the program would print it.
 * A rule file that loads cleanly is then put to work: its patterns run
 * over a fixed question and over the start of the input itself, so the
 * fuzzer chooses both the patterns and what they are matched against. */
#include "config.h"

#include "corpus.h"
#include "facts.h"
#include "fuzz.h"
#include "kb.h"
#include "loader.h"
#include "understand.h"

static cr_corpus *essay;

static void understand(const cr_kb *kb, const char *text, size_t len)
{
    char *norm = cr_normalise(text, len);
    cr_diag *d = cr_diag_new();
    cr_wm *wm = cr_wm_new(kb);
    cr_intent_hit hits[3];
    cr_classify(kb, norm, hits, 3, d);
    cr_extract(kb, norm, wm, 1, d);
    cr_wm_free(wm);
    cr_diag_free(d);
    free(norm);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    essay = cr_corpus_load(CR_FUZZ_ESSAY, NULL);
    if (essay == NULL) {
        fprintf(stderr, "fuzz_loader: cannot read %s\n", CR_FUZZ_ESSAY);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cr_kb *kb = cr_kb_new();
    cr_diag *d = cr_diag_new();
    cr_load_string(kb, "fuzz.yaml", (const char *)data, size, d);
    if (cr_kb_finish(kb, essay, d) == 0 && cr_diag_errors(d) == 0) {
        static const char q[] = "I have 3 papers and want to start a "
            "company; how much does a PhD pay?";
        understand(kb, q, sizeof q - 1);
        understand(kb, (const char *)data, size < 200 ? size : 200);
    }
    cr_diag_sort(d);
    cr_fuzz_diags(d, NULL);
    cr_diag_free(d);
    cr_kb_free(kb);
    return 0;
}
