/* fuzz_turn.c - libFuzzer target: one turn of a conversation.
 *
 * One session with the built-in rules, made once; each input is a
 * question of arbitrary bytes, answered, rendered as text (with colour
 * and wrapping) and as JSON.  Facts stated in one input stay for the
 * next, as they would in a long conversation. */
#include "config.h"

#include <string.h>

#include "answer.h"
#include "fuzz.h"
#include "json.h"
#include "session.h"

static cr_session *session;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    session = cr_fuzz_session();
    cr_session_jit(session);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cr_diag *d = cr_diag_new();
    cr_answer *a = NULL;
    if (cr_session_ask(session, (const char *)data, size, &a, d) == 0) {
        char *text = cr_answer_render(a, 72, 1);
        /* Nothing from the input reaches a terminal raw: the only
         * escapes are the renderer's own colours, ESC [ digits ; m. */
        for (const char *p = text; (p = strchr(p, '\x1b')) != NULL;) {
            p++;
            if (*p++ != '[')
                abort();
            p += strspn(p, "0123456789;");
            if (*p != 'm')
                abort();
        }
        free(text);
        free(cr_json_answer(a));
        cr_answer_free(a);
    }
    cr_diag_free(d);
    return 0;
}
