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

static int blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    return 1;
}

int cr_repl_pipe(cr_console *c, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (blank(line, len) && !cr_console_interviewing(c))
            continue;
        int rc = cr_console_line(c, line, len);
        if (rc == CR_LINE_FAILED)
            status = 1;
        else if (rc == CR_LINE_QUIT)
            break;
        cr_console_end_turn(c);
    }
    free(line);
    cr_console_finish(c);
    if (cr_console_save_profile(c) < 0)
        status = 1;
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

/* Whether history can be kept at path: the file exists or can be made,
 * private to the user, and is writable.  If not, say so, once. */
static int history_writable(const char *path)
{
    if (path == NULL) {
        fprintf(stderr, "crossroads: neither XDG_STATE_HOME nor HOME is "
                "set, so this session's history will not be kept\n");
        return 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        fprintf(stderr, "crossroads: cannot keep history in %s: %s; this "
                "session's history will not be kept\n", path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    return 1;
}

static void save_history(const char *path)
{
    int err = write_history(path);
    if (err != 0) {
        fprintf(stderr, "crossroads: cannot save history to %s: %s\n",
                path, strerror(err));
        return;
    }
    history_truncate_file(path, 1000);
}

/* Ctrl-C: abandon the line being typed and start a fresh prompt.  The
 * handler only raises a flag, which is looked at where readline's
 * functions are safe to call: before each key is read (the signal may
 * come while readline is busy with the keys before), and when a read is
 * interrupted (readline calls on_signal_event). */
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

static int read_key(FILE *f)
{
    on_signal_event();
    return rl_getc(f);
}

/* Completion: the console's candidates, handed to readline one by one. */
static cr_console *completing;
static char **candidates;

static char *next_candidate(const char *text, int state)
{
    static int i;
    (void)text;
    if (state == 0)
        i = 0;
    return candidates && candidates[i] ? xstrdup(candidates[i++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    candidates = cr_console_complete(completing, rl_line_buffer, start,
                                     text);
    if (candidates == NULL)
        return NULL;            /* file names */
    rl_attempted_completion_over = 1;
    /* A fact name completes to "name=" and a command with arguments to
     * ":set ": add no space of readline's own. */
    rl_completion_append_character = '\0';
    char **m = rl_completion_matches(text, next_candidate);
    if (m && m[1] == NULL && text[0] != ':' && !strchr(m[0], '=') &&
        m[0][strlen(m[0]) - 1] != ' ')
        rl_completion_append_character = ' ';
    for (int i = 0; candidates[i]; i++)
        free(candidates[i]);
    free(candidates);
    candidates = NULL;
    return m;
}

static int width(void)
{
    int rows, cols;
    rl_get_screen_size(&rows, &cols);
    return cols > 100 ? 100 : cols > 20 ? cols : 80;
}

int cr_repl_terminal(cr_console *c)
{
    char *hist = history_path(1);
    int keep = history_writable(hist);
    rl_readline_name = "crossroads";
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t";
    completing = c;
    using_history();
    if (keep)
        read_history(hist);
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    rl_catch_signals = 0;
    rl_signal_event_hook = on_signal_event;
    rl_getc_function = read_key;
    if (!cr_console_interviewing(c))    /* else `crossroads decide` */
        printf("crossroads %s: a PhD or industry? Ask me anything, tell "
               "me about yourself,\nor type :decide for a consultation "
               "and :help for help.\n", PACKAGE_VERSION);
    int status = 0;
    char *line;
    while ((line = readline(cr_console_prompt(c))) != NULL) {
        size_t len = strlen(line);
        int rc = CR_LINE_OK;
        if (!blank(line, len) || cr_console_interviewing(c)) {
            if (!blank(line, len))
                add_history(line);
            cr_console_set_width(c, width());
            rc = cr_console_line(c, line, len);
            cr_console_end_turn(c);
            /* A Ctrl-C while the line ran (a :load of a FIFO that
             * blocks) ended it: the next prompt is already fresh. */
            interrupted = 0;
        }
        free(line);
        if (rc == CR_LINE_QUIT)
            break;
    }
    if (line == NULL)
        putchar('\n');
    if (keep)
        save_history(hist);
    free(hist);
    if (cr_console_save_profile(c) < 0)
        status = 1;
    return status;
}
