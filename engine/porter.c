/* porter.c - the Porter stemmer as FTS5 applies it (see porter.h).
 *
 * Martin Porter's five steps, with the choices FTS5 makes where
 * versions of the algorithm differ: "logi" becomes "log" and "bli"
 * "ble" in step 2; a suffix is tried only when the word is longer than
 * it, and of the suffixes one step lists for a word's ending, only the
 * first that the word ends with is tried, whether or not its condition
 * then holds; and "y" counts as a vowel after a consonant when a stem's
 * measure is taken, but anywhere after the first letter when a stem is
 * only asked whether it has a vowel. */
#include "config.h"

#include <string.h>

#include "porter.h"

/* Is c a vowel, y counting as one when y_vowel? */
static int vowel(char c, int y_vowel)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
           (c == 'y' && y_vowel);
}

/* Just past the first vowel-then-consonant in z[0..n), or 0 if z has
 * none; cons says whether the letter before z is a consonant. */
static int past_vc(const char *z, int n, int cons)
{
    int i = 0;
    while (i < n && (cons = !vowel(z[i], cons)))
        i++;
    for (i++; i < n; i++)
        if ((cons = !vowel(z[i], cons)))
            return i + 1;
    return 0;
}

/* The measure m of the stem z[0..n), the number of its
 * vowel-consonant runs: whether it is above 0, above 1, or 1. */
static int m_over0(const char *z, int n)
{
    return past_vc(z, n, 0) != 0;
}

static int m_over1(const char *z, int n)
{
    int k = past_vc(z, n, 0);
    return k != 0 && past_vc(z + k, n - k, 1) != 0;
}

static int m_is1(const char *z, int n)
{
    int k = past_vc(z, n, 0);
    return k != 0 && past_vc(z + k, n - k, 1) == 0;
}

/* Does z[0..n) hold a vowel (y one after the first letter)? */
static int has_vowel(const char *z, int n)
{
    for (int i = 0; i < n; i++)
        if (vowel(z[i], i > 0))
            return 1;
    return 0;
}

/* Does z[0..n) end consonant, vowel, consonant, the last not w, x or
 * y (Porter's *o)? */
static int cvc(const char *z, int n)
{
    if (n < 3 || z[n - 1] == 'w' || z[n - 1] == 'x' || z[n - 1] == 'y')
        return 0;
    int cons = 0, mask = 0;
    for (int i = 0; i < n; i++) {
        cons = !vowel(z[i], cons);
        mask = (mask << 1 | cons) & 7;
    }
    return mask == 5;
}

static int m_over1_st(const char *z, int n)
{
    return n > 0 && (z[n - 1] == 's' || z[n - 1] == 't') && m_over1(z, n);
}

/* Does b[0..*k) end with s, and is it longer than s? */
static int ends(const char *b, int k, const char *s, int *n)
{
    *n = (int)strlen(s);
    return k > *n && memcmp(b + k - *n, s, (size_t)*n) == 0;
}

typedef struct rule {
    const char *from, *to;
    int (*cond)(const char *, int);
} rule;

/* Apply the first rule of r[] whose suffix b[0..*k) ends with, if its
 * condition holds of the stem before the suffix. */
static void apply(char *b, int *k, const rule *r)
{
    int n;
    for (; r->from != NULL; r++)
        if (ends(b, *k, r->from, &n))
            break;
    if (r->from == NULL || !r->cond(b, *k - n))
        return;
    size_t t = strlen(r->to);
    memcpy(b + *k - n, r->to, t);
    *k = *k - n + (int)t;
}

static const rule step2[] = {
    {"ational", "ate", m_over0}, {"tional", "tion", m_over0},
    {"enci", "ence", m_over0}, {"anci", "ance", m_over0},
    {"izer", "ize", m_over0}, {"logi", "log", m_over0},
    {"bli", "ble", m_over0}, {"alli", "al", m_over0},
    {"entli", "ent", m_over0}, {"eli", "e", m_over0},
    {"ousli", "ous", m_over0}, {"ization", "ize", m_over0},
    {"ation", "ate", m_over0}, {"ator", "ate", m_over0},
    {"alism", "al", m_over0}, {"iveness", "ive", m_over0},
    {"fulness", "ful", m_over0}, {"ousness", "ous", m_over0},
    {"aliti", "al", m_over0}, {"iviti", "ive", m_over0},
    {"biliti", "ble", m_over0}, {NULL, NULL, NULL},
};

static const rule step3[] = {
    {"ical", "ic", m_over0}, {"ness", "", m_over0},
    {"icate", "ic", m_over0}, {"iciti", "ic", m_over0},
    {"ful", "", m_over0}, {"ative", "", m_over0},
    {"alize", "al", m_over0}, {NULL, NULL, NULL},
};

static const rule step4[] = {
    {"al", "", m_over1}, {"ance", "", m_over1}, {"ence", "", m_over1},
    {"er", "", m_over1}, {"ic", "", m_over1}, {"able", "", m_over1},
    {"ible", "", m_over1}, {"ant", "", m_over1}, {"ement", "", m_over1},
    {"ment", "", m_over1}, {"ent", "", m_over1}, {"ion", "", m_over1_st},
    {"ou", "", m_over1}, {"ism", "", m_over1}, {"ate", "", m_over1},
    {"iti", "", m_over1}, {"ous", "", m_over1}, {"ive", "", m_over1},
    {"ize", "", m_over1}, {NULL, NULL, NULL},
};

/* Step 1a: plurals. */
static void step1a(const char *b, int *k)
{
    if (b[*k - 1] != 's')
        return;
    if (b[*k - 2] == 'e')
        *k -= (*k > 4 && b[*k - 4] == 's' && b[*k - 3] == 's') ||
              (*k > 3 && b[*k - 3] == 'i') ? 2 : 1;
    else if (b[*k - 2] != 's')
        (*k)--;
}

/* Step 1b: -eed, -ed, -ing, and what is left to tidy after the last
 * two. */
static void step1b(char *b, int *k)
{
    int n;
    if (ends(b, *k, "eed", &n)) {
        if (m_over0(b, *k - n))
            (*k)--;
        return;
    }
    if (!((ends(b, *k, "ed", &n) || ends(b, *k, "ing", &n)) &&
          has_vowel(b, *k - n)))
        return;
    *k -= n;
    if (ends(b, *k, "at", &n) || ends(b, *k, "bl", &n) ||
        ends(b, *k, "iz", &n)) {
        b[(*k)++] = 'e';
        return;
    }
    char c = b[*k - 1];
    if (!vowel(c, 0) && c != 'l' && c != 's' && c != 'z' && *k >= 2 &&
        c == b[*k - 2])
        (*k)--;
    else if (m_is1(b, *k) && cvc(b, *k))
        b[(*k)++] = 'e';
}

size_t cr_porter_stem(const char *w, size_t n, char *out)
{
    memcpy(out, w, n);
    if (n < 3 || n > CR_PORTER_MAX)
        return n;
    int k = (int)n;
    step1a(out, &k);
    step1b(out, &k);
    if (out[k - 1] == 'y' && has_vowel(out, k - 1))    /* step 1c */
        out[k - 1] = 'i';
    apply(out, &k, step2);
    apply(out, &k, step3);
    apply(out, &k, step4);
    if (out[k - 1] == 'e' &&                            /* step 5a */
        (m_over1(out, k - 1) || (m_is1(out, k - 1) && !cvc(out, k - 1))))
        k--;
    if (k > 1 && out[k - 1] == 'l' && out[k - 2] == 'l' &&  /* 5b */
        m_over1(out, k - 1))
        k--;
    return (size_t)k;
}

int cr_porter_word(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9')))
            return 0;
    return n > 0;
}
