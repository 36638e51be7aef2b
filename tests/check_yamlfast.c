/* check_yamlfast.c - the loader's fast YAML path against libyaml. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "xmalloc.h"
#include "yamldiff.h"

/* Texts in the subset: the fast path must take each, as libyaml does. */
static const char *const taken[] = {
    "",
    "# only a comment\n\n   \n",
    "a: 1\n",
    "a: 1",
    "a: 1\nb: two words  \nc: 'single'\nd: \"double\"\n",
    "key with spaces: value with spaces # and a comment\n",
    "a:\n  b:\n    c: deep\n  d: e\nf: g\n",
    "list:\n  - one\n  - two\n  -   three\n",
    "list:\n- one\n- two\nnext: key\n",
    "- a: 1\n  b: 2\n- c: 3\n",
    "- - x\n  - y\n- z\n",
    "-\n  a: 1\n-\n  - b\n",
    "a: {b: c, d: [e, f, {g: h}], 'i': \"j\"}\n",
    "a: []\nb: {}\nc: [ x , y ]\n",
    "rules:\n  - {id: r1, when: {c1: true}, then: {assert: {c2: true}}}\n"
    "  - {id: r2, when: {x3: {\">\": 50}, x4: 7}, then: {assert: {m1_0: true}}}\n",
    "p: '\\bit''s (?:a|b)\\b'\nq: \"tab\\tnew\\nquote\\\" slash\\/ back\\\\\"\n",
    "url: http://example.com:8080/x#frag\nratio: a:b\nlist: a, b, c\n",
    "neg: -5\nsal: -10\nfloat: 0.75\n",
    "word: caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 dash\n\xc3\xa9t\xc3\xa9: \xe2\x9c\x93\n",
    "a: 1 # c\n# between\n   # indented comment\nb: 2\n",
    "a:   # value below\n  b: 1\n",
    "  indented: root\n  second: key\n",
    "q: \"\"\nr: ''\n",
    "a: x#y\n",
    "a: |\n  one\n  two\n\n  four\nb: >-\n  folded\n  lines\n\n\n  apart\n",
    "a: >\n\n  after a blank\n  line  \nb: |+\n  kept\n\n\nc: 1\n",
    "- |\n  in a list\n- >-  # with a comment\n   deeper\n   text\n",
    "- a: |-\n    compact\n  b: 2\n",
    "a: |\n  no newline at the end",
    "a: >\n  x\n \n\n  y\n",
    "a: [b,\n  c, # a comment\n  {d: e,\n   f: g}]\nh: {i: j,\nk: l}\n",
    "a: [\n  b\n  ]\n",
};

/* Texts outside the subset (or errors): the fast path must refuse. */
static const char *const refused[] = {
    "a: |2\n   indentation indicator\n",
    "a: |\n  text\n    more indented\n",
    "a: >\nb: 1\n",
    "a: |\n     \n  wider blank line first\n",
    "a: >\n  x\n   \n  y\n",
    "a: plain\n  continued\n",
    "a: 'quoted\n  over lines'\n",
    "a: [b\n  c]\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a:\tb\n",
    "a: 1\r\n",
    "\xef\xbb\xbf" "a: 1\n",
    "---\na: 1\n",
    "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n",
    "a:\nb: 1\n",
    "? a\n: b\n",
    "a: \"\\x41\"\n",
    "a: [b, c, ]\n",
    "a: [b: c]\n",
    "a:\n  b: 1\n c: 2\n",
    "a: 1\n- b\n",
    "a: b: c\n",
    "a: 1\n  b: 2\n",
    "plain scalar\n",
    "[a, b]\n",
    "a: \xc2\x85\n",
    "a: \xff\n",
    "a: 'x'y\n",
    "- a\nb: 1\n",
};

START_TEST(test_taken)
{
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        char why[512];
        int accepted;
        int differs = yd_differs(taken[i], strlen(taken[i]), &accepted,
                                 why, sizeof why);
        ck_assert_msg(accepted, "refused: %s", taken[i]);
        ck_assert_msg(!differs, "%s\nin: %s", why, taken[i]);
    }
}
END_TEST

START_TEST(test_refused)
{
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        yd_events e = {0};
        cr_yf_sink sink = {yd_collect, &e};
        ck_assert_msg(!cr_yf_parse(refused[i], strlen(refused[i]), &sink),
                      "taken: %s", refused[i]);
        free(e.v);
        free(e.values.s);
    }
}
END_TEST

/* Every built-in rule file the fast path takes gives libyaml's events;
 * at least one of them is taken. */
START_TEST(test_builtin_rules)
{
    char *rules = cr_test_path("rules");
    DIR *dir = opendir(rules);
    ck_assert_ptr_nonnull(dir);
    int files = 0, takenfiles = 0;
    for (struct dirent *de; (de = readdir(dir)) != NULL;) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 5, ".yaml") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", rules, de->d_name);
        size_t len;
        char *text = cr_test_read(path, &len);
        char why[512];
        int accepted;
        ck_assert_msg(!yd_differs(text, len, &accepted, why, sizeof why),
                      "%s: %s", path, why);
        files++;
        takenfiles += accepted;
        free(text);
    }
    closedir(dir);
    free(rules);
    ck_assert_int_gt(files, 0);
    ck_assert_int_gt(takenfiles, 0);
}
END_TEST

/* Small random edits of the texts above, from an alphabet of YAML's
 * own characters: whatever the fast path takes, libyaml must read the
 * same.  (fuzz_yamlfast does the same at length.) */
START_TEST(test_random_edits)
{
    static const char alphabet[] = " \n:-#'\"{}[],&*!|>?%@\\abcxy01\t\xc3\xa9";
    srand(11);
    int accepted_count = 0;
    for (int round = 0; round < 20000; round++) {
        const char *base = taken[(size_t)rand() % (sizeof taken /
                                                   sizeof *taken)];
        char buf[512];
        size_t len = strlen(base);
        memcpy(buf, base, len);
        for (int edits = 1 + rand() % 3; edits > 0; edits--) {
            size_t at = len ? (size_t)rand() % (len + 1) : 0;
            char c = alphabet[(size_t)rand() % (sizeof alphabet - 1)];
            switch (rand() % 3) {
            case 0:                 /* insert */
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
                break;
            case 1:                 /* delete */
                if (at < len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
                break;
            default:                /* replace */
                if (at < len)
                    buf[at] = c;
            }
        }
        char why[512];
        int accepted;
        int differs = yd_differs(buf, len, &accepted, why, sizeof why);
        ck_assert_msg(!differs, "%s\nin: %.*s", why, (int)len, buf);
        accepted_count += accepted;
    }
    ck_assert_int_gt(accepted_count, 1000);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("yamlfast");
    TCase *tc = tcase_create("yamlfast");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_taken);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_builtin_rules);
    tcase_add_test(tc, test_random_edits);
    suite_add_tcase(su, tc);
    return cr_run_suite(su);
}
