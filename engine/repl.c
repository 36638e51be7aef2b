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

#include "fileio.h"
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

/* Read the next line of in, without its newline: its first cap bytes
 * into buf, the rest read and dropped, so that a line of any length
 * costs cap bytes.  Returns its whole length, or -1 at the end of the
 * input or on a read error (then ferror(in) says which). */
static long long next_line(FILE *in, char *buf, size_t cap)
{
    long long n = 0;
    int ch = EOF;
    while ((ch = getc_unlocked(in)) != EOF && ch != '\n') {
        if ((unsigned long long)n < cap)
            buf[n] = (char)ch;
        n++;
    }
    return ch == EOF && (n == 0 || ferror(in)) ? -1 : n;
}

int cr_repl_pipe(cr_console *c, FILE *in)
{
    /* A line over CR_MAX_QUESTION bytes is refused unread by the
     * console, which only needs its length to say so: one byte more is
     * kept, enough to know it is too long. */
    char *line = xmalloc(CR_MAX_QUESTION + 1);
    long long n;
    int status = 0;
    while ((n = next_line(in, line, CR_MAX_QUESTION + 1)) >= 0) {
        size_t len = (size_t)n;
        if (len <= CR_MAX_QUESTION)
            while (len > 0 && line[len - 1] == '\r')
                len--;
        if (len <= CR_MAX_QUESTION && blank(line, len) &&
            !cr_console_interviewing(c))
            continue;
        int rc = cr_console_line(c, line, len);
        if (rc == CR_LINE_FAILED)
            status = 1;
        else if (rc == CR_LINE_QUIT)
            break;
        cr_console_end_turn(c);
    }
    if (n < 0 && ferror(in)) {
        /* Not the end of the input: answering 0 would hide that some
         * questions were never read. */
        fprintf(stderr, "crossroads: cannot read the input: %s\n",
                strerror(errno ? errno : EIO));
        status = 2;
    }
    free(line);
    cr_console_finish(c);
    if (cr_console_save_profile(c) < 0 && status == 0)
        status = 1;
    return status;
}

/* History.
 *
 * Each session appends the lines it added to the file, as bash's
 * histappend does, so two sessions at once keep each other's lines; the
 * file is cut back to its last HISTORY_KEEP lines only once it has grown
 * HISTORY_SLACK past them, so that the rewrite (which a session ending at
 * the same moment could undo) is rare.  The file is opened without
 * following a link (a planted link must not have its target made 0600
 * and written) and without waiting on a FIFO, and only in a folder that
 * is the user's own and that no one else may write in. */
enum { HISTORY_KEEP = 1000, HISTORY_SLACK = 100 };

/* Why the folder dir will not hold the history, or NULL if it will. */
static const char *unsafe_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return strerror(errno);
    return !S_ISDIR(st.st_mode) ? "it is not a folder"
           : st.st_uid != geteuid() ? "it is not yours"
           : (st.st_mode & 022) ? "others can write in it"
           : NULL;
}

/* The history file, its folder made private if missing; NULL (with the
 * reason said on stderr) when it cannot be kept. */
static char *history_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *dir;
    /* A relative folder would put the history wherever the program was
     * started: the XDG spec ignores relative ones, and so for HOME. */
    if (state && *state == '/')
        dir = xasprintf("%s/crossroads", state);
    else if (home && *home == '/')
        dir = xasprintf("%s/.local/state/crossroads", home);
    else {
        fprintf(stderr, "crossroads: neither XDG_STATE_HOME nor HOME is "
                "set to an absolute folder, so this session's history "
                "will not be kept\n");
        return NULL;
    }
    /* Make each missing folder of the path, private to the user. */
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0700);
            *p = '/';
        }
    mkdir(dir, 0700);
    const char *why = unsafe_dir(dir);
    char *path = why ? NULL : xasprintf("%s/history", dir);
    if (why)
        fprintf(stderr, "crossroads: cannot keep history in %s: %s; this "
                "session's history will not be kept\n", dir, why);
    free(dir);
    return path;
}

/* The history file opened to append, private to the user; -1 (said on
 * stderr) if it cannot be. */
static int history_open(const char *path)
{
    int err, fd = cr_file_open(path, O_WRONLY | O_CREAT | O_APPEND |
                               O_NOFOLLOW, 0600, &err);
    if (fd >= 0 && fchmod(fd, 0600) != 0) {
        err = errno;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        fprintf(stderr, "crossroads: cannot keep history in %s: %s; this "
                "session's history will not be kept\n", path,
                err == ELOOP ? "it is a symbolic link" : cr_file_error(err));
    return fd;
}

/* Whether history can be kept at path: the file exists or can be made,
 * is a regular file private to the user, and is writable.  If not, say
 * so, once. */
static int history_writable(const char *path)
{
    int fd = path ? history_open(path) : -1;
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

/* Cut the history file at path back to its last HISTORY_KEEP lines when
 * it has HISTORY_SLACK more, by replacing it whole. */
static void trim_history(const char *path)
{
    int err, fd = cr_file_open(path, O_RDONLY | O_NOFOLLOW, 0, &err);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size > (64 << 20)) {
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t n = (size_t)st.st_size;
    unsigned char *text = xmalloc(n + 1);
    int ok = cr_fd_transfer(fd, text, n, 0) == 0;
    close(fd);
    size_t lines = 0, from = 0;
    for (size_t i = 0; ok && i < n; i++)
        lines += text[i] == '\n';
    for (size_t i = 0, cut = lines - HISTORY_KEEP;
         lines >= HISTORY_KEEP + HISTORY_SLACK && cut > 0; i++)
        if (text[i] == '\n') {
            cut--;
            from = i + 1;
        }
    if (ok && lines >= HISTORY_KEEP + HISTORY_SLACK) {
        const void *parts[] = {text + from};
        size_t lens[] = {n - from};
        (void)cr_file_replace(path, parts, lens, 1, 0);
    }
    free(text);
}

/* Append to the file at path the history entries from first on: the
 * lines this session added. */
static void save_history(const char *path, int first)
{
    int fd = history_open(path);
    if (fd < 0)
        return;
    HIST_ENTRY **list = history_list();
    cr_buf b = {0};
    for (int i = first; list && i < history_length; i++)
        cr_buf_printf(&b, "%s\n", list[i]->line);
    if (b.len > 0 && cr_fd_transfer(fd, (unsigned char *)b.s, b.len, 1) != 0)
        fprintf(stderr, "crossroads: cannot save history to %s: %s\n",
                path, strerror(errno));
    close(fd);
    cr_buf_free(&b);
    trim_history(path);
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
    char *hist = history_path();
    int keep = history_writable(hist);
    rl_readline_name = "crossroads";
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t";
    completing = c;
    using_history();
    if (keep)
        read_history(hist);
    int first = history_length;         /* the lines of this session on */
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
            /* A Ctrl-C while the line ran (a long turn) ended it:
             * the next prompt is already fresh. */
            interrupted = 0;
        }
        free(line);
        if (rc == CR_LINE_QUIT)
            break;
    }
    if (line == NULL)
        putchar('\n');
    if (keep)
        save_history(hist, first);
    free(hist);
    if (cr_console_save_profile(c) < 0)
        status = 1;
    return status;
}
