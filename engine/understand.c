/* understand.c - normalising text, ranking intents, extracting facts. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matcher.h"
#include "prefilter.h"
#include "understand.h"
#include "xmalloc.h"

/* Decode the UTF-8 character at s[0] >= 0x80; returns its length, or 0
 * if the bytes there are not valid UTF-8. */
static size_t utf8_char(const char *s, size_t len, unsigned *cp)
{
    unsigned char c = (unsigned char)s[0];
    size_t want = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (want > len || cr_utf8_valid(s, want) != want)
        return 0;
    *cp = c & (want == 2 ? 0x1F : want == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < want; k++)
        *cp = (*cp << 6) | ((unsigned char)s[k] & 0x3F);
    return want;
}

/* Skip a terminal escape sequence starting at s[0] == ESC. */
static size_t escape_len(const char *s, size_t len)
{
    if (len < 2)
        return 1;
    size_t i = 2;
    if (s[1] == '[') {                  /* CSI: parameters, then a final */
        while (i < len && (unsigned char)s[i] >= 0x20 &&
               (unsigned char)s[i] < 0x40)
            i++;
        return i < len ? i + 1 : i;
    }
    if (s[1] == ']' || s[1] == 'P' || s[1] == '_' || s[1] == '^') {
        while (i < len && s[i] != '\a' && !(s[i] == 0x1b && i + 1 < len &&
                                            s[i + 1] == '\\'))
            i++;                        /* OSC, DCS...: up to BEL or ST */
        return i < len ? (s[i] == '\a' ? i + 1 : i + 2) : i;
    }
    return 2;
}

static void put_space(cr_buf *b)
{
    if (b->len > 0 && b->s[b->len - 1] != ' ')
        cr_buf_putc(b, ' ');
}

char *cr_phd_dots(char *s)
{
    char *out = s;
    for (const char *p = s; *p;) {
        const char *q = p;
        if ((q == s || !isalpha((unsigned char)q[-1])) &&
            (q[0] == 'P' || q[0] == 'p') && (q[1] == 'h' || q[1] == 'H') &&
            q[2] == '.') {
            q += 3 + (q[3] == ' ');
            if ((*q == 'D' || *q == 'd') && !isalpha((unsigned char)q[1])) {
                memcpy(out, "PhD", 3);
                out += 3;
                p = q + 1 + (q[1] == '.');
                continue;
            }
        }
        *out++ = *p++;
    }
    *out = '\0';
    return s;
}

char *cr_normalise(const char *text, size_t len)
{
    cr_buf b = {0};
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        unsigned cp;
        if (c == 0x1b) {
            i += escape_len(text + i, len - i);
            continue;
        }
        if (c <= 0x20 || c == 0x7f) {
            put_space(&b);
            i++;
            continue;
        }
        if (c < 0x80) {
            cr_buf_putc(&b, c);
            i++;
            continue;
        }
        size_t n = utf8_char(text + i, len - i, &cp);
        if (n == 0) {
            cr_buf_puts(&b, "\xEF\xBF\xBD");
            i++;
            continue;
        }
        if (cp >= 0x80 && cp < 0xA0)    /* C1 controls */
            put_space(&b);
        else if (cp == 0x2018 || cp == 0x2019 || cp == 0x2032)
            cr_buf_putc(&b, '\'');
        else if (cp == 0x201C || cp == 0x201D)
            cr_buf_putc(&b, '"');
        else if (cp == 0x2013 || cp == 0x2014)
            cr_buf_putc(&b, '-');
        else if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B))
            put_space(&b);
        else
            cr_buf_putn(&b, text + i, n);
        i += n;
    }
    char *s = cr_buf_take(&b);
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')     /* put_space never leads */
        s[--n] = '\0';
    return s;
}

static void limit_hit(cr_diag *d, const char *what, const char *id,
                      const cr_pattern *p)
{
    cr_loc l = cr_pattern_place(p, 0);
    cr_diag_add(d, CR_ERROR, l.file, l.line, l.col,
                "pattern of %s '%s' gave up: it needs too much "
                "backtracking (PCRE2 match limit)", what, id);
}

/* An intent scores the weight of its strongest matching pattern, plus a
 * tenth of the others': more evidence breaks ties, but many weak generic
 * matches never outweigh one specific pattern. */
#define RESTWEIGHT 0.1

/* Question focus.  Real questions often tell the asker's story first and
 * ask last: "I'm a master's student with one workshop paper and my
 * advisor says ... How much does the advisor matter?".  The sentences that
 * ask (those holding a '?'; when none does, the last one) are the focus,
 * and a pattern that matches inside a focus sentence weighs FOCUSWEIGHT
 * times its weight.  A question that leans on the sentence before it
 * ("... Is that true?", "Thoughts?") takes that sentence into its focus.
 * A question of one sentence is all focus, so nothing changes for it:
 * scores only rank, and scaling them all keeps the order and the ties. */
#define FOCUSWEIGHT 1.5
#define MAXFOCUS 8

typedef struct span {
    size_t start, end;
} span;

/* Does the '.' at text[i] end a sentence, or an abbreviation ("e.g.",
 * "vs.", "Dr.") or a lone initial? */
static int ends_sentence(const char *text, size_t i)
{
    static const char *const abbrev[] = {
        "e.g", "i.e", "etc", "vs", "dr", "mr", "mrs", "ms", "prof", "st",
    };
    size_t w = i;
    while (w > 0 && text[w - 1] != ' ' && text[w - 1] != '(')
        w--;
    if (i - w == 1 && isalpha((unsigned char)text[w]))
        return 0;
    for (size_t k = 0; k < sizeof abbrev / sizeof *abbrev; k++)
        if (i - w == strlen(abbrev[k]) &&
            strncasecmp(text + w, abbrev[k], i - w) == 0)
            return 0;
    return 1;
}

/* Does the question sentence s[0..len) lean on the one before it: a
 * question of a few words ("Thoughts?", "Any advice?") or one that opens
 * on a pronoun for what was just said ("Is that true ...?", "Does this
 * make sense?", "Is it worth it?", "Do they pay better?")? */
static int refers_back(const char *s, size_t len)
{
    static const char *const openers[] = {
        "is that", "is this", "is it", "was that", "was it", "does that",
        "does this", "does it", "would that", "would this", "would it",
        "will that", "will this", "will it", "can that", "can it",
        "could that", "could this", "could it", "should that", "are those",
        "are these", "isn't that", "isn't it", "how true is",
        "do they", "does he", "does she", "are they", "did they",
        "would they", "will they", "can they", "could they", "were they",
    };
    size_t words = 1;
    for (size_t i = 0; i < len; i++)
        words += s[i] == ' ';
    if (words <= 4)
        return 1;
    for (int skip = 0; skip < 2; skip++) {
        for (size_t k = 0; k < sizeof openers / sizeof *openers; k++) {
            size_t n = strlen(openers[k]);
            if (n < len && strncasecmp(s, openers[k], n) == 0 &&
                !isalpha((unsigned char)s[n]))
                return 1;
        }
        /* "so is that ...", "but does it ...", "and is this ..." */
        if (strncasecmp(s, "so ", 3) == 0 || strncasecmp(s, "but ", 4) == 0 ||
            strncasecmp(s, "and ", 4) == 0) {
            const char *sp = memchr(s, ' ', len);
            len -= (size_t)(sp + 1 - s);
            s = sp + 1;
        } else {
            break;
        }
    }
    return 0;
}

/* Split text into sentences at '.', '!' and '?' followed by a space or
 * the end, and keep those that ask; returns how many spans it filled, 0
 * when the focus would be the whole text. */
static int find_focus(const char *text, size_t len, span *f)
{
    size_t start = 0, last = 0;
    int n = 0, sentences = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!strchr(".!?", c) || (i + 1 < len && text[i + 1] != ' ' &&
                                  !strchr(".!?\"')", text[i + 1])))
            continue;
        if (c == '.' && !ends_sentence(text, i))
            continue;
        while (i + 1 < len && strchr(".!?\"')", text[i + 1]))
            i++;                        /* "??", "?!", '?"' */
        int asks = memchr(text + start, '?', i + 1 - start) != NULL;
        if (asks && n < MAXFOCUS) {
            int back = sentences > 0 && refers_back(text + start,
                                                    i + 1 - start);
            f[n++] = (span){back ? last : start, i + 1};
        }
        sentences++;
        last = start;
        start = i + 1;
        while (start < len && text[start] == ' ')
            start++;
    }
    if (start < len) {                  /* an unterminated last sentence */
        sentences++;
        last = start;
    }
    if (sentences <= 1)
        return 0;
    if (n == 0)
        f[n++] = (span){last, len};
    return n;
}

/* Which of the kb's patterns could match text: one flag a pattern, in
 * the order of cr_kb_prefilter (a new array). */
static unsigned char *may_match(const cr_kb *kb, const char *text)
{
    char *folded = cr_prefilter_fold(text);
    unsigned char *met = cr_prefilter_scan(cr_kb_prefilter(kb), folded);
    free(folded);
    return met;
}

/* cr_regex_match, without PCRE2's check of the text when it is known to
 * be valid UTF-8 (a turn runs dozens of patterns over it). */
static int run_re(cr_regex *re, const char *text, size_t len, size_t start,
                  int valid, size_t *s, size_t *e)
{
    return valid ? cr_regex_match_valid(re, text, len, start, s, e)
                 : cr_regex_match(re, text, len, start, s, e);
}

/* Does re, whose leftmost match in text is [s, e), also match inside one
 * of the focus spans (which start and end at ASCII punctuation)? */
static int in_focus(cr_regex *re, const char *text, int valid,
                    const span *f, int nf, size_t s, size_t e)
{
    for (int k = 0; k < nf; k++) {
        size_t ms, me;
        if (s >= f[k].start && e <= f[k].end)
            return 1;
        if (s < f[k].end &&         /* the leftmost match is not inside */
            run_re(re, text, f[k].end, f[k].start, valid, &ms, &me) ==
                CR_MATCH)
            return 1;
    }
    return 0;
}

static int by_score(const void *pa, const void *pb)
{
    const cr_intent_hit *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->intent - b->intent;
}

int cr_classify(const cr_kb *kb, const char *text, cr_intent_hit *hits,
                int n, cr_diag *d)
{
    int ni = cr_kb_nintents(kb), found = 0;
    size_t len = strlen(text);
    int valid = cr_utf8_valid(text, len) == len;
    span focus[MAXFOCUS];
    int nf = find_focus(text, len, focus);
    cr_intent_hit *all = xcalloc((size_t)ni + 1, sizeof *all);
    unsigned char *met = may_match(kb, text);
    for (int i = 0, p = 0; i < ni; i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        cr_intent_hit h = {i, 0, 0, 0};
        double best = 0, rest = 0;
        for (int k = 0; k < in->npatterns; k++) {
            size_t s, e;
            cr_regex *re = in->patterns[k].re;
            if (!met[p++])
                continue;
            int rc = run_re(re, text, len, 0, valid, &s, &e);
            if (rc == CR_MATCH_LIMIT) {
                /* The turn has failed: the other patterns, which a
                 * hostile rule file may hold by the thousand, are not
                 * run on it. */
                limit_hit(d, "intent", in->id, &in->patterns[k]);
                found = 0;
                goto out;
            }
            if (rc != CR_MATCH)
                continue;
            double w = in->patterns[k].weight;
            if (nf > 0 && in_focus(re, text, valid, focus, nf, s, e))
                w *= FOCUSWEIGHT;
            if (w > best) {
                rest += best;
                best = w;
                h.start = s, h.end = e;
            } else {
                rest += w;
            }
        }
        if (best > 0) {
            h.score = best + RESTWEIGHT * rest;
            all[found++] = h;
        }
    }
out:
    free(met);
    qsort(all, (size_t)found, sizeof *all, by_score);
    int out = found < n ? found : n;
    memcpy(hits, all, (size_t)out * sizeof *hits);
    free(all);
    return out;
}

/* The fusion of patterns and classifier.  An intent's fused score is
 * its probability plus CR_FUSE_PATTERN times its pattern score over
 * STRONG (at most one): a specific pattern (weight 3 or more) all but
 * settles it, as an author who writes one expects, while a weak, generic
 * one (a word that may be only context) can be outvoted by the
 * classifier.  The best intent answers when its fused score reaches
 * CR_FUSE_MIN.  Chosen by a grid over both development sets (weights
 * 0.2 to 1.0, thresholds 0.2 to 0.45, STRONG 3 or 5): the grid's best
 * differ by a few questions, and these keep every pattern-backed
 * answer of the first set.  Cross-validated on the rules' 2,981
 * examples (each scored by a classifier that never saw it, patterns
 * as they are), a grid of weights 0.3 to 1.5 and STRONG 2, 3 or 5
 * chooses the right intent for 1,954 to 2,141 of them; these choose
 * 2,135, and the grid's best (1.0 and 5) differs by six examples while
 * it makes 26 examples fail whole (out-of-scope patterns then outvote
 * the classifier between declines, and some in-scope answers). */
#define CR_FUSE_PATTERN 0.5
#define CR_FUSE_MIN 0.3
#define STRONG 3.0
/* How much more the words of the sentences that ask weigh for the
 * classifier than the story around them. */
#define CLASS_FOCUS 3.0
/* The least fused score of a topic a decline suggests. */
#define SUGGEST_MIN 0.05

/* An intent with fewer than FEW examples is one the classifier barely
 * knows (a user's new intent, say): its patterns are all there is to go
 * on, so its probability is left out and its pattern score counts in
 * full, over the capped score of an intent the classifier knows. */
#define FEW 10

static int few(const cr_kb *kb, int i)
{
    return cr_kb_intentdef(kb, i)->nexamples < FEW;
}

/* What a pattern hit adds to its intent's fused score. */
static double pattern_weight(const cr_kb *kb, const cr_intent_hit *h)
{
    if (few(kb, h->intent))
        return CR_FUSE_PATTERN * (1 + h->score);
    double w = CR_FUSE_PATTERN * (h->score < STRONG ? h->score / STRONG : 1);
    /* An out-of-scope pattern names what the essay never covers (a
     * guitar, a visa): a strong one outweighs a generic in-scope one. */
    return cr_kb_intentdef(kb, h->intent)->out_of_scope ? 1.5 * w : w;
}

static int is_answerable(const cr_kb *kb, int i)
{
    const cr_intent *in = cr_kb_intentdef(kb, i);
    return !in->out_of_scope && strncmp(in->id, "chat.", 5) != 0;
}

int cr_choose(const cr_kb *kb, const char *text, cr_choice *ch, cr_diag *d)
{
    int ni = cr_kb_nintents(kb);
    memset(ch, 0, sizeof *ch);
    ch->intent = ch->pattern = -1;
    cr_intent_hit *ph = xcalloc((size_t)ni + 1, sizeof *ph);
    cr_class_hit *cl = xcalloc((size_t)ni + 1, sizeof *cl);
    double *f = xcalloc((size_t)ni + 1, sizeof *f);
    int np = cr_classify(kb, text, ph, ni, d);
    const cr_model *m = cr_kb_model(kb);
    int nc = 0;
    if (m) {
        span focus[MAXFOCUS];
        cr_weighted_span ws[MAXFOCUS];
        int nf = find_focus(text, strlen(text), focus);
        for (int k = 0; k < nf; k++)
            ws[k] = (cr_weighted_span){focus[k].start, focus[k].end,
                                       CLASS_FOCUS};
        nc = cr_model_rank(m, text, ws, nf, cl, ni);
    }
    for (int k = 0; k < nc; k++)
        if (!few(kb, cl[k].intent))
            f[cl[k].intent] = cl[k].p;
    ch->ntop = nc < 3 ? nc : 3;
    memcpy(ch->top, cl, (size_t)ch->ntop * sizeof *cl);
    if (np > 0) {
        ch->pattern = ph[0].intent;
        ch->pattern_score = ph[0].score;
        for (int k = 0; k < np; k++)
            f[ph[k].intent] += pattern_weight(kb, &ph[k]);
    }
    int best = -1;
    for (int i = 0; i < ni; i++)
        if (f[i] > 0 && (best < 0 || f[i] > f[best]))
            best = i;
    if (best >= 0 && f[best] >= CR_FUSE_MIN) {
        ch->intent = best;
        ch->score = f[best];
        ch->start = 0;
        ch->end = strlen(text);
        for (int k = 0; k < np; k++)
            if (ph[k].intent == best)
                ch->start = ph[k].start, ch->end = ph[k].end;
    }
    for (int n = 0; n < 3; n++) {       /* the nearest answerable intents */
        int s = -1;
        for (int i = 0; i < ni; i++) {
            int taken = i == ch->intent;
            for (int k = 0; k < ch->nsuggest; k++)
                taken |= ch->suggest[k] == i;
            if (!taken && f[i] >= SUGGEST_MIN && is_answerable(kb, i) &&
                (s < 0 || f[i] > f[s]))
                s = i;
        }
        if (s < 0)
            break;
        ch->suggest[ch->nsuggest++] = s;
    }
    free(ph);
    free(cl);
    free(f);
    return ch->intent;
}

int cr_word_listed(const char *w, size_t n, const char *const *v,
                   size_t nv)
{
    for (size_t k = 0; k < nv; k++)
        if (n == strlen(v[k]) && strncasecmp(w, v[k], n) == 0)
            return 1;
    return 0;
}

/* Where the clause holding text[at] starts: after the punctuation
 * before it. */
static size_t clause_start(const char *text, size_t at)
{
    while (at > 0 && !strchr(".;!?,", text[at - 1]))
        at--;
    return at;
}

/* The next word from text[*i] on, before end: its start in *w, its
 * length returned (0: none left), *i moved past it. */
static size_t next_word(const char *text, size_t end, size_t *i, size_t *w)
{
    while (*i < end && !isalpha((unsigned char)text[*i]))
        (*i)++;
    *w = *i;
    while (*i < end && (isalpha((unsigned char)text[*i]) || text[*i] == '\''))
        (*i)++;
    return *i - *w;
}

/* Whether rest begins, whatever its case, with one of the nv strings
 * of v. */
static int starts(const char *rest, const char *const *v, size_t nv)
{
    for (size_t k = 0; k < nv; k++)
        if (strncasecmp(rest, v[k], strlen(v[k])) == 0)
            return 1;
    return 0;
}

/* Whether a negation cue, the word w (n bytes) followed by rest, does
 * not negate what follows: "don't forget I have kids" has them, a "no"
 * said to take something back ("no sorry, I meant ...", "no wait", "no
 * I meant") is no negation ("no kids" is), and neither are the turns
 * of speech "not gonna lie, money is my priority", "not to mention my
 * loans", "no doubt I need the salary". */
static int cancelled(const char *w, size_t n, const char *rest)
{
    static const char *const after_no[] = {
        " sorry", " wait", " actually", " i ", " i'm", " i'd", " oops",
        " hold on", " my bad", " scratch", " doubt", " joke", " kidding",
        " lie", " matter",
    };
    static const char *const after_not[] = {
        " gonna lie", " going to lie", " to mention", " only", " to lie",
    };
    if (strncasecmp(rest, " forget", 7) == 0)
        return 1;
    if (n == 3 && strncasecmp(w, "not", 3) == 0)
        return starts(rest, after_not, sizeof after_not / sizeof *after_not);
    if (n != 2 || strncasecmp(w, "no", 2) != 0)
        return 0;
    return starts(rest, after_no, sizeof after_no / sizeof *after_no);
}

/* Is there a negation between the start of the clause holding text[at]
 * and at?  A clause starts after punctuation or a word that turns
 * against what went before: in "I have no kids but my loans worry me"
 * the loans are not negated. */
static int negated(const char *text, size_t at)
{
    static const char *const cues[] = {
        "not", "no", "never", "don't", "dont", "doesn't", "didn't",
        "won't", "can't", "cannot", "isn't", "aren't", "haven't", "hasn't",
        "neither", "nor", "without", "wouldn't", "shouldn't", "zero",
    };
    static const char *const turns[] = {
        "but", "although", "though", "however", "yet", "whereas", "while",
    };
    size_t i = clause_start(text, at), w, n;
    int neg = 0;
    while ((n = next_word(text, at, &i, &w)) > 0) {
        if (cr_word_listed(text + w, n, turns, sizeof turns / sizeof *turns))
            neg = 0;
        else if (cr_word_listed(text + w, n, cues,
                                sizeof cues / sizeof *cues) &&
                 !cancelled(text + w, n, text + i))
            neg = 1;
    }
    return neg;
}

/* Does the clause holding text[at] take back what follows, before at:
 * "forget what I said about my kids", "ignore the part about the
 * mortgage", "I take back the growth part"?  Not after a negation:
 * "don't forget I have kids" states them. */
static int retracted(const char *text, size_t at)
{
    static const char *const cues[] = {
        "forget", "ignore", "disregard", "scratch", "retract", "withdraw",
        "strike", "unsay",
    };
    static const char *const nots[] = {
        "don't", "dont", "not", "never", "can't", "cannot", "won't",
    };
    size_t i = clause_start(text, at), w, n, prev = 0, nprev = 0;
    while ((n = next_word(text, at, &i, &w)) > 0) {
        int cue = cr_word_listed(text + w, n, cues,
                                 sizeof cues / sizeof *cues) ||
                  (n == 4 && strncasecmp(text + w, "back", 4) == 0 &&
                   nprev == 4 && strncasecmp(text + prev, "take", 4) == 0) ||
                  (n == 4 && strncasecmp(text + w, "mind", 4) == 0 &&
                   nprev == 5 && strncasecmp(text + prev, "never", 5) == 0);
        if (cue && !(nprev && cr_word_listed(text + prev, nprev, nots,
                                             sizeof nots / sizeof *nots)))
            return 1;
        prev = w;
        nprev = n;
    }
    return 0;
}

/* after, past a leading " all" and the adverb after "I" ("if all I
 * really want", "if I just want"). */
static const char *plain_wish(const char *after, char *buf, size_t size)
{
    static const char *const adverbs[] = {
        "just ", "only ", "really ", "truly ", "mainly ", "mostly ",
        "ultimately ", "eventually ", "actually ",
    };
    if (strncasecmp(after, " all ", 5) == 0)
        after += 4;
    if (strncasecmp(after, " i ", 3) != 0)
        return after;
    for (size_t k = 0; k < sizeof adverbs / sizeof *adverbs; k++) {
        size_t n = strlen(adverbs[k]);
        if (strncasecmp(after + 3, adverbs[k], n) == 0) {
            snprintf(buf, size, " i %s", after + 3 + n);
            return buf;
        }
    }
    return after;
}

/* Whether the words after a cue of conditional() state what the user
 * wants, in the present: "if I want to be a professor, should I do a
 * PhD?", "if all I want is a job" and "is it worth it if my goal is
 * research?" tell the goal the question is asked for, as "I want to be
 * a professor" would.  "If I still want", "if I wanted" and "if I had"
 * stay conditions. */
static int wish(const char *after)
{
    static const char *const heads[] = {
        " i want ", " i wanna ", " i'd like ", " i would like ",
        " my goal is ", " my dream is ", " my plan is ", " i plan ",
        " i'm planning ", " i am planning ", " i'm aiming ", " i am aiming ",
        " i aim ", " i intend ", " i hope ", " my aim is ", " i care ",
    };
    char buf[32];
    after = plain_wish(after, buf, sizeof buf);
    for (size_t k = 0; k < sizeof heads / sizeof *heads; k++)
        if (strncasecmp(after, heads[k], strlen(heads[k])) == 0)
            return 1;
    return 0;
}

/* Whether the words just before text[at], in its clause, make it a
 * condition rather than a statement: "going back for a PhD if I still
 * want to do research" says nothing yet about what the user wants, and
 * "would it help if I had two papers" has no papers.  Only the few
 * words before count, so "I wonder if a PhD helps, as I want to be a
 * professor" keeps its goal. */
static int conditional(const char *text, size_t at)
{
    static const char *const cues[] = {
        "if", "unless", "whether", "suppose", "supposing", "assuming",
    };
    size_t i = at;
    for (int words = 0; words < 4 && i > 0; words++) {
        while (i > 0 && text[i - 1] == ' ')
            i--;
        size_t e = i;
        while (i > 0 && (isalpha((unsigned char)text[i - 1]) ||
                         text[i - 1] == '\''))
            i--;
        if (i == e)
            return 0;                   /* punctuation: the clause ends */
        if (cr_word_listed(text + i, e - i, cues, sizeof cues / sizeof *cues))
            return !(e - i == 2 && wish(text + e));  /* "if" only */
    }
    return 0;
}

/* A number written as digits or as a small number word. */
static int parse_number(const char *s, cr_value *v)
{
    static const char *const words[] = {
        "zero", "one", "two", "three", "four", "five", "six", "seven",
        "eight", "nine", "ten", "eleven", "twelve",
    };
    for (int i = 0; i < (int)(sizeof words / sizeof *words); i++)
        if (strcasecmp(s, words[i]) == 0)
            return v->num = i, v->str = NULL, 1;
    if (strcasecmp(s, "a") == 0 || strcasecmp(s, "an") == 0 ||
        strcasecmp(s, "a single") == 0)
        return v->num = 1, v->str = NULL, 1;
    if (strcasecmp(s, "no") == 0 || strcasecmp(s, "any") == 0)
        return v->num = 0, v->str = NULL, 1;
    return 0;
}

static int set_group(const cr_kb *kb, cr_wm *wm, int fact, const char *text,
                     const char *words, int turn)
{
    const cr_factdecl *f = cr_kb_factdecl(kb, fact);
    cr_value v;
    if (!(f->type == CR_NUMBER && parse_number(text, &v)) &&
        !cr_value_parse(f, text, &v))
        return 0;
    cr_wm_set(wm, fact, &v, CR_SRC_USER, turn, words, -1, 1.0);
    cr_value_free(&v);
    return 1;
}

static int apply(cr_wm *wm, const cr_assign *a, int n, const char *words,
                 int turn)
{
    for (int i = 0; i < n; i++)
        cr_wm_set(wm, a[i].fact, &a[i].value, CR_SRC_USER, turn, words, -1,
                  1.0);
    return n;
}

/* Whether a negation cue stands among the words of text[s, e): "no" in
 * "I have no offer".  Only an extractor that says what a negation sets
 * is read this way: others' patterns may hold a negation themselves
 * ("I don't know what I want"). */
static int negated_inside(const char *text, size_t s, size_t e)
{
    for (size_t i = s; i < e; i++)
        if ((i == s || !isalpha((unsigned char)text[i - 1])) &&
            isalpha((unsigned char)text[i]) && negated(text, i) &&
            !negated(text, s))
            return 1;
    return 0;
}

/* Whether x can be negated: it says what a negation sets, or it sets
 * only choices, which a negation withdraws ("I don't want to be a
 * professor anymore" withdraws goal = academia). */
static int negatable(const cr_extractor *x)
{
    if (x->nnegated > 0)
        return 1;
    for (int i = 0; i < x->nsets; i++)
        if (x->sets[i].value.str == NULL)
            return 0;
    return x->nsets > 0;
}

/* x's words were negated: set its negated facts, or withdraw the
 * choices it sets where the user had said exactly that. */
static int negate(const cr_kb *kb, cr_wm *wm, const cr_extractor *x,
                  const char *words, int turn)
{
    if (x->nnegated > 0)
        return apply(wm, x->negated, x->nnegated, words, turn);
    int n = 0;
    for (int i = 0; i < x->nsets; i++) {
        const cr_assign *a = &x->sets[i];
        const cr_fact *f = cr_wm_get(wm, a->fact);
        if (f && cr_wm_stated(wm, a->fact) &&
            cr_value_equal(cr_kb_factdecl(kb, a->fact), &f->value, &a->value)) {
            cr_wm_unset(wm, a->fact);
            n++;
        }
    }
    return n;
}

/* x's words were taken back: withdraw every fact the user stated that
 * x could set. */
static int withdraw(const cr_kb *kb, cr_wm *wm, const cr_extractor *x)
{
    int n = 0;
    const char *const *names;
    int ng = cr_regex_names(x->pattern.re, &names);
    for (int g = 0; g < ng; g++) {
        int f = cr_kb_fact(kb, names[g]);
        if (f >= 0 && cr_wm_stated(wm, f))
            cr_wm_unset(wm, f), n++;
    }
    for (int i = 0; i < x->nsets; i++)
        if (cr_wm_stated(wm, x->sets[i].fact))
            cr_wm_unset(wm, x->sets[i].fact), n++;
    for (int i = 0; i < x->nnegated; i++)
        if (cr_wm_stated(wm, x->negated[i].fact))
            cr_wm_unset(wm, x->negated[i].fact), n++;
    return n;
}

/* One extractor's match in the text. */
typedef struct {
    int x;
    size_t s, e;
} match;

static int by_position(const void *a, const void *b)
{
    const match *m = a, *n = b;
    if (m->s != n->s)
        return m->s < n->s ? -1 : 1;
    return m->x - n->x;
}

/* Apply one match: its named groups and its sets, or its negation. */
static int apply_match(const cr_kb *kb, const char *text, const match *m,
                       cr_wm *wm, int turn)
{
    const cr_extractor *x = cr_kb_extractor(kb, m->x);
    if (conditional(text, m->s))
        return 0;
    if (retracted(text, m->s))
        return withdraw(kb, wm, x);
    char *words = xstrndup(text + m->s, m->e - m->s);
    int set = 0;
    if (negated(text, m->s) ||
        (x->nnegated > 0 && negated_inside(text, m->s, m->e))) {
        if (negatable(x))
            set += negate(kb, wm, x, words, turn);
        free(words);
        return set;
    }
    const char *const *names;
    int ng = cr_regex_names(x->pattern.re, &names);
    size_t gs, ge;
    /* The groups come from the last match made, so x's is made again:
     * from where it started, it is the same match. */
    if (ng > 0 && cr_regex_match(x->pattern.re, text, strlen(text), m->s,
                                 &gs, &ge) != CR_MATCH)
        ng = 0;
    for (int g = 0; g < ng; g++) {
        if (!cr_regex_group(x->pattern.re, names[g], &gs, &ge))
            continue;
        char *val = xstrndup(text + gs, ge - gs);
        set += set_group(kb, wm, cr_kb_fact(kb, names[g]), val, words, turn);
        free(val);
    }
    set += apply(wm, x->sets, x->nsets, words, turn);
    free(words);
    return set;
}

/* Every extractor's first match, applied in the order of the text, so
 * that what the user says last stands: "my plan was a startup; now I
 * want to be a professor" leaves goal = academia. */
int cr_extract(const cr_kb *kb, const char *text, cr_wm *wm, int turn,
               cr_diag *d)
{
    size_t len = strlen(text);
    int valid = cr_utf8_valid(text, len) == len;
    int nx = cr_kb_nextractors(kb), n = 0, set = 0;
    match *ms = xcalloc((size_t)nx + 1, sizeof *ms);
    unsigned char *met = may_match(kb, text);
    int base = 0;               /* the extractors follow the intents */
    for (int i = 0; i < cr_kb_nintents(kb); i++)
        base += cr_kb_intentdef(kb, i)->npatterns;
    for (int i = 0; i < nx; i++) {
        const cr_extractor *x = cr_kb_extractor(kb, i);
        if (!met[base + i])
            continue;
        int rc = run_re(x->pattern.re, text, len, 0, valid, &ms[n].s,
                        &ms[n].e);
        if (rc == CR_MATCH_LIMIT) {     /* the turn fails: see cr_classify */
            limit_hit(d, "extractor", x->id, &x->pattern);
            n = 0;
            break;
        }
        if (rc == CR_MATCH)
            ms[n++].x = i;
    }
    free(met);
    qsort(ms, (size_t)n, sizeof *ms, by_position);
    for (int i = 0; i < n; i++)
        set += apply_match(kb, text, &ms[i], wm, turn);
    free(ms);
    return set;
}
