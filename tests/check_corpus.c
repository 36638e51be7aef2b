/* check_corpus.c - the essay's sections, their plain text, and parsing
 * of odd input. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "testutil.h"

static cr_corpus *essay;

static void essay_setup(void)
{
    char *path = cr_test_path(CR_TEST_ESSAY);
    essay = cr_corpus_load(path, NULL);
    free(path);
    ck_assert_ptr_nonnull(essay);
}

static void essay_teardown(void)
{
    cr_corpus_free(essay);
    essay = NULL;
}

static const char *text_of(const char *anchor)
{
    int i = cr_corpus_find(essay, anchor);
    ck_assert_msg(i >= 0, "no section %s", anchor);
    return cr_corpus_text(essay, i);
}

/* Every section of the essay in order: anchor, level, parent's anchor. */
static const struct {
    const char *anchor;
    int level;
    const char *parent;
} sections[] = {
    { "introduction", 2, NULL },
    { "table-of-contents", 2, NULL },
    { "doing-a-phd", 2, NULL },
    { "what-is-a-phd", 3, "doing-a-phd" },
    { "phd-applications", 3, "doing-a-phd" },
    { "what-will-a-phd-provide-you", 3, "doing-a-phd" },
    { "things-to-consider", 3, "doing-a-phd" },
    { "school", 4, "things-to-consider" },
    { "advisor", 4, "things-to-consider" },
    { "postdocs", 4, "things-to-consider" },
    { "lab-alumni", 4, "things-to-consider" },
    { "research-topic", 4, "things-to-consider" },
    { "pay", 4, "things-to-consider" },
    { "maximize-the-journey", 3, "doing-a-phd" },
    { "give-talks", 4, "maximize-the-journey" },
    { "write", 4, "maximize-the-journey" },
    { "intern", 4, "maximize-the-journey" },
    { "network", 4, "maximize-the-journey" },
    { "phd-in-the-industry", 2, NULL },
    { "pros", 3, "phd-in-the-industry" },
    { "cons", 3, "phd-in-the-industry" },
    { "academic-vs-industry-research", 3, "phd-in-the-industry" },
    { "ai-residency-programs", 3, "phd-in-the-industry" },
    { "decision-algorithm", 2, NULL },
    { "thoughts", 3, "decision-algorithm" },
    { "look-for-exponential-growth", 3, "decision-algorithm" },
    { "opportunities-afterwards", 3, "decision-algorithm" },
    { "roles", 3, "decision-algorithm" },
    { "software-engineer", 4, "roles" },
    { "machine-learning-engineer", 4, "roles" },
    { "research-scientist", 4, "roles" },
    { "starting-a-company", 2, NULL },
    { "ai-tools-and-infrastructure", 2, NULL },
    { "conclusion", 2, NULL },
};

START_TEST(test_sections)
{
    int n = (int)(sizeof sections / sizeof *sections);
    ck_assert_int_eq(n, 34);
    ck_assert_int_eq(cr_corpus_count(essay), n);
    for (int i = 0; i < n; i++) {
        int parent = sections[i].parent
            ? cr_corpus_find(essay, sections[i].parent) : -1;
        ck_assert_str_eq(cr_corpus_anchor(essay, i), sections[i].anchor);
        ck_assert_int_eq(cr_corpus_find(essay, sections[i].anchor), i);
        ck_assert_int_eq(cr_corpus_level(essay, i), sections[i].level);
        ck_assert_int_eq(cr_corpus_parent(essay, i), parent);
    }
    ck_assert_int_eq(cr_corpus_find(essay, "no-such-section"), -1);
    ck_assert_int_eq(cr_corpus_find(essay, NULL), -1);
}
END_TEST

START_TEST(test_headings_and_lines)
{
    ck_assert_str_eq(cr_corpus_heading(essay, 0), "Introduction");
    ck_assert_int_eq(cr_corpus_line(essay, 0), 10);
    int i = cr_corpus_find(essay, "academic-vs-industry-research");
    ck_assert_str_eq(cr_corpus_heading(essay, i), "Academic vs. Industry Research");
    ck_assert_int_eq(cr_corpus_line(essay, i), 191);
    i = cr_corpus_find(essay, "advisor");
    ck_assert_int_eq(cr_corpus_line(essay, i), 110);
    ck_assert_int_eq(cr_corpus_line(essay, cr_corpus_count(essay) - 1), 298);
}
END_TEST

START_TEST(test_title)
{
    ck_assert_str_eq(cr_corpus_title(essay),
                     "Choosing between a PhD in Computer Science and Industry");
}
END_TEST

START_TEST(test_path)
{
    char *p = cr_corpus_path(essay, cr_corpus_find(essay, "advisor"), " › ");
    ck_assert_str_eq(p, "Doing a PhD › Things to Consider › Advisor");
    free(p);
    p = cr_corpus_path(essay, cr_corpus_find(essay, "conclusion"), " › ");
    ck_assert_str_eq(p, "Conclusion");
    free(p);
    p = cr_corpus_path(essay, cr_corpus_find(essay, "pros"), "/");
    ck_assert_str_eq(p, "PhD in the Industry/Pros");
    free(p);
}
END_TEST

/* No section keeps markup, and the layout rules hold everywhere. */
START_TEST(test_plain_everywhere)
{
    for (int i = 0; i < cr_corpus_count(essay); i++) {
        const char *t = cr_corpus_text(essay, i);
        size_t n = strlen(t);
        ck_assert_msg(strstr(t, "](") == NULL, "link in %d", i);
        ck_assert_msg(strstr(t, "</") == NULL && strstr(t, "<a ") == NULL
                      && strstr(t, "<img") == NULL && strstr(t, "&mdash;") == NULL,
                      "html in %d", i);
        ck_assert_msg(strchr(t, '`') == NULL, "backtick in %d", i);
        ck_assert_msg(strstr(t, "\n\n\n") == NULL, "two blank lines in %d", i);
        ck_assert_msg(strstr(t, " \n") == NULL, "trailing space in %d", i);
        ck_assert_msg(n == 0 || (t[0] != '\n' && t[0] != ' '
                                 && t[n - 1] != '\n' && t[n - 1] != ' '),
                      "leading or trailing space in %d", i);
    }
}
END_TEST

START_TEST(test_introduction)
{
    const char *t = text_of("introduction");
    ck_assert_msg(strncmp(t, "If your dream is to become", 26) == 0, "%s", t);
    ck_assert_ptr_nonnull(strstr(t, "tough career decision.\n\nDoing a PhD"));
    ck_assert_ptr_nonnull(strstr(t, "\n\nDisclaimer #1: I’ve been"));
    ck_assert_ptr_null(strstr(t, "layout: post"));
}
END_TEST

START_TEST(test_tweet)
{
    const char *t = text_of("machine-learning-engineer");
    ck_assert_ptr_nonnull(strstr(t, "As Chip Huyen said:\n\nMachine learning "
        "engineering is 10% machine learning and 90% engineering. — Chip Huyen "
        "(@chipro) October 12, 2020\n\nA machine learning engineer"));
    ck_assert_ptr_null(strstr(t, "twitter.com"));
    /* The only '<' left are the essay's own, in "SWE < MLE < Scientist". */
    ck_assert_ptr_nonnull(strstr(t, "\n\nSWE < MLE < Scientist\n\n"));
    for (const char *p = strchr(t, '<'); p; p = strchr(p + 1, '<'))
        ck_assert_msg(p[1] == ' ', "a tag is left: %.20s", p);
    t = text_of("ai-tools-and-infrastructure");
    ck_assert_ptr_nonnull(strstr(t, "AI systems:\nCreating AGI is, I think"));
    ck_assert_ptr_nonnull(strstr(t, "in the world.\n\nThe engineering challenges"));
    ck_assert_ptr_nonnull(strstr(t, "hear from you! — Sam Altman (@sama) March 18, 2022"));
    ck_assert_ptr_null(strchr(t, '<'));
    ck_assert_ptr_null(strstr(t, "ml-stack"));
}
END_TEST

START_TEST(test_links)
{
    const char *t = text_of("pay");
    ck_assert_ptr_nonnull(strstr(t, "usually close to minimum wage and is lower"));
    ck_assert_ptr_null(strstr(t, "]("));
    ck_assert_ptr_null(strstr(t, "http"));
    t = text_of("thoughts");
    ck_assert_ptr_nonnull(strstr(t, "MIT/Stanford (Karpathy's advice on Quora)."));
    t = text_of("starting-a-company");
    ck_assert_ptr_nonnull(strstr(t, "approach for this: “Do Things that Don’t Scale”."));
}
END_TEST

START_TEST(test_table_of_contents)
{
    const char *t = text_of("table-of-contents");
    ck_assert_ptr_null(strstr(t, "]("));
    ck_assert_ptr_null(strchr(t, '#'));
    ck_assert_msg(strncmp(t, "- Doing a PhD\n- What is a PhD?\n- PhD Applications\n", 50)
                  == 0, "%s", t);
    size_t n = strlen(t);
    ck_assert_str_eq(t + n - 13, "\n- Conclusion");
}
END_TEST

START_TEST(test_lists)
{
    ck_assert_ptr_nonnull(strstr(text_of("what-will-a-phd-provide-you"),
        "\n\nA PhD can be useful for:\n- Inventing new things\n"
        "- Asking the right questions\n"));
    ck_assert_ptr_nonnull(strstr(text_of("research-topic"),
        "questions:\n\n1) What’s the upper bound"));
    ck_assert_ptr_nonnull(strstr(text_of("research-topic"),
        "problems?\n2) What audience"));
    ck_assert_ptr_nonnull(strstr(text_of("conclusion"),
        "\n4. Plan, but don’t over-plan.\n5. You"));
    ck_assert_ptr_nonnull(strstr(text_of("cons"),
        "- Big constraints on the type of research"));
}
END_TEST

START_TEST(test_decision_algorithm_empty)
{
    ck_assert_str_eq(text_of("decision-algorithm"), "");
}
END_TEST

START_TEST(test_joined_lines)
{
    ck_assert_ptr_nonnull(strstr(text_of("look-for-exponential-growth"),
        "personally and professionally. Ask yourself:"));
}
END_TEST

static void slug_is(const char *heading, const char *want)
{
    char *s = cr_corpus_slug(heading);
    ck_assert_msg(strcmp(s, want) == 0, "slug of \"%s\" is \"%s\", not \"%s\"",
                  heading, s, want);
    free(s);
}

START_TEST(test_slug)
{
    slug_is("What is a PhD?", "what-is-a-phd");
    slug_is("Academic vs. Industry Research", "academic-vs-industry-research");
    slug_is("Machine Learning Engineer", "machine-learning-engineer");
    slug_is("Hello, World!", "hello-world");
    slug_is("It’s “quoted”", "its-quoted");
    slug_is("snake_case and dash-ed", "snake_case-and-dash-ed");
    slug_is("C++ & Rust (2024)", "c--rust-2024");
    slug_is("Ünïcode Straße", "Ünïcode-straße");
    slug_is("Emoji 🎉 party", "emoji--party");
    slug_is("", "");
    slug_is("...", "");
    slug_is("bad \xff\xfe bytes", "bad--bytes");
}
END_TEST

static cr_corpus *parse(const char *s)
{
    cr_corpus *c = cr_corpus_parse(s, strlen(s));
    ck_assert_ptr_nonnull(c);
    return c;
}

START_TEST(test_duplicate_anchors)
{
    cr_corpus *c = parse("## A\n## A\n## A-1\n## A\n### Introduction\n");
    static const char *const want[] = { "introduction", "a", "a-1", "a-1-1",
                                        "a-2", "introduction-1" };
    ck_assert_int_eq(cr_corpus_count(c), 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_str_eq(cr_corpus_anchor(c, i), want[i]);
        ck_assert_int_eq(cr_corpus_find(c, want[i]), i);
    }
    ck_assert_int_eq(cr_corpus_parent(c, 5), 4);
    cr_corpus_free(c);
}
END_TEST

START_TEST(test_inline)
{
    cr_corpus *c = parse("**bold** and *it* and __u__ and _e_, snake_case "
        "a_b_c 2 * 3 `a*b*` ![alt](x.png) [ref][1] &amp; &lt;&gt; &#39;x&#x41;"
        " &bogus; \\*lit\\* <https://x.y/z> <!-- gone --> a&nbsp;b "
        "<b>strong</b> [unterminated](\n");
    ck_assert_str_eq(cr_corpus_text(c, 0), "bold and it and u and e, snake_case "
        "a_b_c 2 * 3 a*b* alt ref & <> 'xA &bogus; *lit* https://x.y/z "
        "a b strong [unterminated](");
    cr_corpus_free(c);
}
END_TEST

START_TEST(test_blocks)
{
    cr_corpus *c = parse("---\ntitle: 'Single'\n---\nintro\n\n\n\n"
        "# Top\ntext\n```\n## not a heading\n\n  code  \n```\n"
        "> quoted\n> more\n\n* star\n+ plus\n---\nafter\n## Real ##\nbody\n");
    ck_assert_str_eq(cr_corpus_title(c), "Single");
    ck_assert_int_eq(cr_corpus_count(c), 2);
    ck_assert_int_eq(cr_corpus_line(c, 0), 4);
    ck_assert_str_eq(cr_corpus_text(c, 0), "intro\n\nTop\n\ntext\n\n"
        "## not a heading\n\n  code\n\nquoted more\n\n- star\n- plus\n\nafter");
    ck_assert_str_eq(cr_corpus_heading(c, 1), "Real");
    ck_assert_int_eq(cr_corpus_line(c, 1), 22);
    cr_corpus_free(c);
}
END_TEST

START_TEST(test_odd_inputs)
{
    cr_corpus *c = cr_corpus_parse("", 0);
    ck_assert_int_eq(cr_corpus_count(c), 1);
    ck_assert_str_eq(cr_corpus_anchor(c, 0), "introduction");
    ck_assert_str_eq(cr_corpus_text(c, 0), "");
    ck_assert_str_eq(cr_corpus_title(c), "");
    ck_assert_int_eq(cr_corpus_parent(c, 0), -1);
    cr_corpus_free(c);

    c = cr_corpus_parse(NULL, 0);
    ck_assert_int_eq(cr_corpus_count(c), 1);
    cr_corpus_free(c);

    c = parse("just\ntext\r\n\r\nno headings");
    ck_assert_int_eq(cr_corpus_count(c), 1);
    ck_assert_str_eq(cr_corpus_text(c, 0), "just text\n\nno headings");
    cr_corpus_free(c);

    c = parse("##");
    ck_assert_int_eq(cr_corpus_count(c), 2);
    ck_assert_str_eq(cr_corpus_heading(c, 1), "");
    ck_assert_int_eq(cr_corpus_level(c, 1), 2);
    ck_assert_str_eq(cr_corpus_text(c, 1), "");
    cr_corpus_free(c);

    c = parse("#### deep first\n## [link(\n");
    ck_assert_int_eq(cr_corpus_count(c), 3);
    ck_assert_int_eq(cr_corpus_parent(c, 1), -1);
    ck_assert_str_eq(cr_corpus_heading(c, 2), "[link(");
    ck_assert_str_eq(cr_corpus_anchor(c, 2), "link");
    cr_corpus_free(c);

    c = parse("---\ntitle: never closed\n## H\n");
    ck_assert_str_eq(cr_corpus_title(c), "");
    ck_assert_int_eq(cr_corpus_count(c), 2);
    cr_corpus_free(c);
}
END_TEST

/* A 1 MB line of pattern p, parsed as the body of one section. */
static cr_corpus *huge(const char *p, size_t *len)
{
    size_t n = 1 << 20, k = strlen(p);
    char *s = xmalloc(n + 8);
    memcpy(s, "## H\n", 5);
    for (size_t i = 5; i < n; i++)
        s[i] = p[(i - 5) % k];
    s[n] = '\n';
    cr_corpus *c = cr_corpus_parse(s, n + 1);
    free(s);
    ck_assert_int_eq(cr_corpus_count(c), 2);
    *len = strlen(cr_corpus_text(c, 1));
    return c;
}

START_TEST(test_huge_lines)
{
    static const char *const patterns[] = { "word ", "[", "]", "(", "[x](",
        "`", "``` ", "<a ", "<!--", "*", "_a ", "&#", "\\", "![", "*a_ ",
        "[a](b)", "<br>", "&amp;" };
    size_t len;
    for (size_t k = 0; k < sizeof patterns / sizeof *patterns; k++) {
        cr_corpus *c = huge(patterns[k], &len);
        ck_assert_msg(len > 0 || strchr("`<*_", patterns[k][0]),
                      "pattern %s lost everything", patterns[k]);
        cr_corpus_free(c);
    }
    cr_corpus *c = huge("word ", &len);
    ck_assert_uint_eq(len, (1 << 20) - 5);      /* ends in "w" */
    cr_corpus_free(c);
}
END_TEST

/* Links nested d deep whose parentheses match outward, each overlapping
 * the one around it, stay linear: "[x[x[x](](]()))" is "xxx". */
START_TEST(test_nested_links)
{
    size_t d = 1 << 18, n = 0;
    char *s = xmalloc(5 * d);
    for (size_t i = 0; i < d; i++) {
        s[n++] = '[';
        s[n++] = 'x';
    }
    for (size_t i = 0; i < d; i++) {
        s[n++] = ']';
        s[n++] = '(';
    }
    for (size_t i = 0; i < d; i++)
        s[n++] = ')';
    cr_corpus *c = cr_corpus_parse(s, n);
    const char *t = cr_corpus_text(c, 0);
    ck_assert_uint_eq(strspn(t, "x"), d);
    ck_assert_uint_eq(strlen(t), d);
    cr_corpus_free(c);
    free(s);
}
END_TEST

START_TEST(test_random_bytes)
{
    unsigned long seed = 12345;
    static const char alphabet[] = "#*_`[]()!<>&;-\\ \n\nab1\xe2\x80\x99\xff~\0\r";
    char buf[512];
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % 500) + 1;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ul + 1442695040888963407ul;
            buf[i] = (round & 1) ? (char)(seed >> 33)
                : alphabet[(seed >> 33) % (sizeof alphabet - 1)];
        }
        cr_corpus *c = cr_corpus_parse(buf, n);
        for (int i = 0; i < cr_corpus_count(c); i++) {
            const char *t = cr_corpus_text(c, i);
            size_t len = strlen(t);
            ck_assert_ptr_null(strstr(t, "\n\n\n"));
            ck_assert(len == 0 || (t[0] != '\n' && t[len - 1] != '\n'
                                   && t[len - 1] != ' '));
            ck_assert_int_eq(cr_corpus_find(c, cr_corpus_anchor(c, i)), i);
            ck_assert_int_lt(cr_corpus_parent(c, i), i);
            free(cr_corpus_path(c, i, " > "));
        }
        cr_corpus_free(c);
    }
}
END_TEST

START_TEST(test_load_missing)
{
    errno = 0;
    ck_assert_ptr_null(cr_corpus_load("/nonexistent/crossroads/essay.md", NULL));
    ck_assert_int_eq(errno, ENOENT);
    cr_corpus_free(NULL);
}
END_TEST

static Suite *corpus_suite(void)
{
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("essay");
    tcase_add_checked_fixture(tc, essay_setup, essay_teardown);
    tcase_add_test(tc, test_sections);
    tcase_add_test(tc, test_headings_and_lines);
    tcase_add_test(tc, test_title);
    tcase_add_test(tc, test_path);
    tcase_add_test(tc, test_plain_everywhere);
    tcase_add_test(tc, test_introduction);
    tcase_add_test(tc, test_tweet);
    tcase_add_test(tc, test_links);
    tcase_add_test(tc, test_table_of_contents);
    tcase_add_test(tc, test_lists);
    tcase_add_test(tc, test_decision_algorithm_empty);
    tcase_add_test(tc, test_joined_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_slug);
    tcase_add_test(tc, test_duplicate_anchors);
    tcase_add_test(tc, test_inline);
    tcase_add_test(tc, test_blocks);
    tcase_add_test(tc, test_odd_inputs);
    tcase_add_test(tc, test_huge_lines);
    tcase_add_test(tc, test_nested_links);
    tcase_add_test(tc, test_random_bytes);
    tcase_add_test(tc, test_load_missing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cr_run_suite(corpus_suite());
}
