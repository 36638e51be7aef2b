/* main.c - the crossroads program: options, commands, exit statuses.
 *
 * Exit statuses: 0 answered (an honest "not covered" too), 1 a runtime
 * failure, 2 a usage error or a bad rule file. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cache.h"
#include "corpus.h"
#include "diag.h"
#include "engine.h"
#include "authoring.h"
#include "json.h"
#include "kb.h"
#include "repl.h"
#include "rulepath.h"
#include "session.h"
#include "words.h"
#include "xmalloc.h"

#define ESSAY "corpus/choosing-a-phd-or-industry.md"

enum { EXIT_ANSWERED = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The session, left to the kernel at exit (see drop_session). */
static cr_session *volatile kept_session;  /* a store never elided */

typedef struct options {
    int json;
    int explain;                /* --explain: the chain behind the answer */
    int stats;                  /* --stats: load and run times on stderr */
    int strict;                 /* lint: warnings fail too */
    int no_cache;               /* --no-cache, lint and test */
    int no_user_rules;          /* --no-user-rules */
    const char **rules;         /* --rules, in order */
    int nrules;
    const char **facts;         /* --fact NAME=VALUE */
    int nfacts;
    const char *profile;        /* --profile FILE */
} options;

static void usage(FILE *f)
{
    fputs("usage: crossroads [OPTION]... [QUESTION WORDS...]\n"
          "       crossroads decide\n"
          "       crossroads sections | section ANCHOR\n"
          "       crossroads lint [-s|--strict] [FILE...] | test [FILE...]\n"
          "\n"
          "An offline adviser on doing a PhD in computer science or machine\n"
          "learning versus going to industry. Every answer cites the section\n"
          "of the essay it rests on.\n"
          "\n"
          "With a question, answer it and exit. Without one, chat: a prompt\n"
          "on a terminal, one answer per input line on a pipe; lines that\n"
          "start with a colon are commands (:help lists them).\n"
          "\n"
          "  -j, --json            print answers as JSON (one object per line)\n"
          "  -e, --explain         after the answer, show the rules and facts\n"
          "                        behind it, down to your own words\n"
          "      --stats           print load and run times to stderr\n"
          "      --no-cache        parse the rule files, ignoring the compiled\n"
          "                        rule cache (also CROSSROADS_NO_CACHE=1)\n"
          "      --no-user-rules   leave out your own rules folder (below)\n"
          "  -f, --fact NAME=VALUE state a fact about yourself (repeatable)\n"
          "  -r, --rules PATH      also load this rule file or folder (repeatable)\n"
          "  -p, --profile FILE    remember what you tell me in FILE (YAML): read\n"
          "                        at the start, rewritten when it changes\n"
          "  -s, --strict          lint: exit 1 when there are warnings\n"
          "  -h, --help            show this help and exit\n"
          "  -V, --version         show the version and exit\n"
          "\n"
          "Commands:\n"
          "  decide                a consultation: I ask only what could settle a\n"
          "                        recommendation, then give it with my reasons\n"
          "  sections              list the essay's sections and their anchors\n"
          "  section ANCHOR        print one section of the essay\n"
          "  lint [FILE...]        check rule files; every problem as\n"
          "                        file:line:col: error|warning: message\n"
          "  test [FILE...]        run the example questions rule files declare\n"
          "\n"
          "Rule files are read in this order (see crossroads-rules(5)):\n"
          "  the built-in rules;\n"
          "  " CR_SYSCONFDIR "/crossroads/rules.d;\n"
          "  $XDG_CONFIG_HOME/crossroads/rules.d (~/.config/crossroads/"
          "rules.d);\n"
          "  each entry of $CROSSROADS_RULES_PATH (colon-separated);\n"
          "  each --rules PATH, then the files lint and test name.\n"
          "\n"
          "Exit status: 0 answered, 1 runtime failure, 2 usage or rule-file error.\n"
          "See crossroads(1).\n", f);
}

/* Where the essay and the built-in rules are: $CROSSROADS_DATADIR, else
 * the source tree when this is the binary in the build tree, else the
 * installed data.  A new string. */
static char *datadir(void)
{
    const char *env = getenv("CROSSROADS_DATADIR");
    if (env && *env)
        return xstrdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *real = realpath(CR_BUILDDIR, NULL);
            int in_build = real && strcmp(real, exe) == 0;
            free(real);
            if (in_build)
                return xstrdup(CR_SRCDIR);
        }
    }
    return xstrdup(CR_PKGDATADIR);
}

/* Where rule files come from (see rulepath.h): the environment, and
 * the options.  With --no-user-rules, neither XDG_CONFIG_HOME nor HOME
 * is passed on, which leaves the user's folder out. */
static cr_rulepath_env rule_env(const options *o, const char *builtin)
{
    const char *sys = getenv("CROSSROADS_SYSCONFDIR");
    cr_rulepath_env env = {builtin,
                           sys && *sys ? sys : CR_SYSCONFDIR "/crossroads",
                           o->no_user_rules ? NULL : getenv("XDG_CONFIG_HOME"),
                           o->no_user_rules ? NULL : getenv("HOME"),
                           getenv("CROSSROADS_RULES_PATH"), o->rules,
                           o->nrules};
    return env;
}

/* Whether a problem in d is in the folder dir, or is dir itself. */
static int problem_in(const cr_diag *d, const char *dir)
{
    size_t n = strlen(dir);
    for (int i = 0; i < cr_diag_len(d); i++) {
        const char *file = cr_diag_get(d, i)->file;
        if (file && strncmp(file, dir, n) == 0 &&
            (file[n] == '\0' || file[n] == '/'))
            return 1;
    }
    return 0;
}

/* Print why the rules could not be loaded, the problems in d; when one
 * is in the user's own rules folder, which every command reads, say
 * how to get an answer without it.  Returns status. */
static int load_failed(const options *o, cr_diag *d, int status)
{
    cr_rulepath_env env = rule_env(o, "");
    char *user = cr_rulepath_user(&env);
    int mine = user && problem_in(d, user);
    cr_print_diag(d);
    if (mine)
        fprintf(stderr, "crossroads: your rules folder %s has errors: fix "
                "them, or leave the folder out with 'crossroads "
                "--no-user-rules ...'\n", user);
    free(user);
    return status;
}

/* Open a session with the built-in rules and the user's.  Returns NULL
 * with the problems in d, and in *status the exit status they deserve:
 * a bad rule file or fact is the user's to fix (2), a missing essay is a
 * broken installation (1). */
static cr_session *open_session(const options *o, cr_diag *d, int *status)
{
    char *dir = datadir();
    char *essay = xasprintf("%s/" ESSAY, dir);
    char *builtin = xasprintf("%s/rules", dir);
    int npaths;
    cr_rulepath_env env = rule_env(o, builtin);
    char **paths = cr_rulepath_list(&env, &npaths, d);
    char *unsafe = NULL;
    char *cache = o->no_cache ? NULL : cr_cache_dir(&unsafe);
    if (unsafe)
        fprintf(stderr, "crossroads: %s\n", unsafe);
    free(unsafe);
    cr_session *s = paths ? cr_session_open(essay,
                                            (const char *const *)paths,
                                            npaths, cache, d)
                          : NULL;
    free(cache);
    struct stat st;
    *status = s == NULL && (access(essay, R_OK) != 0 ||
                            stat(essay, &st) != 0 || !S_ISREG(st.st_mode))
                  ? EXIT_RUNTIME : EXIT_USAGE;
    cr_rulepath_free(paths, npaths);
    free(builtin);
    free(essay);
    free(dir);
    return s;
}

/* State each --fact NAME=VALUE; 0, or -1 when one is wrong (each is
 * said on stderr). */
static int state_facts(cr_console *c, const options *o)
{
    int rc = 0;
    for (int i = 0; i < o->nfacts; i++)
        if (cr_console_state(c, o->facts[i], "with --fact") < 0)
            rc = -1;
    return rc;
}

static int cmd_sections(cr_session *s)
{
    const cr_corpus *c = cr_session_corpus(s);
    printf("%s\n\n", cr_corpus_title(c));
    for (int i = 0; i < cr_corpus_count(c); i++) {
        int indent = 2 * (cr_corpus_level(c, i) - 2);
        printf("%*s%-*s  #%s\n", indent, "", 44 - indent,
               cr_corpus_heading(c, i), cr_corpus_anchor(c, i));
    }
    return EXIT_ANSWERED;
}

static int cmd_section(cr_session *s, const char *name, int width)
{
    cr_console_opts co = {.width = width};
    cr_console *c = cr_console_new(s, stdout, &co);
    int rc = cr_console_section(c, name);
    cr_console_free(c);
    return rc == CR_LINE_OK ? EXIT_ANSWERED : EXIT_USAGE;
}

/* A usage error when command takes other words than were given:
 * decide and sections take none, section one anchor.  -1 when they
 * fit. */
static int check_words(char **args, int nargs)
{
    static const struct {
        const char *name, *usage;
        int words;
    } cmds[] = {
        {"decide", "decide", 0},
        {"sections", "sections", 0},
        {"section", "section ANCHOR", 1},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        if (strcmp(args[0], cmds[i].name) != 0 || nargs - 1 == cmds[i].words)
            continue;
        fprintf(stderr, "usage: crossroads %s\n", cmds[i].usage);
        if (nargs - 1 > cmds[i].words)
            fprintf(stderr, "(to ask a question that starts with '%s', put "
                    "-- before it)\n", cmds[i].name);
        return EXIT_USAGE;
    }
    return -1;
}

static char *join_words(char **words, int n)
{
    cr_buf b = {0};
    for (int i = 0; i < n; i++) {
        if (i)
            cr_buf_putc(&b, ' ');
        cr_buf_puts(&b, words[i]);
    }
    return cr_buf_take(&b);
}

static int cmd_ask(cr_console *c, const char *q)
{
    return cr_console_line(c, q, strlen(q)) == CR_LINE_FAILED ? EXIT_RUNTIME
                                                              : EXIT_ANSWERED;
}

static void add_rule_files(options *o, char **files, int n)
{
    for (int i = 0; i < n; i++) {
        o->rules = xreallocarray(o->rules, (size_t)o->nrules + 1,
                                 sizeof *o->rules);
        o->rules[o->nrules++] = files[i];
    }
}

/* The process ends once s is done with: leave s to the kernel, which
 * takes the whole address space back at once, where freeing a large
 * rule set piece by piece costs a sixth of a one-off answer and some
 * 30 ms at 10,000 rules.  Kept in a static, it stays reachable for leak
 * checkers.  The AddressSanitizer build, and a run with
 * CROSSROADS_FREE_AT_EXIT set (the tests' valgrind runs), free it all,
 * so that freeing is still checked byte by byte. */
static void drop_session(cr_session *s)
{
#ifdef __SANITIZE_ADDRESS__
    int free_it = 1;
#else
    const char *v = getenv("CROSSROADS_FREE_AT_EXIT");
    int free_it = v != NULL && *v != '\0';
#endif
    if (free_it) {
        cr_session_free(s);
        cr_words_free();
    } else
        kept_session = s;
}

/* lint: load the built-in rules and the named files; report every error
 * and warning.  0 clean (or warnings only), 1 warnings with --strict,
 * 2 errors. */
static int cmd_lint(options *o, char **files, int n, cr_diag *d)
{
    int kept = 0;
    for (int i = 0; i < n; i++) {     /* `lint --strict FILE` reads well */
        if (strcmp(files[i], "--strict") == 0 || strcmp(files[i], "-s") == 0)
            o->strict = 1;
        else
            files[kept++] = files[i];
    }
    add_rule_files(o, files, kept);
    o->no_cache = 1;            /* warnings come from a load from YAML */
    int status;
    cr_session *s = open_session(o, d, &status);
    if (s == NULL)
        return load_failed(o, d, status);
    char *dir = datadir();
    char *essay = xasprintf("%s/" ESSAY, dir);
    cr_lint_warnings(cr_session_kb(s), cr_session_corpus(s), essay, d);
    cr_engine_cycles(cr_session_kb(s), d);
    free(essay);
    free(dir);
    int warnings = cr_diag_len(d) - cr_diag_errors(d);
    cr_print_diag(d);
    drop_session(s);
    if (warnings)
        fprintf(stderr, "crossroads: %d warning%s\n", warnings,
                warnings == 1 ? "" : "s");
    else
        fprintf(stderr, "crossroads: rule files are clean\n");
    return warnings && o->strict ? EXIT_RUNTIME : EXIT_ANSWERED;
}

/* test: run the examples of the named rule files (of every file when
 * none is named).  0 all pass, 1 failures, 2 rule-file errors. */
static int cmd_test(options *o, char **files, int n, cr_diag *d)
{
    add_rule_files(o, files, n);
    o->no_cache = 1;
    int status;
    cr_session *s = open_session(o, d, &status);
    if (s == NULL)
        return load_failed(o, d, status);
    char *dir = datadir();
    char *essay = xasprintf("%s/" ESSAY, dir);
    int npaths;     /* the files the session read, not listed again */
    const char *const *paths = cr_session_rule_paths(s, &npaths);
    cr_buf out = {0};
    int failures = cr_test_examples(cr_session_kb(s), essay, paths, npaths,
                                    (const char *const *)files, n, &out, d);
    fputs(out.s ? out.s : "", stdout);
    cr_print_diag(d);
    cr_buf_free(&out);
    free(essay);
    free(dir);
    drop_session(s);
    return failures < 0 ? EXIT_USAGE : failures ? EXIT_RUNTIME
                                                : EXIT_ANSWERED;
}

static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col > 100 ? 100 : ws.ws_col;
    return 80;
}

static int parse_args(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"json", no_argument, NULL, 'j'},
        {"explain", no_argument, NULL, 'e'},
        {"stats", no_argument, NULL, 'S'},
        {"no-cache", no_argument, NULL, 'C'},
        {"no-user-rules", no_argument, NULL, 'U'},
        {"strict", no_argument, NULL, 's'},
        {"fact", required_argument, NULL, 'f'},
        {"rules", required_argument, NULL, 'r'},
        {"profile", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+jesf:r:p:hV", longs, NULL)) != -1) {
        switch (c) {
        case 'j':
            o->json = 1;
            break;
        case 'e':
            o->explain = 1;
            break;
        case 'S':
            o->stats = 1;
            break;
        case 'C':
            o->no_cache = 1;
            break;
        case 'U':
            o->no_user_rules = 1;
            break;
        case 's':
            o->strict = 1;
            break;
        case 'f':
            o->facts = xreallocarray(o->facts, (size_t)o->nfacts + 1,
                                     sizeof *o->facts);
            o->facts[o->nfacts++] = optarg;
            break;
        case 'r':
            o->rules = xreallocarray(o->rules, (size_t)o->nrules + 1,
                                     sizeof *o->rules);
            o->rules[o->nrules++] = optarg;
            break;
        case 'p':
            o->profile = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_ANSWERED;
        case 'V':
            printf("crossroads %s\n", PACKAGE_VERSION);
            return EXIT_ANSWERED;
        default:
            fprintf(stderr, "Try 'crossroads --help'.\n");
            return EXIT_USAGE;
        }
    }
    return -1;
}

/* Answer the question in args, or hold a conversation (a consultation
 * alone, if decide): at a prompt on a terminal, else line by line. */
static int converse(cr_session *s, const options *o,
                    const cr_console_opts *co, char **args, int nargs,
                    int decide)
{
    cr_console *c = cr_console_new(s, stdout, co);
    if (c == NULL)
        return EXIT_USAGE;
    if (decide)
        cr_console_decide_only(c);
    int status;
    if (state_facts(c, o) < 0) {        /* after the profile: they win */
        status = EXIT_USAGE;
    } else if (decide && cr_console_decide(c) != CR_LINE_OK) {
        status = EXIT_RUNTIME;
    } else if (nargs > 0 && !decide) {
        char *q = join_words(args, nargs);
        status = cmd_ask(c, q);
        free(q);
    } else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !co->json) {
        cr_session_jit(s);
        status = cr_repl_terminal(c);
    } else {
        cr_session_jit(s);
        status = cr_repl_pipe(c, stdin);
    }
    cr_console_free(c);
    return status;
}

static int run(int argc, char **argv, options *o, cr_diag *d)
{
    char **args = argv + optind;
    int nargs = argc - optind;
    int dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
    if (!dashdash && nargs > 0 && strcmp(args[0], "lint") == 0)
        return cmd_lint(o, args + 1, nargs - 1, d);
    if (!dashdash && nargs > 0 && strcmp(args[0], "test") == 0)
        return cmd_test(o, args + 1, nargs - 1, d);
    int status = !dashdash && nargs > 0 ? check_words(args, nargs) : -1;
    if (status >= 0)
        return status;
    cr_console_opts co = {.json = o->json, .explain = o->explain,
                          .stats = o->stats, .profile = o->profile};
    if (isatty(STDOUT_FILENO)) {
        const char *nc = getenv("NO_COLOR");
        co.color = !(nc && *nc) && !o->json;
        co.width = terminal_width();
    }
    cr_session *s = open_session(o, d, &status);
    if (s == NULL)
        return load_failed(o, d, status);
    if (!dashdash && nargs == 1 && strcmp(args[0], "sections") == 0) {
        status = cmd_sections(s);
    } else if (!dashdash && nargs == 2 && strcmp(args[0], "section") == 0) {
        status = cmd_section(s, args[1], co.width);
    } else {
        int decide = !dashdash && nargs == 1 &&
                     strcmp(args[0], "decide") == 0;
        status = converse(s, o, &co, args, nargs, decide);
    }
    drop_session(s);
    return status;
}

int main(int argc, char **argv)
{
    options o = {0};
    cr_diag *d = cr_diag_new();
    int status = parse_args(argc, argv, &o);
    if (status < 0)
        status = run(argc, argv, &o, d);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "crossroads: cannot write the answer: %s\n",
                strerror(errno));
        status = EXIT_RUNTIME;
    }
    free(o.rules);
    free(o.facts);
    cr_diag_free(d);
    return status;
}
