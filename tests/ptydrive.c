/* ptydrive.c - drive a program through a pseudo-terminal, as a person
 * at a keyboard would, following a script read from standard input:
 *
 *     spawn PROGRAM ARG...    start it on a new 80x24 terminal
 *     send TEXT               type TEXT; \r \n \t \e \\ and \xHH escapes
 *     expect REGEX            wait (10 s at most, or $PTYDRIVE_TIMEOUT
 *                             seconds) for output matching the
 *                             POSIX extended REGEX, terminal escape
 *                             sequences removed; later expects look after
 *                             the end of this match
 *     reject REGEX            the output from the last expect to the end
 *                             of the next expect's match, or to the end
 *                             at the next wait, does not match REGEX
 *     wait STATUS             wait for the program to exit with STATUS
 *     run COMMAND             run a shell command (to change files while
 *                             the program runs); it must succeed
 *     # ...                   a comment
 *
 * Exits 0 when every step holds, 1 at the first that does not, saying
 * which and showing the end of the output. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long timeout_ms = 10000;    /* $PTYDRIVE_TIMEOUT seconds */

static int master = -1;
static pid_t child;
static char *out;               /* the output, escape sequences removed */
static size_t outlen, seen;     /* seen: where the next expect looks */
static int lineno;

static void fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ptydrive: script line %d: ", lineno);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    size_t from = outlen > 1500 ? outlen - 1500 : 0;
    fprintf(stderr, "\n--- the output's end:\n%.*s\n---\n",
            (int)(outlen - from), out ? out + from : "");
    if (child > 0)
        kill(child, SIGKILL);
    exit(1);
}

/* Append what the terminal shows, without escape sequences and
 * carriage returns, so that scripts match the text itself. */
static void take(const char *buf, size_t n)
{
    static int state;           /* 0 text, 1 after ESC, 2 CSI, 3 OSC */
    out = realloc(out, outlen + n + 1);
    if (out == NULL)
        exit(99);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (state == 1)
            state = ch == '[' ? 2 : ch == ']' ? 3 : 0;
        else if (state == 2)
            state = ch >= 0x40 && ch <= 0x7e ? 0 : 2;
        else if (state == 3)
            state = ch == 7 ? 0 : ch == 0x1b ? 1 : 3;
        else if (ch == 0x1b)
            state = 1;
        else if (ch != '\r' && ch != 0)
            out[outlen++] = (char)ch;
    }
    out[outlen] = '\0';
}

/* Read what the program writes, for at most ms milliseconds; 0 at the
 * end of its output. */
static int pump(int ms)
{
    struct pollfd p = {master, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return 1;
    char buf[4096];
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0)
        return 0;
    take(buf, (size_t)n);
    return 1;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void unescape(const char *s, char *to, size_t *n)
{
    size_t k = 0;
    for (; *s; s++) {
        if (*s != '\\' || s[1] == '\0') {
            to[k++] = *s;
            continue;
        }
        switch (*++s) {
        case 'r': to[k++] = '\r'; break;
        case 'n': to[k++] = '\n'; break;
        case 't': to[k++] = '\t'; break;
        case 'e': to[k++] = 0x1b; break;
        case 'x': {
            char hex[3] = {s[1], s[1] ? s[2] : 0, 0};
            to[k++] = (char)strtol(hex, NULL, 16);
            s += 2;
            break;
        }
        default: to[k++] = *s;
        }
    }
    *n = k;
}

static void spawn(char *args)
{
    char *argv[64];
    int argc = 0;
    for (char *w = strtok(args, " "); w && argc < 63; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    if (argc == 0)
        fail("spawn needs a program");
    struct winsize ws = {24, 80, 0, 0};
    child = forkpty(&master, NULL, NULL, &ws);
    if (child < 0)
        fail("forkpty: %s", strerror(errno));
    if (child == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    free(out);
    out = NULL;
    outlen = seen = 0;
}

static void send(const char *text)
{
    char buf[4096];
    size_t n;
    unescape(text, buf, &n);
    /* One key at a time, as typed: readline sees each on its own. */
    for (size_t i = 0; i < n; i++) {
        if (write(master, buf + i, 1) != 1)
            fail("cannot type: %s", strerror(errno));
        pump(5);
    }
}

/* Whether the output from seen up to end matches the rejected regex. */
static void check_rejected(const char *rejected, size_t end)
{
    regex_t rj;
    if (regcomp(&rj, rejected, REG_EXTENDED | REG_NEWLINE) != 0)
        fail("bad regex /%s/", rejected);
    char keep = out ? out[end] : 0;
    if (out)
        out[end] = '\0';
    int hit = out && regexec(&rj, out + seen, 0, NULL, 0) == 0;
    if (out)
        out[end] = keep;
    regfree(&rj);
    if (hit)
        fail("output matched the rejected /%s/", rejected);
}

static void expect(const char *re, const char *rejected)
{
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE) != 0)
        fail("bad regex /%s/", re);
    long end = now_ms() + timeout_ms;
    regmatch_t m;
    for (;;) {
        if (out && regexec(&rx, out + seen, 1, &m, 0) == 0)
            break;
        long left = end - now_ms();
        if (left <= 0 || !pump((int)(left < 100 ? left : 100)))
            if (!(out && regexec(&rx, out + seen, 1, &m, 0) == 0)) {
                if (left <= 0)
                    fail("no output matched /%s/ in %ld s", re,
                         timeout_ms / 1000);
                fail("the program ended before /%s/", re);
            }
    }
    if (rejected)
        check_rejected(rejected, seen + (size_t)m.rm_eo);
    seen += (size_t)m.rm_eo;
    regfree(&rx);
}

static void wait_for(const char *want, const char *rejected)
{
    long end = now_ms() + timeout_ms;
    int status;
    pid_t r;
    while ((r = waitpid(child, &status, WNOHANG)) == 0) {
        if (now_ms() > end)
            fail("the program did not exit");
        pump(50);
    }
    while (pump(0) && master >= 0)
        ;
    if (rejected)
        check_rejected(rejected, outlen);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != atoi(want)) {
        fail("the program exited with %d", code);
    }
    child = 0;
}

int main(void)
{
    char line[4096];
    char *rejected = NULL;
    signal(SIGPIPE, SIG_IGN);
    const char *t = getenv("PTYDRIVE_TIMEOUT");
    if (t && atoi(t) > 0)
        timeout_ms = atoi(t) * 1000L;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        char *arg = strchr(line, ' ');
        arg = arg ? arg + 1 : line + strlen(line);
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "spawn ", 6) == 0) {
            spawn(arg);
        } else if (child <= 0) {
            fail("no program is running: spawn one first");
        } else if (strncmp(line, "send ", 5) == 0) {
            send(arg);
        } else if (strncmp(line, "expect ", 7) == 0) {
            expect(arg, rejected);
            free(rejected);
            rejected = NULL;
        } else if (strncmp(line, "reject ", 7) == 0) {
            free(rejected);
            rejected = strdup(arg);
        } else if (strncmp(line, "run ", 4) == 0) {
            if (system(arg) != 0)
                fail("'%s' failed", arg);
        } else if (strncmp(line, "wait ", 5) == 0) {
            wait_for(arg, rejected);
            free(rejected);
            rejected = NULL;
        } else {
            fail("unknown step '%s'", line);
        }
    }
    if (child > 0)
        fail("the script ended with the program running: wait for it");
    free(out);
    return 0;
}
