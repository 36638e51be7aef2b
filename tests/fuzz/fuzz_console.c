/* fuzz_console.c - libFuzzer target: a whole conversation.
 *
 * Each input is a conversation, one line per line of input, through the
 * console that the REPL and the pipe mode use: questions, statements,
 * colon commands and consultations, in one session kept across inputs.
 * Commands that touch files (:save, :load, :reload) are left out; the
 * output goes to /dev/null. */
#include "config.h"

#include <string.h>

#include "console.h"
#include "fuzz.h"
#include "session.h"

static cr_session *session;
static cr_console *console;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    session = cr_fuzz_session();
    cr_session_jit(session);
    FILE *out = fopen("/dev/null", "w");
    cr_console_opts o = {.width = 72, .color = 1};
    if (out == NULL || (console = cr_console_new(session, out, &o)) == NULL)
        exit(1);
    return 0;
}

/* Whether line is a command that reads or writes files. */
static int touches_files(const char *line, size_t len)
{
    static const char *const cmds[] = {":save", ":load", ":reload"};
    while (len > 0 && (*line == ' ' || *line == '\t'))
        line++, len--;
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(cmds[i]);
        if (len >= n && strncmp(line, cmds[i], n) == 0)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!touches_files(p, len) &&
            cr_console_line(console, p, len) == CR_LINE_QUIT)
            cr_console_finish(console);
        p += len + 1;
    }
    return 0;
}
