/* check_loader.c - the rule-file loader and its diagnostics. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "kb.h"
#include "loader.h"
#include "testutil.h"

static cr_corpus *corpus;
static cr_kb *kb;
static cr_diag *d;

static void setup(void)
{
    char *path = cr_test_path(CR_TEST_ESSAY);
    corpus = cr_corpus_load(path, NULL);
    free(path);
    ck_assert_ptr_nonnull(corpus);
    kb = cr_kb_new();
    d = cr_diag_new();
}

static void teardown(void)
{
    cr_diag_free(d);
    cr_kb_free(kb);
    cr_corpus_free(corpus);
}

/* Load texts (up to a NULL) as a.yaml, b.yaml and so on, or text alone
 * as t.yaml, finish, and return every diagnostic, sorted, one per line;
 * the caller frees it. */
static char *load_files(const char *const *texts)
{
    cr_kb_free(kb);
    cr_diag_free(d);
    kb = cr_kb_new();
    d = cr_diag_new();
    for (int i = 0; texts[i]; i++) {
        char name[] = "a.yaml";
        name[0] = (char)('a' + i);
        cr_load_string(kb, texts[1] ? name : "t.yaml", texts[i],
                       strlen(texts[i]), d);
    }
    cr_kb_finish(kb, corpus, d);
    cr_diag_sort(d);
    cr_buf b = {0};
    for (int i = 0; i < cr_diag_len(d); i++) {
        char *s = cr_diag_format(cr_diag_get(d, i));
        cr_buf_printf(&b, "%s\n", s);
        free(s);
    }
    return cr_buf_take(&b);
}

static char *load(const char *text)
{
    const char *texts[] = {text, NULL};
    return load_files(texts);
}

#define EXPECT(text, want)                                                 \
    do {                                                                   \
        char *got_ = load(text);                                           \
        ck_assert_str_eq(got_, want);                                      \
        free(got_);                                                        \
    } while (0)

START_TEST(test_clean_file)
{
    EXPECT("concepts:\n"
           "  money: [pay, salary]\n"
           "facts:\n"
           "  goal: {type: choice, values: [academia, startup], prompt: Goal?}\n"
           "  papers: {type: number}\n"
           "intents:\n"
           "  - id: ask.pay\n"
           "    patterns: ['\\b{money}\\b']\n"
           "    examples: [what is the pay]\n"
           "extractors:\n"
           "  - id: x\n"
           "    pattern: 'I have (?<papers>\\d+) papers'\n"
           "rules:\n"
           "  - id: r\n"
           "    salience: 5\n"
           "    confidence: 0.5\n"
           "    when: {intent: ask.pay, papers: {'>=': 2}, not: {goal: startup}}\n"
           "    then: {answer: hello, cite: [pay], recommend: phd, ask: goal}\n",
           "");
    ck_assert_int_eq(cr_kb_nrules(kb), 1);
    const cr_rule *r = cr_kb_ruledef(kb, 0);
    ck_assert_str_eq(r->id, "r");
    ck_assert_int_eq(r->salience, 5);
    ck_assert(r->confidence == 0.5);
    ck_assert_int_eq(r->reco, CR_RECO_PHD);
    ck_assert_int_eq(r->cites[0].section, cr_corpus_find(corpus, "pay"));
    ck_assert_int_eq(r->askfact, cr_kb_fact(kb, "goal"));
    ck_assert_int_eq(r->when->kind, CR_COND_ALL);
    ck_assert_int_eq(r->when->nkids, 3);
}
END_TEST

START_TEST(test_empty_file)
{
    EXPECT("", "");
    EXPECT("# only a comment\n", "");
}
END_TEST

START_TEST(test_syntax_error)
{
    EXPECT("rules:\n  - id: a\n    then: {answer: \"x}\n",
           "t.yaml:4:1: error: YAML syntax error: found unexpected end of "
           "stream while scanning a quoted scalar (which starts at 3:20)\n");
}
END_TEST

START_TEST(test_bad_indentation)
{
    EXPECT("rules:\n  - id: a\n   then: x\n",
           "t.yaml:3:4: error: YAML syntax error: did not find expected '-' "
           "indicator while parsing a block collection (which starts at "
           "2:3)\n");
}
END_TEST

START_TEST(test_unknown_anchor)
{
    EXPECT("rules:\n  - id: r\n    then:\n      answer: x\n      cite: [pay, advisr]\n",
           "t.yaml:5:19: error: no section 'advisr' in the essay (did you "
           "mean 'advisor'?)\n");
}
END_TEST

START_TEST(test_bad_regex_single_quoted)
{
    EXPECT("intents:\n  - id: a\n    patterns: ['\\bfoo(bar']\n",
           "t.yaml:3:26: error: invalid regular expression: missing closing "
           "parenthesis\n");
}
END_TEST

START_TEST(test_bad_regex_double_quoted)
{
    /* Escapes in the source: the column is that of the offending
     * character as typed, not as decoded. */
    EXPECT("intents:\n  - id: a\n    patterns: [\"\\\\d\\\\d(?<\\\\d)\"]\n",
           "t.yaml:3:26: error: invalid regular expression: subpattern name "
           "expected\n");
}
END_TEST

START_TEST(test_bad_regex_folded)
{
    EXPECT("intents:\n  - id: q\n    patterns:\n      - >-\n        abc\n"
           "        (def\n",
           "t.yaml:6:13: error: invalid regular expression: missing closing "
           "parenthesis\n");
}
END_TEST

START_TEST(test_bad_regex_after_concept)
{
    /* An error after an expanded concept still points into the source. */
    EXPECT("concepts:\n  m: [pay, salary]\n"
           "intents:\n  - id: a\n    patterns: ['{m} x{2,1}']\n",
           "t.yaml:5:26: error: invalid regular expression: numbers out of "
           "order in {} quantifier\n");
}
END_TEST

START_TEST(test_unknown_concept)
{
    EXPECT("intents:\n  - id: a\n    patterns: ['\\b{mony}\\b']\n",
           "t.yaml:3:20: error: unknown concept 'mony'\n");
}
END_TEST

START_TEST(test_unknown_keys)
{
    EXPECT("rules:\n  - id: r2\n    whne: {intent: x}\n    then: {answer: x, recomend: phd}\n",
           "t.yaml:3:5: error: unknown key 'whne' in a rule (did you mean "
           "'when'?)\n"
           "t.yaml:4:23: error: unknown key 'recomend' in then (did you mean "
           "'recommend'?)\n");
    EXPECT("rulez: []\n",
           "t.yaml:1:1: error: unknown key 'rulez' in a rule file (did you "
           "mean 'rules'?)\n");
}
END_TEST

START_TEST(test_wrong_types)
{
    EXPECT("rules: {id: r}\n",
           "t.yaml:1:8: error: rules must be a list, not a mapping\n");
    EXPECT("intents:\n  - id: a\n    patterns: {x: y}\n",
           "t.yaml:3:15: error: patterns must be a list, not a mapping\n");
    EXPECT("rules:\n  - id: r\n    salience: high\n    then: {answer: x}\n",
           "t.yaml:3:15: error: salience must be a number from -10000 to "
           "10000\n");
}
END_TEST

START_TEST(test_facts_checked)
{
    EXPECT("facts:\n  goal: {values: [a, b]}\n  n: {type: number}\n"
           "rules:\n  - id: r\n    when: {goal: c, n: {'<': many}, gaol: a}\n"
           "    then: {answer: x}\n",
           "t.yaml:6:18: error: 'c' is not a value of fact 'goal' (one of: "
           "a, b)\n"
           "t.yaml:6:30: error: 'many' is not a number, as fact 'n' needs\n"
           "t.yaml:6:37: error: undeclared fact 'gaol' (did you mean "
           "'goal'?)\n");
    EXPECT("facts:\n  g: {values: [a]}\n"
           "rules:\n  - id: r\n    when: {g: {'<': a}}\n    then: {answer: x}\n",
           "t.yaml:5:12: error: fact 'g' is a choice: it cannot be compared "
           "with < or >\n");
}
END_TEST

/* A fact's value at the start must be one it can take. */
START_TEST(test_fact_values_checked)
{
    EXPECT("facts:\n  n: {type: number, value: 0x10}\n"
           "  ok: {type: boolean, value: maybe}\n"
           "  g: {values: [a, b], value: c}\n"
           "  h: {values: [a, b], value: [a]}\n"
           "  fine: {type: number, value: 2.5}\n",
           "t.yaml:2:28: error: '0x10' is not a value of fact 'n' (a number)\n"
           "t.yaml:3:30: error: 'maybe' is not a value of fact 'ok' (yes or "
           "no)\n"
           "t.yaml:4:30: error: 'c' is not a value of fact 'g' (one of its "
           "values)\n"
           "t.yaml:5:30: error: a fact's value must be a scalar, not a "
           "list\n");
}
END_TEST

START_TEST(test_unknown_intent)
{
    EXPECT("rules:\n  - id: r\n    when: {intent: ask.nothing}\n    then: {answer: x}\n",
           "t.yaml:3:20: error: unknown intent 'ask.nothing'\n");
}
END_TEST

START_TEST(test_duplicates)
{
    EXPECT("rules:\n  - id: r\n    then: {answer: x}\n  - id: r\n    then: {answer: y}\n",
           "t.yaml:4:5: error: duplicate rule 'r' (first defined at "
           "t.yaml:2:5)\n");
}
END_TEST

/* Two files, the second building on the first. */
#define EXPECT2(a, b, want)                                                \
    do {                                                                   \
        const char *texts_[] = {a, b, NULL};                               \
        char *got_ = load_files(texts_);                                   \
        ck_assert_str_eq(got_, want);                                      \
        free(got_);                                                        \
    } while (0)

static const char BASE[] =
    "concepts:\n"
    "  money: [pay]\n"
    "facts:\n"
    "  papers: {type: number}\n"
    "intents:\n"
    "  - id: ask.pay\n"
    "    topic: pay\n"
    "    patterns: ['\\b{money}\\b']\n"
    "    examples: [what is the pay]\n"
    "extractors:\n"
    "  - id: papers\n"
    "    pattern: 'I have (?<papers>\\d+) papers'\n"
    "rules:\n"
    "  - id: phd.pay\n"
    "    when: {intent: ask.pay}\n"
    "    then: {answer: Built-in pay., cite: pay}\n"
    "  - id: phd.other\n"
    "    when: {intent: ask.pay}\n"
    "    then: {answer: Other.}\n";

START_TEST(test_duplicate_across_files)
{
    EXPECT2(BASE, "rules:\n  - id: phd.pay\n    then: {answer: y}\n",
            "b.yaml:2:5: error: duplicate rule 'phd.pay' (first defined at "
            "a.yaml:14:5); to replace it, say 'override: true'\n");
    EXPECT2(BASE, "facts:\n  papers: {type: number}\n",
            "b.yaml:2:3: error: duplicate fact 'papers' (first defined at "
            "a.yaml:4:3)\n");
}
END_TEST

START_TEST(test_override_rule)
{
    EXPECT2(BASE, "rules:\n"
                  "  - id: phd.pay\n"
                  "    override: true\n"
                  "    when: {intent: ask.pay}\n"
                  "    then: {answer: Mine., cite: intern}\n", "");
    ck_assert_int_eq(cr_kb_nrules(kb), 2);
    const cr_rule *r = cr_kb_ruledef(kb, 0);    /* in the first one's place */
    ck_assert_str_eq(r->id, "phd.pay");
    ck_assert_str_eq(r->answer, "Mine.");
    ck_assert_str_eq(r->loc.file, "b.yaml");
    ck_assert_int_eq(cr_kb_rule(kb, "phd.pay"), 0);
    ck_assert_int_eq(r->cites[0].section, cr_corpus_find(corpus, "intern"));
}
END_TEST

START_TEST(test_override_intent_and_extractor)
{
    EXPECT2(BASE, "intents:\n"
                  "  - id: ask.pay\n"
                  "    override: true\n"
                  "    patterns: ['\\bstipend\\b']\n"
                  "    examples: [what is the stipend]\n"
                  "extractors:\n"
                  "  - id: papers\n"
                  "    override: true\n"
                  "    pattern: '(?<papers>\\d+) publications'\n", "");
    const cr_intent *in = cr_kb_intentdef(kb, cr_kb_intent(kb, "ask.pay"));
    ck_assert_int_eq(in->npatterns, 1);
    ck_assert_str_eq(in->patterns[0].src, "\\bstipend\\b");
    ck_assert_ptr_null(in->topic);
    ck_assert_int_eq(cr_kb_nextractors(kb), 1);
    ck_assert_str_eq(cr_kb_extractor(kb, 0)->pattern.src,
                     "(?<papers>\\d+) publications");
}
END_TEST

START_TEST(test_override_nothing)
{
    EXPECT2(BASE, "rules:\n"
                  "  - id: phd.pya\n"
                  "    override: true\n"
                  "    then: {answer: Mine.}\n"
                  "intents:\n"
                  "  - {id: ask.new, override: true, patterns: [new]}\n"
                  "concepts:\n"
                  "  mony: {words: [cash], extend: true}\n"
                  "  cash: {words: [cash], extend: yes}\n",
            "b.yaml:2:5: error: cannot override rule 'phd.pya': no rule "
            "'phd.pya' is loaded before it (did you mean 'phd.pay'?)\n"
            "b.yaml:6:5: error: cannot override intent 'ask.new': no intent "
            "'ask.new' is loaded before it (did you mean 'ask.pay'?)\n"
            "b.yaml:8:3: error: cannot extend concept 'mony': no concept "
            "'mony' is loaded before it (did you mean 'money'?)\n"
            "b.yaml:9:33: error: extend must be true or false\n");
}
END_TEST

START_TEST(test_override_and_extend_exclusive)
{
    EXPECT2(BASE, "intents:\n"
                  "  - {id: ask.pay, override: true, extend: true, "
                  "patterns: [x]}\n",
            "b.yaml:2:43: error: override and extend exclude each other\n");
    EXPECT2(BASE, "rules:\n"
                  "  - {id: phd.pay, extend: true, then: {answer: x}}\n",
            "b.yaml:2:5: error: duplicate rule 'phd.pay' (first defined at "
            "a.yaml:14:5); to replace it, say 'override: true'\n"
            "b.yaml:2:19: error: unknown key 'extend' in a rule\n");
}
END_TEST

START_TEST(test_extend_concept_and_intent)
{
    EXPECT2(BASE, "concepts:\n"
                  "  money: {words: [salary, stipend], extend: true}\n"
                  "intents:\n"
                  "  - id: ask.pay\n"
                  "    extend: true\n"
                  "    patterns: ['\\bfunded\\b']\n"
                  "    examples: [is it funded, what is the salary]\n"
                  "  - id: ask.pay\n"
                  "    extend: true\n"
                  "    examples: [how much is the stipend]\n", "");
    const cr_concept *c = cr_kb_concept(kb, 0);
    ck_assert_int_eq(c->nwords, 3);
    ck_assert_str_eq(c->words[2], "stipend");
    ck_assert_str_eq(c->loc.file, "a.yaml");
    const cr_intent *in = cr_kb_intentdef(kb, cr_kb_intent(kb, "ask.pay"));
    ck_assert_int_eq(in->npatterns, 2);
    ck_assert_int_eq(in->nexamples, 4);
    ck_assert_str_eq(in->topic, "pay");
    ck_assert_str_eq(in->examples[3].loc.file, "b.yaml");
    ck_assert_ptr_nonnull(in->patterns[1].re);
    EXPECT2(BASE, "intents:\n"
                  "  - {id: ask.pay, extend: true, topic: t}\n",
            "b.yaml:2:5: error: an extension of intent 'ask.pay' adds "
            "patterns and examples only\n");
}
END_TEST

START_TEST(test_disable)
{
    EXPECT2(BASE, "disable:\n"
                  "  rules: [phd.pay]\n"
                  "  intents: ask.pay\n"
                  "  extractors: [papers]\n", "");
    ck_assert_int_eq(cr_kb_nrules(kb), 1);
    ck_assert_str_eq(cr_kb_ruledef(kb, 0)->id, "phd.other");
    ck_assert_int_eq(cr_kb_rule(kb, "phd.other"), 0);
    ck_assert_int_eq(cr_kb_rule(kb, "phd.pay"), -1);
    ck_assert_int_eq(cr_kb_nextractors(kb), 0);
    /* The intent stays, empty, for phd.other's condition. */
    const cr_intent *in = cr_kb_intentdef(kb, cr_kb_intent(kb, "ask.pay"));
    ck_assert(in->disabled);
    ck_assert_int_eq(in->npatterns, 0);
    ck_assert_int_eq(in->nexamples, 0);
    ck_assert_ptr_null(in->topic);
}
END_TEST

START_TEST(test_disable_unknown)
{
    EXPECT2(BASE, "disable:\n"
                  "  rules: [phd.pya, nothing.like.it]\n"
                  "  intent: [ask.pay]\n",
            "b.yaml:2:11: error: cannot disable rule 'phd.pya': no rule "
            "'phd.pya' is loaded before it (did you mean 'phd.pay'?)\n"
            "b.yaml:2:20: error: cannot disable rule 'nothing.like.it': no "
            "rule 'nothing.like.it' is loaded before it\n"
            "b.yaml:3:3: error: unknown key 'intent' in disable (did you "
            "mean 'intents'?)\n");
}
END_TEST

START_TEST(test_disabled_name_is_free)
{
    const char *texts[] = {
        BASE,
        "disable: {rules: [phd.pay], intents: [ask.pay]}\n",
        "intents:\n"
        "  - {id: ask.pay, patterns: [salary], examples: [salary]}\n"
        "rules:\n"
        "  - {id: phd.pay, when: {intent: ask.pay}, then: {answer: New.}}\n",
        "disable: {intents: [ask.pay]}\n",
        "intents:\n"
        "  - {id: ask.pay, extend: true, examples: [x]}\n",
        NULL};
    char *got = load_files(texts);
    ck_assert_str_eq(got, "e.yaml:2:5: error: cannot extend intent "
                          "'ask.pay': no intent 'ask.pay' is loaded before "
                          "it\n");
    free(got);
    texts[3] = NULL;
    got = load_files(texts);
    ck_assert_str_eq(got, "");
    free(got);
    ck_assert_int_eq(cr_kb_nrules(kb), 2);
    ck_assert_str_eq(cr_kb_ruledef(kb, 1)->answer, "New.");
    const cr_intent *in = cr_kb_intentdef(kb, cr_kb_intent(kb, "ask.pay"));
    ck_assert(!in->disabled);
    ck_assert_str_eq(in->loc.file, "c.yaml");
}
END_TEST

START_TEST(test_alias_refused)
{
    EXPECT("a: &x [1]\nb: *x\n",
           "t.yaml:2:4: error: YAML aliases are not allowed in rule files\n");
}
END_TEST

START_TEST(test_deep_nesting_refused)
{
    cr_buf b = {0};
    for (int i = 0; i < 100; i++)
        cr_buf_putc(&b, '[');
    char *got = load(b.s);
    ck_assert_ptr_nonnull(strstr(got, "nested deeper than 64 levels"));
    free(got);
    cr_buf_free(&b);
}
END_TEST

START_TEST(test_every_error_reported)
{
    char *got = load("intents:\n  - id: a\n    patterns: ['(']\n"
                     "  - id: b\n    patterns: ['[']\n"
                     "rules:\n  - id: r\n    then: {answer: x, cite: [nope]}\n"
                     "  - id: s\n    then: {}\n");
    int lines = 0;
    for (const char *p = got; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 4);
    free(got);
}
END_TEST

START_TEST(test_missing_file)
{
    ck_assert_int_eq(cr_load_path(kb, "/nonexistent/rules.yaml", d), 1);
    char *s = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_str_eq(s, "/nonexistent/rules.yaml: error: cannot read: No "
                        "such file or directory");
    free(s);
}
END_TEST

/* A file reached twice, by its folder and by its name, is read once. */
START_TEST(test_file_read_once)
{
    char dir[] = "/tmp/crossroads-once-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *fixtures = cr_test_path("tests/fixtures");
    char *target = xasprintf("%s/mine.yaml", fixtures);
    char *link = xasprintf("%s/mine.yaml", dir);
    char *file = xasprintf("%s/../fixtures/mine.yaml", fixtures);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(cr_load_path(kb, dir, d), 0);
    ck_assert_int_eq(cr_load_path(kb, file, d), 0);
    ck_assert_int_eq(cr_diag_len(d), 0);
    ck_assert_int_ge(cr_kb_rule(kb, "mine.sabbatical"), 0);
    unlink(link);
    rmdir(dir);
    free(link);
    free(target);
    free(fixtures);
    free(file);
}
END_TEST

START_TEST(test_builtin_rules_clean)
{
    char *dir = cr_test_path("rules");
    ck_assert_int_eq(cr_load_path(kb, dir, d), 0);
    ck_assert_int_eq(cr_kb_finish(kb, corpus, d), 0);
    ck_assert_int_gt(cr_kb_nrules(kb), 4);
    /* Every section with text of its own is cited by some rule. */
    cr_kb_uncited(kb, corpus, "essay.md", d);
    ck_assert_int_eq(cr_diag_len(d), 0);
    free(dir);
}
END_TEST

START_TEST(test_uncited_sections_warned)
{
    EXPECT("", "");
    cr_kb_uncited(kb, corpus, "essay.md", d);
    /* 34 sections, less the table of contents and the empty heading. */
    ck_assert_int_eq(cr_diag_len(d), 32);
    ck_assert_int_eq(cr_diag_errors(d), 0);
    char *s = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_str_eq(s, "essay.md:10:1: warning: no rule cites section "
                        "'introduction'");
    free(s);
}
END_TEST

/* Parts whose strings and arrays lie in a block the kb adopted (as the
 * cache's do) are freed with the block, never one by one, whether the
 * kb keeps them, drops them as duplicates or extends them; an extended
 * array moves out of the block.  A wrong free() aborts here, or shows
 * under valgrind and ASan. */
/* A pattern's places, kept as runs, come back exactly: random sources
 * (with UTF-8 continuation bytes) and places that now follow on, now
 * jump (a new line, an escape, a column skipped). */
START_TEST(test_pattern_places_round_trip)
{
    enum { LEN = 64 };
    srand(7);
    for (int round = 0; round < 500; round++) {
        char src[LEN + 1];
        cr_loc pos[LEN + 1];
        size_t len = (size_t)(rand() % LEN);
        for (size_t k = 0; k < len; k++)
            src[k] = rand() % 4 ? (char)('a' + rand() % 26)
                                : (char)(0x80 + rand() % 0x40);
        src[len] = '\0';
        int line = 1 + rand() % 5, col = 1 + rand() % 9;
        for (size_t k = 0; k <= len; k++) {
            if (k > 0) {
                col += (src[k - 1] & 0xC0) != 0x80;
                switch (rand() % 8) {
                case 0: line++, col = 1 + rand() % 9; break;
                case 1: col += 1 + rand() % 3; break;
                case 2: col -= col > 1; break;
                }
            }
            pos[k] = (cr_loc){"f.yaml", line, col};
        }
        cr_pattern p = {0};
        p.src = src;
        p.file = "f.yaml";
        p.runs = cr_pattern_runs(src, pos, len, &p.nruns);
        ck_assert_int_ge(p.nruns, 1);
        ck_assert_int_le(p.nruns, (int)len + 1);
        for (size_t k = 0; k <= len + 2; k++) {
            cr_loc l = cr_pattern_place(&p, k);
            const cr_loc *want = &pos[k > len ? len : k];
            ck_assert_str_eq(l.file, "f.yaml");
            ck_assert_int_eq(l.line, want->line);
            ck_assert_int_eq(l.col, want->col);
        }
        free(p.runs);
    }
}
END_TEST

START_TEST(test_adopted_parts)
{
    char *block = xcalloc(1, 256);
    cr_kb_adopt(kb, block, 256);
    char **words = (char **)block;      /* 16 pointers, then strings */
    char *text = block + 16 * sizeof(char *);
    strcpy(text, "color");
    strcpy(text + 8, "colou?r");
    strcpy(text + 16, "hue");
    strcpy(text + 24, "mood");
    cr_loc at = {cr_kb_intern(kb, "adopted.yaml"), 1, 1};
    words[0] = text + 8;
    cr_concept c = {text, words, 1, CR_MERGE_NEW, at};
    cr_kb_add_concept(kb, &c, d);
    cr_concept twin = {text, words + 1, 0, CR_MERGE_NEW, at};
    cr_kb_add_concept(kb, &twin, d);    /* a duplicate: dropped */
    char **more = xcalloc(2, sizeof *more);
    more[0] = xstrdup("tint");
    more[1] = text + 16;
    cr_concept ext = {xstrdup("color"), more, 2, CR_MERGE_EXTEND, at};
    cr_kb_add_concept(kb, &ext, d);
    cr_factdecl f = {text + 24, CR_BOOL, NULL, 0, NULL, NULL, at};
    cr_kb_add_fact(kb, &f, d);
    ck_assert_int_eq(cr_diag_len(d), 1);        /* the duplicate */
    const cr_concept *got = cr_kb_concept(kb, 0);
    ck_assert_int_eq(cr_kb_nconcepts(kb), 1);
    ck_assert_int_eq(got->nwords, 3);
    ck_assert_str_eq(got->words[0], "colou?r");
    ck_assert_str_eq(got->words[1], "tint");
    ck_assert_str_eq(got->words[2], "hue");
    ck_assert_int_ge(cr_kb_fact(kb, "mood"), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_clean_file);
    tcase_add_test(tc, test_pattern_places_round_trip);
    tcase_add_test(tc, test_empty_file);
    tcase_add_test(tc, test_syntax_error);
    tcase_add_test(tc, test_bad_indentation);
    tcase_add_test(tc, test_unknown_anchor);
    tcase_add_test(tc, test_bad_regex_single_quoted);
    tcase_add_test(tc, test_bad_regex_double_quoted);
    tcase_add_test(tc, test_bad_regex_folded);
    tcase_add_test(tc, test_bad_regex_after_concept);
    tcase_add_test(tc, test_unknown_concept);
    tcase_add_test(tc, test_unknown_keys);
    tcase_add_test(tc, test_wrong_types);
    tcase_add_test(tc, test_facts_checked);
    tcase_add_test(tc, test_fact_values_checked);
    tcase_add_test(tc, test_unknown_intent);
    tcase_add_test(tc, test_duplicates);
    tcase_add_test(tc, test_duplicate_across_files);
    tcase_add_test(tc, test_override_rule);
    tcase_add_test(tc, test_override_intent_and_extractor);
    tcase_add_test(tc, test_override_nothing);
    tcase_add_test(tc, test_override_and_extend_exclusive);
    tcase_add_test(tc, test_extend_concept_and_intent);
    tcase_add_test(tc, test_disable);
    tcase_add_test(tc, test_disable_unknown);
    tcase_add_test(tc, test_disabled_name_is_free);
    tcase_add_test(tc, test_alias_refused);
    tcase_add_test(tc, test_deep_nesting_refused);
    tcase_add_test(tc, test_every_error_reported);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_file_read_once);
    tcase_add_test(tc, test_builtin_rules_clean);
    tcase_add_test(tc, test_uncited_sections_warned);
    tcase_add_test(tc, test_adopted_parts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cr_run_suite(suite());
}
