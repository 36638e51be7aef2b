/* repl.c - conversations: readline on a terminal, lines on a pipe.
 *
 * The only module that sees <readline/readline.h>.  History lives in
 * $XDG_STATE_HOME/crossroads/history (by default under
 * ~/.local/state), private to the user (mode 0600). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "json.h"
#include "repl.h"
#include "xmalloc.h"

#define MAX_LINE CR_MAX_QUESTION

void cr_print_diag(cr_diag *d)
{
    cr_diag_sort(d);
    for (int i = 0; i < cr_diag_len(d); i++) {
        const cr_diagnostic *r = cr_diag_get(d, i);
        char *s = cr_diag_format(r);
        fprintf(stderr, "%s%s\n", r->file ? "" : "crossroads: ", s);
        free(s);
    }
    cr_diag_clear(d);
}

void cr_print_answer(FILE *out, const cr_answer *a, const cr_repl_opts *o)
{
    char *s = o->json ? cr_json_answer(a)
                      : cr_answer_render(a, o->width, o->color);
    fputs(s, out);
    if (o->json)
        fputc('\n', out);
    free(s);
}

/* Answer one line; 0 or -1 when it could not be answered. */
static int answer_line(cr_session *s, const char *line, size_t len,
                       FILE *out, const cr_repl_opts *o, cr_diag *d)
{
    if (len > MAX_LINE) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "a question is at most %d "
                    "bytes; this one has %zu and was not read", MAX_LINE,
                    len);
        cr_print_diag(d);
        return -1;
    }
    cr_answer *a;
    if (cr_session_ask(s, line, len, &a, d) < 0) {
        cr_print_diag(d);
        return -1;
    }
    cr_print_answer(out, a, o);
    cr_answer_free(a);
    return 0;
}

static int blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    return 1;
}

int cr_repl_pipe(cr_session *s, FILE *in, FILE *out, const cr_repl_opts *o)
{
    cr_diag *d = cr_diag_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (blank(line, len))
            continue;
        if (answer_line(s, line, len, out, o, d) < 0)
            status = 1;
        else if (!o->json)
            fputc('\n', out);
        fflush(out);
    }
    free(line);
    cr_diag_free(d);
    return status;
}

/* History. */

static char *history_path(int create)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *dir;
    if (state && *state == '/')
        dir = xasprintf("%s/crossroads", state);
    else if (home && *home)
        dir = xasprintf("%s/.local/state/crossroads", home);
    else
        return NULL;
    if (create) {
        /* Make each missing folder of the path, private to the user. */
        for (char *p = dir + 1; *p; p++)
            if (*p == '/') {
                *p = '\0';
                mkdir(dir, 0700);
                *p = '/';
            }
        mkdir(dir, 0700);
    }
    char *path = xasprintf("%s/history", dir);
    free(dir);
    return path;
}

static void save_history(const char *path)
{
    if (path == NULL)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || close(fd) != 0 ||
        write_history(path) != 0) {
        fprintf(stderr, "crossroads: cannot save history to %s: %s\n",
                path, strerror(errno));
        return;
    }
    history_truncate_file(path, 1000);
}

/* Ctrl-C: abandon the line being typed and start a fresh prompt.  The
 * handler only raises a flag; readline calls on_signal_event from its
 * read loop, where its functions are safe to call. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int on_signal_event(void)
{
    if (interrupted) {
        interrupted = 0;
        rl_crlf();
        rl_replace_line("", 0);
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

static void help(void)
{
    puts("Ask anything about choosing between a PhD and industry, in your own\n"
         "words, and tell me about yourself (\"I have two papers\", \"I want to\n"
         "start a company\"): I remember it across questions.\n"
         "  :sections         the essay's sections\n"
         "  :section ANCHOR   read one section\n"
         "  :help             this help\n"
         "  :quit, :q         leave (or Ctrl-D)");
}

static int command(cr_session *s, const char *line)
{
    if (strcmp(line, ":quit") == 0 || strcmp(line, ":q") == 0)
        return 1;
    if (strcmp(line, ":help") == 0) {
        help();
    } else if (strcmp(line, ":sections") == 0) {
        const cr_corpus *c = cr_session_corpus(s);
        for (int i = 0; i < cr_corpus_count(c); i++)
            printf("%*s%s  #%s\n", 2 * (cr_corpus_level(c, i) - 2), "",
                   cr_corpus_heading(c, i), cr_corpus_anchor(c, i));
    } else if (strncmp(line, ":section ", 9) == 0) {
        const cr_corpus *c = cr_session_corpus(s);
        int i = cr_corpus_find(c, line + 9);
        if (i < 0)
            printf("No section '%s'; :sections lists them.\n", line + 9);
        else
            printf("%s\n", cr_corpus_text(c, i));
    } else {
        printf("Unknown command; :help lists them.\n");
    }
    return 0;
}

int cr_repl_terminal(cr_session *s, const cr_repl_opts *o)
{
    char *hist = history_path(1);
    cr_diag *d = cr_diag_new();
    rl_readline_name = "crossroads";
    using_history();
    if (hist)
        read_history(hist);
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    rl_catch_signals = 0;
    rl_signal_event_hook = on_signal_event;
    printf("crossroads %s: a PhD or industry? Ask me, or type :help.\n",
           PACKAGE_VERSION);
    char *line;
    while ((line = readline("crossroads> ")) != NULL) {
        size_t len = strlen(line);
        if (!blank(line, len)) {
            add_history(line);
            if (line[0] == ':') {
                int quit = command(s, line);
                free(line);
                if (quit)
                    break;
                continue;
            }
            answer_line(s, line, len, stdout, o, d);
            putchar('\n');
        }
        free(line);
    }
    save_history(hist);
    free(hist);
    cr_diag_free(d);
    return 0;
}
