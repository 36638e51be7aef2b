/* check_rulepath.c - where rule files come from, and in which order. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rulepath.h"
#include "testutil.h"

static char dir[] = "/tmp/cr-check-rulepath-XXXXXX";
static cr_diag *d;

static char *under(const char *rel)
{
    return xasprintf("%s/%s", dir, rel);
}

static void make_dir(const char *rel)
{
    char *p = under(rel);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    free(p);
}

static void make_file(const char *rel)
{
    char *p = under(rel);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    free(p);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    d = cr_diag_new();
}

static void teardown(void)
{
    cr_diag_free(d);
    char *cmd = xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    strcpy(dir + strlen(dir) - 6, "XXXXXX");
}

/* The list for env, its entries relative to dir joined by spaces (or
 * "NULL"), then each diagnostic, formatted, after a " | ". */
static char *list(const cr_rulepath_env *env)
{
    int n;
    char **v = cr_rulepath_list(env, &n, d);
    cr_buf b = {0};
    size_t skip = strlen(dir) + 1;
    if (v == NULL)
        cr_buf_puts(&b, "NULL");
    for (int i = 0; v && i < n; i++)
        cr_buf_printf(&b, "%s%s", i ? " " : "",
                      strncmp(v[i], dir, skip - 1) == 0 ? v[i] + skip : v[i]);
    for (int i = 0; i < cr_diag_len(d); i++) {
        char *line = cr_diag_format(cr_diag_get(d, i));
        char *at = strstr(line, dir);
        cr_buf_printf(&b, " | %s", at ? at + skip : line);
        free(line);
    }
    cr_rulepath_free(v, n);
    cr_diag_clear(d);
    return cr_buf_take(&b);
}

#define EXPECT(env, want)                                                  \
    do {                                                                   \
        char *got_ = list(env);                                            \
        ck_assert_str_eq(got_, want);                                      \
        free(got_);                                                        \
    } while (0)

START_TEST(test_order)
{
    make_dir("etc");
    make_dir("etc/rules.d");
    make_dir("config");
    make_dir("config/crossroads");
    make_dir("config/crossroads/rules.d");
    make_file("a.yaml");
    make_dir("b");
    char *sys = under("etc"), *xdg = under("config");
    char *var = xasprintf("%s/a.yaml::%s/b:", dir, dir);
    const char *extra[] = {"x.yaml", "y"};
    cr_rulepath_env env = {"builtin", sys, xdg, "/nowhere", var, extra, 2};
    EXPECT(&env, "builtin etc/rules.d config/crossroads/rules.d "
                 "a.yaml b x.yaml y");
    free(sys);
    free(xdg);
    free(var);
}
END_TEST

START_TEST(test_missing_folders_are_fine)
{
    char *sys = under("etc"), *home = under("home");
    cr_rulepath_env env = {"builtin", sys, NULL, home, "", NULL, 0};
    EXPECT(&env, "builtin");
    env.confdir = NULL;
    env.home = NULL;
    EXPECT(&env, "builtin");
    free(sys);
    free(home);
}
END_TEST

START_TEST(test_user_folder)
{
    cr_rulepath_env env = {"builtin", NULL, "/x", "/home/me", NULL, NULL,
                           0};
    char *p = cr_rulepath_user(&env);
    ck_assert_str_eq(p, "/x/crossroads/rules.d");
    free(p);
    env.xdg_config_home = "relative/ignored";
    p = cr_rulepath_user(&env);
    ck_assert_str_eq(p, "/home/me/.config/crossroads/rules.d");
    free(p);
    env.xdg_config_home = "";
    env.home = "";
    ck_assert_ptr_null(cr_rulepath_user(&env));
    /* ~/.config/crossroads/rules.d is found through HOME. */
    make_dir(".config");
    make_dir(".config/crossroads");
    make_dir(".config/crossroads/rules.d");
    env.home = dir;
    EXPECT(&env, "builtin .config/crossroads/rules.d");
}
END_TEST

START_TEST(test_path_variable_entry_missing)
{
    make_file("a.yaml");
    char *var = xasprintf("%s/a.yaml:%s/nope.yaml", dir, dir);
    cr_rulepath_env env = {"builtin", NULL, NULL, NULL, var, NULL, 0};
    EXPECT(&env, "NULL | nope.yaml: error: cannot read: No such file or "
                 "directory (named in CROSSROADS_RULES_PATH)");
    free(var);
}
END_TEST

START_TEST(test_folder_that_is_a_file)
{
    make_dir("config");
    make_dir("config/crossroads");
    make_file("config/crossroads/rules.d");
    char *xdg = under("config");
    cr_rulepath_env env = {"builtin", NULL, xdg, NULL, NULL, NULL, 0};
    EXPECT(&env, "NULL | config/crossroads/rules.d: error: not a folder "
                 "(rule files go in a folder of this name)");
    free(xdg);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("rulepath");
    TCase *tc = tcase_create("rulepath");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_order);
    tcase_add_test(tc, test_missing_folders_are_fine);
    tcase_add_test(tc, test_user_folder);
    tcase_add_test(tc, test_path_variable_entry_missing);
    tcase_add_test(tc, test_folder_that_is_a_file);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    return cr_run_suite(suite());
}
