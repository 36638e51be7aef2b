/* check_answer.c - whole turns through a session: answers, citations,
 * memory across turns, rendering and JSON. */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "session.h"
#include "understand.h"
#include "testutil.h"

static cr_session *s;
static cr_diag *d;

static void setup(void)
{
    char *essay = cr_test_path(CR_TEST_ESSAY);
    char *rules = cr_test_path("rules");
    const char *paths[] = {rules};
    d = cr_diag_new();
    s = cr_session_new(essay, paths, 1, d);
    ck_assert_int_eq(cr_diag_len(d), 0);
    ck_assert_ptr_nonnull(s);
    free(essay);
    free(rules);
}

static void teardown(void)
{
    cr_session_free(s);
    cr_diag_free(d);
}

static cr_answer *ask(const char *q)
{
    cr_answer *a = NULL;
    ck_assert_int_eq(cr_session_ask(s, q, strlen(q), &a, d), 0);
    ck_assert_ptr_nonnull(a);
    return a;
}

static int traced(const cr_answer *a, const char *rule)
{
    for (int i = 0; i < a->ntrace; i++)
        if (strcmp(a->trace[i], rule) == 0)
            return 1;
    return 0;
}

START_TEST(test_pay_cites_pay)
{
    cr_answer *a = ask("how much does a PhD student get paid");
    ck_assert_int_eq(a->kind, CR_ANSWER_RULES);
    ck_assert_str_eq(a->intent, "ask.pay");
    ck_assert_int_ge(a->ncites, 1);
    ck_assert_str_eq(a->cites[0].anchor, "pay");
    ck_assert_int_eq(a->cites[0].npath, 3);
    ck_assert_str_eq(a->cites[0].path[0], "Doing a PhD");
    ck_assert_ptr_nonnull(strstr(a->cites[0].quote, "minimum wage"));
    ck_assert(traced(a, "phd.pay"));
    cr_answer_free(a);
}
END_TEST

START_TEST(test_core_intents)
{
    static const struct { const char *q, *intent, *anchor; } cases[] = {
        {"how do I choose a good supervisor?", "ask.advisor", "advisor"},
        {"I want to start a company one day, is a PhD useful?",
         "ask.startup", "starting-a-company"},
        {"Can I become an ML engineer without a PhD?", "ask.mle",
         "machine-learning-engineer"},
        {"can I join DeepMind without a doctorate", "ask.research-scientist",
         "research-scientist"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cr_answer *a = ask(cases[i].q);
        ck_assert_msg(a->intent && strcmp(a->intent, cases[i].intent) == 0,
                      "%s: intent %s", cases[i].q,
                      a->intent ? a->intent : "(none)");
        ck_assert_str_eq(a->cites[0].anchor, cases[i].anchor);
        cr_answer_free(a);
    }
}
END_TEST

START_TEST(test_out_of_scope)
{
    cr_answer *a = ask("what is the capital of France");
    ck_assert_int_eq(a->kind, CR_ANSWER_NONE);
    ck_assert_ptr_null(a->intent);
    ck_assert_int_eq(a->ncites, 0);
    ck_assert_int_eq(a->reco, CR_RECO_NONE);
    ck_assert_ptr_nonnull(strstr(a->text, "does not cover"));
    cr_answer_free(a);
}
END_TEST

START_TEST(test_memory_across_turns)
{
    cr_answer *a = ask("I want to become a professor.");
    cr_answer_free(a);
    a = ask("should I do a PhD?");
    ck_assert_int_eq(a->reco, CR_RECO_PHD);
    ck_assert(traced(a, "goal.academia"));
    ck_assert_str_eq(a->cites[0].anchor, "introduction");
    cr_answer_free(a);
    a = ask("actually I want to start my own company");
    cr_answer_free(a);
    a = ask("so should I do a PhD?");
    ck_assert(!traced(a, "goal.academia"));
    ck_assert(traced(a, "goal.startup"));
    ck_assert_int_eq(a->reco, CR_RECO_EITHER);
    ck_assert_str_eq(a->cites[0].anchor, "starting-a-company");
    cr_answer_free(a);
}
END_TEST

/* A role held for a while on the way to a PhD is a plan, not the goal. */
START_TEST(test_goal_for_a_while)
{
    cr_answer *a = ask("I'd like to work as a data engineer for 2-3 years "
                       "and then go back for a PhD. Does that plan make "
                       "sense?");
    ck_assert(!traced(a, "goal.ml-infrastructure"));
    ck_assert(traced(a, "decision.work-first"));
    cr_answer_free(a);
    a = ask("I'd like to work as a data engineer. Should I do a PhD?");
    ck_assert(traced(a, "goal.ml-infrastructure"));
    cr_answer_free(a);
}
END_TEST

/* What people say about why they want a PhD, and where they want to end
 * up, weighs on the answer to the decision. */
START_TEST(test_motives_and_industry_goal)
{
    cr_answer *a = ask("I don't plan to stay in academia; I'd like to end "
                       "up in industry.");
    cr_answer_free(a);
    a = ask("Will a PhD help me get a good job, or should I skip it?");
    ck_assert(traced(a, "goal.industry"));
    ck_assert_int_eq(a->reco, CR_RECO_INDUSTRY);
    ck_assert_str_eq(a->cites[0].anchor, "opportunities-afterwards");
    cr_answer_free(a);
}
END_TEST

START_TEST(test_motive_title)
{
    cr_answer *a = ask("Should I get a PhD just to have the title on my "
                       "resume?");
    ck_assert(traced(a, "situation.for-the-title"));
    ck_assert_int_eq(a->reco, CR_RECO_INDUSTRY);
    cr_answer_free(a);
}
END_TEST

START_TEST(test_motive_environment)
{
    cr_answer *a = ask("I got into a PhD in the Bay Area, and moving to "
                       "California is half the appeal. Should I do it?");
    ck_assert(traced(a, "situation.environment"));
    ck_assert_str_eq(a->cites[0].anchor, "look-for-exponential-growth");
    cr_answer_free(a);
}
END_TEST

/* After the user said said, the session holds fact = value. */
static void holds(const char *said, const char *fact, const char *value)
{
    const char *got = cr_test_value(cr_session_kb(s), cr_session_wm(s), fact,
                                    "(unknown)");
    ck_assert_msg(strcmp(got, value) == 0, "\"%s\": %s = %s, not %s", said,
                  fact, got, value);
}

/* What people say about themselves, in their own words: each line alone
 * (after a reset) states the fact. */
START_TEST(test_statements_in_plain_words)
{
    static const struct {
        const char *said, *fact, *value;
    } t[] = {
        {"got an offer from a series B startup, growing like crazy",
         "offer_growth", "high"},
        {"the company that offered me a job is pretty stagnant tbh",
         "offer_growth", "low"},
        {"the company that offered me a job is pretty stagnant tbh",
         "has_offer", "true"},
        {"I live in Lyon", "in_france", "true"},
        {"I don't care about research, I just want to ship products",
         "goal", "industry"},
        {"I need GPUs, lots of them, to do the work I want",
         "wants_compute", "true"},
        {"I want the Dr. title honestly", "for_the_title", "true"},
        {"I have a wife and a toddler", "responsibilities", "true"},
        {"my background is in physics, not CS", "background",
         "other-science"},
        {"As someone with two first-author papers, should I do a PhD?",
         "publications", "2"},
        {"with only one paper, can I get into a top PhD program?",
         "publications", "1"},
        {"With a kid on the way, is a PhD crazy?", "responsibilities",
         "true"},
        {"I've worked 5 years as a backend dev. Too late for a PhD?",
         "years_industry", "5"},
        {"I work at a big tech company as a SWE, 4 years now",
         "years_industry", "4"},
        {"I'm 3 years into my job", "years_industry", "3"},
        {"I have no kids but my student loans worry me", "money_worry",
         "true"},
        {"I have no kids but my student loans worry me", "responsibilities",
         "false"},
        {"no kids, no mortgage, totally free", "responsibilities", "false"},
        {"I'm 38 with three kids", "responsibilities", "true"},
        {"never mind, they rescinded it", "has_offer", "false"},
        {"sorry, I meant 3 papers", "publications", "3"},
        {"long term I see myself running a research group at a university",
         "goal", "academia"},
        {"I really just want to code and build systems", "goal",
         "software-engineer"},
        {"Graduated in physics, taught myself ML, now working as a data "
         "scientist for 3 years.", "background", "other-science"},
        {"Graduated in physics, taught myself ML, now working as a data "
         "scientist for 3 years.", "years_industry", "3"},
        {"I don't have kids", "responsibilities", "false"},
        {"I'm a single dad", "responsibilities", "true"},
        {"my wife is pregnant", "responsibilities", "true"},
        {"money isn't an issue for me", "money_worry", "false"},
        {"I have savings from my job", "money_worry", "false"},
        {"I can't afford a pay cut", "money_worry", "true"},
        {"no papers yet", "publications", "0"},
        {"I've published one paper at NeurIPS", "publications", "1"},
        {"I have a first-author ICML paper", "publications", "1"},
        {"I've got 2 papers", "publications", "2"},
        {"I have a few papers", "publications", "(unknown)"},
        {"I did an undergrad thesis with a professor",
         "research_experience", "true"},
        {"I've never done research", "research_experience", "false"},
        {"I studied mechanical engineering", "background", "other-science"},
        {"I'm a math major", "background", "other-science"},
        {"I want to build ML pipelines in production", "goal",
         "ml-infrastructure"},
        {"I want to do research but not in academia", "goal",
         "research-scientist"},
        {"I want to work in quant finance", "goal", "industry"},
        {"I want to work as an ML engineer rather than a researcher",
         "goal", "ml-engineer"},
        {"I want to do a startup eventually", "goal", "startup"},
        {"I have 2 kids though", "responsibilities", "true"},
        {"I really like research", "goal", "research-scientist"},
        {"I like applied problems and having access to big GPU clusters",
         "goal", "(unknown)"},
        {"I like applied problems and having access to big GPU clusters",
         "wants_compute", "true"},
        {"should I do a PhD in biology or chemistry?", "background",
         "(unknown)"},
        {"I have a PhD in physics", "background", "other-science"},
        {"im 30 and have been a web dev for 6 yrs", "years_industry", "6"},
        {"I have spent 2 years in a PhD", "years_industry", "(unknown)"},
        {"my goal: found a startup in healthcare AI", "goal", "startup"},
        {"I think I'd enjoy research more than banking", "goal",
         "research-scientist"},
        {"not sure anymore about the startup thing", "goal", "undecided"},
        {"well, not really worried, my partner earns well", "money_worry",
         "false"},
        {"make that 3, two more got accepted", "publications", "3"},
        {"make that 3 years", "publications", "(unknown)"},
        {"it's unrealistic, maybe I'll just go into industry", "goal",
         "industry"},
        {"Professor is my dream job", "goal", "academia"},
        {"no sorry i meant ML engineer, not research", "goal",
         "ml-engineer"},
        {"I have no kids", "responsibilities", "false"},
        {"a research scientist at deepmind is my goal", "goal",
         "research-scientist"},
        {"also have an offer as ML engineer at a car company", "has_offer",
         "true"},
        {"I mostly want to do applied stuff, building things that ship",
         "goal", "ml-engineer"},
        /* A correction that names the role alone. */
        {"no wait, not SWE, I mean MLE", "goal", "ml-engineer"},
        {"and actually not MLE either, research scientist at meta AI",
         "goal", "research-scientist"},
        {"correction: research engineer", "goal", "research-engineer"},
        {"no big research ambitions, I just want to grow fast", "goal",
         "(unknown)"},
        {"no, I don't want to be a research scientist", "goal",
         "(unknown)"},
        {"actually, what does a research scientist do?", "goal",
         "(unknown)"},
        /* Someone else's wish is not the user's goal. */
        {"they want me to own the whole ML platform", "goal", "(unknown)"},
        {"my advisor wants me to stay in academia", "goal", "(unknown)"},
        /* A job one holds now. */
        {"i joined a series B startup a year ago", "has_job", "true"},
        {"My job is stagnant, nothing to learn", "has_job", "true"},
        {"I got promoted last month", "has_job", "true"},
        {"currently intern at amazon", "has_job", "true"},
        {"my job offer is from a bank", "has_job", "(unknown)"},
        {"I want to start my company after the PhD", "has_job",
         "(unknown)"},
        {"i like research but not in love with it", "goal", "(unknown)"},
        {"I really like research", "goal", "research-scientist"},
        {"I'm working on a PhD application", "has_job", "(unknown)"},
        {"got an offer at a startup thats growing crazy fast", "has_offer",
         "true"},
        {"got no offers yet", "has_offer", "false"},
        {"so i decided to do a phd, got 2 offers", "has_offer",
         "(unknown)"},
        {"I got a PhD offer from Stanford", "has_offer", "(unknown)"},
        {"I have two job offers", "has_offer", "true"},
        {"my goal is to become a staff engineer at big tech", "goal",
         "software-engineer"},
        {"i want to work on the infra at AI labs like openai", "goal",
         "ml-infrastructure"},
        {"thinking about starting my own AI company someday", "goal",
         "startup"},
        {"thinking about what a research scientist does", "goal",
         "(unknown)"},
        {"i never did any research tbh", "research_experience", "false"},
        {"i dont know if i'd like research", "goal", "undecided"},
        {"i'm a research engineer at a mid-size ai company", "has_job",
         "true"},
        {"in 18 months i got promoted twice", "offer_growth", "high"},
        {"my scope doubled twice", "offer_growth", "high"},
        {"i enjoy more building the tools like ray that researchers use",
         "goal", "ml-infrastructure"},
        {"the other option is a ml engineer job paying 3x more",
         "has_offer", "true"},
        {"i'd love to work at deepmind but more on the engineering side",
         "goal", "research-engineer"},
        /* Said as people chat. */
        {"goal is a research career, research scientist probably", "goal",
         "research-scientist"},
        {"goal = research scientist in an industry R&D lab", "goal",
         "research-scientist"},
        {"goal is building ml infrastructure / mlops tools", "goal",
         "ml-infrastructure"},
        {"i want to be the one giving the lecture someday, and have my own "
         "lab w students", "goal", "academia"},
        {"ive never done any research, no idea if id like it", "goal",
         "undecided"},
        {"never done research, not sure if I'd enjoy it",
         "research_experience", "false"},
        {"never done any research", "research_experience", "false"},
        {"i have a good ML engineer offer at a fast growing company",
         "has_offer", "true"},
        {"got offered a phd in ML and a platform engineer job", "has_offer",
         "true"},
        {"what excites me is applied research: making products better",
         "research_style", "applied"},
        /* Applied research is a style, not a research career's goal. */
        {"i'd love to do applied research at a big company", "goal",
         "(unknown)"},
        {"i want to make an impact with ai in the real world", "goal",
         "industry"},
        {"they offered me to lead their computer vision team, i'd own "
         "everything", "offer_growth", "high"},
        {"i want to become an ML lead who builds products", "goal",
         "ml-engineer"},
        {"research scientist isnt what i mean, i mean research engineer",
         "goal", "research-engineer"},
        /* A role put after the wish, as an apposition. */
        {"i want to work at deepmind, research engineer type role", "goal",
         "research-engineer"},
        {"i want to work at openai building the systems researchers use, "
         "a research engineer kind of role", "goal", "research-engineer"},
        {"i want to work in big tech, a software engineer position", "goal",
         "software-engineer"},
        {"they said i'd own the whole recsys pipeline from day 1",
         "offer_growth", "high"},
        {"the job lets me grow that fast", "offer_growth", "high"},
        {"i have a phd in astrophysics", "background", "other-science"},
        {"I did a PhD in computational biology", "background",
         "other-science"},
        {"my uni lab has like 4 gpus total lmao", "wants_compute", "true"},
        {"i am more into applied research", "research_style", "applied"},
        {"i want to do fundamental theory stuff and publish everything "
         "openly", "research_style", "fundamental"},
        {"frameworks already do most of this automatically now",
         "niche_automated", "true"},
        /* Family and money, said in passing. */
        {"wife, two kids, and we just bought a house", "responsibilities",
         "true"},
        {"i send like 500 dollars home each month", "money_worry", "true"},
        {"my mom and dad kind of rely on my paycheck", "responsibilities",
         "true"},
        {"stipend would be 30k in a really expensive city", "money_worry",
         "true"},
        {"i'm not in debt at all, my parents paid for college",
         "money_worry", "false"},
        /* An offer, or a school one got into, is no wish for its job. */
        {"i got into a good phd program and i also have an offer as a "
         "SWE at a bank", "goal", "(unknown)"},
        /* Research liked, with a hedge, is no research goal. */
        {"i like research ok but not sure i'd want five years of it",
         "goal", "(unknown)"},
        {"i'm interested in research but i wouldn't call it my passion",
         "goal", "(unknown)"},
        {"honestly what i liked most was building the data pipelines",
         "goal", "ml-infrastructure"},
        {"i dont need to be the one setting the research agenda", "goal",
         "research-engineer"},
        {"the goal really is to turn this prototype into a company", "goal",
         "startup"},
        {"i mostly want a stable career in ML", "goal", "industry"},
        {"im an ML engineer at a startup", "has_job", "true"},
        {"9 years as a backend developer", "years_industry", "9"},
        {"i havent learned anything new in a year", "offer_growth", "low"},
        {"I have a master's in chemistry", "background", "other-science"},
        {"the job is fine but my growth there has pretty much plateaued",
         "offer_growth", "low"},
        {"what really gets me excited is founding a company", "goal",
         "startup"},
        {"finished my degree in 2021, working as a data engineer at a bank",
         "has_job", "true"},
        {"phd offer at a state school or a job at a fintech, not sure",
         "has_offer", "true"},
        /* Turns of speech that negate nothing. */
        {"not gonna lie, my main priority is money", "money_worry", "true"},
        {"not to mention we have a 2 year old", "responsibilities", "true"},
        {"i did research for a year and honestly i hated the paper writing "
         "part", "dislikes_research", "true"},
        {"research papers kinda bore me", "dislikes_research", "true"},
        {"the part i love is building the training infra",
         "goal", "ml-infrastructure"},
        {"I have a PhD in medical physics", "background", "other-science"},
        {"I'm a molecular biologist", "background", "other-science"},
        {"I finished my physics PhD last year", "background",
         "other-science"},
        {"we already have 6 paying customers", "has_job", "true"},
        {"3 hardware companies told me they'd pay for a pilot", "has_job",
         "true"},
        {"I hated every minute of the research part", "dislikes_research",
         "true"},
        {"honestly I don't really care about research", "dislikes_research",
         "true"},
        {"someone said PhDs get hired straight in at L4", "for_the_title",
         "true"},
        {"I mostly just enjoy the coding part", "goal", "software-engineer"},
        {"my goal is to be maitre de conferences with my own research team",
         "goal", "academia"},
        {"i don't particularly like research", "dislikes_research", "true"},
        {"I have no interest in writing papers", "dislikes_research", "true"},
        {"the dream is deepmind, I love the engineering side of research",
         "goal", "research-engineer"},
        {"i own the ranking models that serve 8 million users",
         "offer_growth", "high"},
        {"offers: SWE at a bank, and a PhD at a state school", "has_offer",
         "true"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        cr_session_reset(s);
        cr_answer_free(ask(t[i].said));
        holds(t[i].said, t[i].fact, t[i].value);
    }
}
END_TEST

/* What the last answer of a conversation recommends and cites first,
 * from what the user said over its turns. */
START_TEST(test_situations_over_turns)
{
    static const struct {
        const char *turns[4];
        cr_reco reco;
        const char *first;
    } t[] = {
        /* Tools that do what the PhD would specialise in, whatever the
         * question about its value is called. */
        {{"frameworks now handle distributed training for you. does that "
          "automation shrink what the degree is worth later?"},
         CR_RECO_INDUSTRY, "doing-a-phd"},
        /* Dropping it for a job is the choice too. */
        {{"i want to be a professor", "or should i just forget it and go "
          "work?"},
         CR_RECO_PHD, "introduction"},
        /* An industrial PhD against a job is the choice itself. */
        {{"i have a CIFRE offer with a car maker and an ML engineer offer "
          "at a scaleup", "my goal: be an ML engineer who ships things",
          "cifre phd or the job?"},
         CR_RECO_INDUSTRY, "machine-learning-engineer"},
        /* The PhD left unnamed in the choice. */
        {{"i want to start my own company one day",
          "got into a phd program, and also have an offer at an early "
          "startup", "so phd to prepare for founding, or go to the startup?"},
         CR_RECO_INDUSTRY, "starting-a-company"},
        /* A job one holds that grows fast weighs as an offer would. */
        {{"i joined a series B startup a year ago and i'm already leading "
          "a small team, my scope doubled twice",
          "i also got a phd admit at a decent school", "phd or keep going?"},
         CR_RECO_INDUSTRY, "look-for-exponential-growth"},
        {{"My job is stagnant, nothing to learn",
          "correction: i got promoted and now I'm leading the ML team, "
          "im learning like crazy", "phd or stay?"},
         CR_RECO_INDUSTRY, "look-for-exponential-growth"},
        /* Money that is tight, with no research career to aim at. */
        {{"i send money home every month, my parents depend on it",
          "got a phd admit and an offer as a data analyst", "which one?"},
         CR_RECO_INDUSTRY, "pay"},
        /* A debt taken back. */
        {{"i have 50k in student loans",
          "no wait, that's my sister. i'm not in debt at all",
          "i want to be a research scientist and i have a funded phd offer. "
          "should i take it?"},
         CR_RECO_PHD, "research-scientist"},
        /* From another science, the goal alone does not make it a PhD. */
        {{"i did a phd in computational neuroscience, now a postdoc",
          "i want to move into ML research. do i need a second phd?"},
         CR_RECO_EITHER, "ai-residency-programs"},
        /* The two options named in a last short question. */
        {{"i want to be a research scientist, i have two papers",
          "i got a phd offer from oxford and a quant offer from a bank",
          "so, oxford phd or bank?"},
         CR_RECO_PHD, "research-scientist"},
        /* Research tried and disliked, with a job in hand. */
        {{"i was an RA for a year and i didn't enjoy research at all",
          "now i have an offer as a backend developer",
          "should i still do the phd?"},
         CR_RECO_INDUSTRY, "thoughts"},
        /* A future founder with a job in hand. */
        {{"my dream is to found my own company",
          "i have a phd offer and an offer to be the first engineer at a "
          "small startup", "which one?"},
         CR_RECO_INDUSTRY, "starting-a-company"},
        /* Industry as the goal, a growing job, asked as go or stay. */
        {{"i'd rather build products that people use than write papers",
          "my job is at a scaleup and i learn something new every day",
          "what do you think, go or stay?"},
         CR_RECO_INDUSTRY, "look-for-exponential-growth"},
        /* Judged in a last short question. */
        {{"i'm 41 and run a small data team. i'm thinking about a phd in "
          "ML. is that crazy?"},
         CR_RECO_EITHER, "thoughts"},
        /* A research goal with a family on a stipend is left open. */
        {{"i want to be a research scientist",
          "i'm 38, married, 2 kids and a mortgage", "still, phd?"},
         CR_RECO_EITHER, "thoughts"},
        /* Never tried research, and unsure one would like it. */
        {{"i never did any research, just courses",
          "i dont know if i'd like research",
          "apply to phd now or work first?"},
         CR_RECO_INDUSTRY, "thoughts"},
        /* A future research engineer asking about research roles. */
        {{"i'd love to work at deepmind but more on the engineering side",
          "do i need a phd for research engineer role?"},
         CR_RECO_INDUSTRY, "research-scientist"},
        /* From another science into AI research: a residency. */
        {{"i have a phd in astrophysics",
          "i want to move into ai research. should i do another phd in ml?"},
         CR_RECO_EITHER, "ai-residency-programs"},
        /* A lab with few GPUs, and a question of compute. */
        {{"my uni lab has like 4 gpus total",
          "if i do a phd there can i do anything meaningful? or is industry "
          "better for compute?"},
         CR_RECO_EITHER, "academic-vs-industry-research"},
        /* Applied research, with an industry offer. */
        {{"i am more into applied research and have an offer to join an "
          "applied research team at a big tech company",
          "is industry research lower quality? should i take it?"},
         CR_RECO_INDUSTRY, "academic-vs-industry-research"},
        /* Fundamental research, weighing a company PhD. */
        {{"i got a cifre offer with a big telecom company",
          "but i want to do fundamental theory stuff and publish openly",
          "cifre or classical phd?"},
         CR_RECO_PHD, "cons"},
        /* A specialty tools are absorbing. */
        {{"my plan was a phd in distributed training. my friend says "
          "frameworks already do most of this automatically now. is a phd "
          "in this a good plan, or should i just work on it in industry?"},
         CR_RECO_INDUSTRY, "doing-a-phd"},
        /* Corrections of the goal, one after another. */
        {{"I want to be a SWE", "no wait, not SWE, I mean MLE",
          "and actually not MLE either, research scientist at meta AI",
          "phd or industry?"},
         CR_RECO_PHD, "research-scientist"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        cr_session_reset(s);
        cr_answer *a = NULL;
        for (int k = 0; k < 4 && t[i].turns[k]; k++) {
            cr_answer_free(a);
            a = ask(t[i].turns[k]);
        }
        ck_assert_msg(a->reco == t[i].reco && a->ncites > 0 &&
                      strcmp(a->cites[0].anchor, t[i].first) == 0,
                      "case %zu: recommendation %d, first citation %s",
                      i, (int)a->reco, a->ncites ? a->cites[0].anchor : "-");
        cr_answer_free(a);
    }
}
END_TEST

/* Taking back what one said, in words: the last message as a whole
 * ("scratch that"), or what a phrase names ("forget what I said about my
 * kids"); "don't forget" states, and "never mind" alone takes nothing
 * back. */
START_TEST(test_taking_back)
{
    static const struct {
        const char *first, *then, *fact, *value;
    } t[] = {
        {"I want to be a professor", "scratch that", "goal", "(unknown)"},
        {"I want to be a professor",
         "oh wait, forget what I just said. I want to build a startup",
         "goal", "startup"},
        {"I have 2 papers and two kids", "sorry, ignore my last message",
         "publications", "(unknown)"},
        {"I have 2 papers and two kids", "forget what I said about my kids",
         "responsibilities", "(unknown)"},
        {"I have 2 papers and two kids", "forget what I said about my kids",
         "publications", "2"},
        {"I have 2 papers", "don't forget I have two kids",
         "responsibilities", "true"},
        {"I want to be a professor", "never mind, how much does a PhD pay?",
         "goal", "academia"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        cr_session_reset(s);
        cr_answer_free(ask(t[i].first));
        cr_answer_free(ask(t[i].then));
        holds(t[i].then, t[i].fact, t[i].value);
    }
    /* What a message took back, :undo puts back. */
    cr_session_reset(s);
    cr_answer_free(ask("I want to be a professor"));
    cr_answer *a = ask("scratch that");
    ck_assert_int_eq(a->kind, CR_ANSWER_NOTED);
    ck_assert_ptr_nonnull(strstr(a->text, "set it aside"));
    cr_answer_free(a);
    free(cr_session_undo(s, d));
    holds(":undo", "goal", "academia");
}
END_TEST

/* A question nothing answers, which the classifier puts nearest to
 * one the essay does not cover, is declined, not looked up: the essay
 * has a passage on writing, but not on writing with a chatbot. */
START_TEST(test_nearest_declines)
{
    cr_answer *a = ask("is it ok to write research papers with ChatGPT?");
    ck_assert_int_eq(a->kind, CR_ANSWER_NONE);
    ck_assert_int_eq(a->ncites, 0);
    ck_assert_ptr_nonnull(strstr(a->text, "does not cover"));
    cr_answer_free(a);
}
END_TEST

/* "What do you know about me?" is answered from what the user told. */
START_TEST(test_recall)
{
    cr_answer *a = ask("what do you know about me?");
    ck_assert_int_eq(a->kind, CR_ANSWER_NOTED);
    ck_assert_ptr_nonnull(strstr(a->text, "told me nothing"));
    cr_answer_free(a);
    cr_answer_free(ask("I want to be a professor and I have 2 papers"));
    a = ask("ok so what have I told you so far?");
    ck_assert_int_eq(a->kind, CR_ANSWER_NOTED);
    ck_assert_ptr_null(a->intent);
    ck_assert_ptr_nonnull(strstr(a->text, "goal = academia"));
    ck_assert_ptr_nonnull(strstr(a->text, "publications = 2"));
    ck_assert_int_ge(a->nfacts, 2);
    cr_answer_free(a);
}
END_TEST

/* A follow-up with no topic of its own asks for the choice, answered
 * from what was said before. */
START_TEST(test_followups_ask_the_choice)
{
    static const char *const said[][3] = {
        {"I'm in France", "a company offered me a CIFRE",
         "phd-in-the-industry"},
        {"my plan is to found an AI startup",
         "my cofounder says I should get a PhD first", "starting-a-company"},
        {"I want to start my own company someday", "",
         "starting-a-company"},
    };
    static const char *const asked[] = {
        "is that a good option?", "is he right?", "would a PhD help?",
    };
    for (size_t i = 0; i < sizeof said / sizeof *said; i++) {
        cr_session_reset(s);
        cr_answer_free(ask(said[i][0]));
        if (*said[i][1])
            cr_answer_free(ask(said[i][1]));
        cr_answer *a = ask(asked[i]);
        ck_assert_msg(a->intent && strcmp(a->intent, "ask.should-i") == 0,
                      "%s: %s", asked[i], a->intent ? a->intent : "none");
        ck_assert_int_ge(a->ncites, 1);
        ck_assert_str_eq(a->cites[0].anchor, said[i][2]);
        cr_answer_free(a);
    }
}
END_TEST

/* A bare follow-up ("what matters more?") asks again about the last
 * topic answered; with none, or after small talk, it is declined. */
START_TEST(test_bare_followups_keep_the_topic)
{
    static const struct {
        const char *before[2], *asked, *intent;
    } t[] = {
        {{"option a: a top 5 school but the advisor is not very known",
          "option b: a mid ranked school, the advisor is a big name"},
         "what matters more?", "ask.school"},
        {{"how much does a PhD pay", NULL}, "Which is better?", "ask.pay"},
        {{"how much does a PhD pay", "hi"}, "which is better?", NULL},
        {{"what is the capital of France", NULL}, "a or b?", NULL},
        {{NULL, NULL}, "what matters more?", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        cr_session_reset(s);
        for (int k = 0; k < 2 && t[i].before[k]; k++)
            cr_answer_free(ask(t[i].before[k]));
        cr_answer *a = ask(t[i].asked);
        if (t[i].intent)
            ck_assert_msg(a->intent && strcmp(a->intent, t[i].intent) == 0,
                          "%zu: %s", i, a->intent ? a->intent : "none");
        else
            ck_assert_msg(a->intent == NULL && a->ncites == 0, "%zu: %s", i,
                          a->intent ? a->intent : "cited");
        cr_answer_free(a);
    }
}
END_TEST

/* Something said of oneself in passing, which no fact holds and no
 * topic claims, is acknowledged rather than declined; a request in
 * words, or a statement on a topic the essay leaves out, is declined. */
START_TEST(test_aside_is_acknowledged)
{
    cr_answer *a = ask("i dont want to be a professor");
    ck_assert_int_eq(a->kind, CR_ANSWER_NOTED);
    ck_assert_ptr_null(a->intent);
    ck_assert_int_eq(a->ncites, 0);
    ck_assert_ptr_nonnull(strstr(a->text, "Thank you for telling me"));
    cr_answer_free(a);
    static const char *const declined[] = {
        "I want to know about visas", "tell me about zebras",
        "my dog is cute",
    };
    for (size_t i = 0; i < sizeof declined / sizeof *declined; i++) {
        a = ask(declined[i]);
        ck_assert_msg(a->kind == CR_ANSWER_NONE, "%s: kind %d", declined[i],
                      a->kind);
        ck_assert_ptr_nonnull(strstr(a->text, "does not cover"));
        cr_answer_free(a);
    }
}
END_TEST

/* "Is it worth ...?" asks for the choice only about it, or short, after
 * a turn that was. */
START_TEST(test_worth_needs_the_topic)
{
    static const char gym[] = "is it worth renewing my gym membership if "
                              "the pool closes for most of the winter?";
    const cr_kb *kb = cr_session_kb(s);
    cr_intent_hit h[8];
    int n = cr_classify(kb, gym, h, 8, d);
    for (int i = 0; i < n; i++)
        ck_assert_str_ne(cr_kb_intentdef(kb, h[i].intent)->id,
                         "ask.should-i");
    cr_answer *a = ask("is it worth doing a PhD in ML?");
    ck_assert_str_eq(a->intent, "ask.should-i");
    cr_answer_free(a);
    a = ask("is it worth it?");
    ck_assert_str_eq(a->intent, "ask.should-i");
    cr_answer_free(a);
}
END_TEST

/* A choice put as a question is not a goal. */
START_TEST(test_choice_is_not_goal)
{
    cr_answer *a = ask("should I aim for a PhD or go straight to industry?");
    ck_assert(!traced(a, "goal.industry"));
    cr_answer_free(a);
}
END_TEST

START_TEST(test_asks_for_missing_fact)
{
    cr_answer *a = ask("is a PhD worth it?");
    ck_assert_str_eq(a->ask, "goal");
    ck_assert_ptr_nonnull(a->ask_prompt);
    /* Until the goal is known, the essay's own answer: it depends. */
    ck_assert_int_eq(a->reco, CR_RECO_EITHER);
    ck_assert_double_eq_tol(a->strength, 0.3, 1e-9);
    cr_answer_free(a);
}
END_TEST

START_TEST(test_fact_flag)
{
    ck_assert_int_eq(cr_session_set(s, "goal", "ml-engineer", d), 0);
    cr_answer *a = ask("should I do a PhD");
    ck_assert_int_eq(a->reco, CR_RECO_INDUSTRY);
    ck_assert(a->strength > 0.6 && a->strength < 0.8);
    cr_answer_free(a);
    ck_assert_int_eq(cr_session_set(s, "goal", "astronaut", d), -1);
    ck_assert_int_eq(cr_session_set(s, "nothing", "x", d), -1);
    ck_assert_int_eq(cr_diag_len(d), 2);
}
END_TEST

START_TEST(test_render)
{
    cr_answer *a = ask("how much does a PhD student get paid");
    char *text = cr_answer_render(a, 60, 0);
    ck_assert_ptr_nonnull(strstr(text, "§ Doing a PhD › Things to Consider "
                                       "› Pay (#pay)\n"));
    for (char *line = text; line; line = strchr(line, '\n')) {
        line += *line == '\n';
        size_t cols = 0;
        for (char *p = line; *p && *p != '\n'; p++)
            cols += ((unsigned char)*p & 0xC0) != 0x80;
        ck_assert_msg(cols <= 60, "line too wide: %.60s", line);
    }
    ck_assert_ptr_null(strchr(text, '\033'));
    free(text);
    text = cr_answer_render(a, 0, 1);
    ck_assert_ptr_nonnull(strstr(text, "\033[1m"));
    free(text);
    cr_answer_free(a);
}
END_TEST

START_TEST(test_json_contract)
{
    cr_answer *a = ask("how much does a \x1b[31mPhD\x1b[0m student get paid");
    char *s_json = cr_json_answer(a);
    ck_assert_ptr_null(strchr(s_json, '\n'));
    json_error_t err;
    json_t *o = json_loads(s_json, 0, &err);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_string_value(json_object_get(o, "question")),
                     "how much does a PhD student get paid");
    ck_assert_str_eq(json_string_value(json_object_get(o, "intent")),
                     "ask.pay");
    ck_assert(json_is_string(json_object_get(o, "answer")));
    ck_assert(json_is_null(json_object_get(o, "recommendation")));
    json_t *c = json_array_get(json_object_get(o, "citations"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(c, "anchor")), "pay");
    ck_assert_str_eq(json_string_value(json_object_get(c, "heading")), "Pay");
    ck_assert_int_eq(json_array_size(json_object_get(c, "path")), 3);
    ck_assert(json_is_string(json_object_get(c, "quote")));
    ck_assert(json_is_object(json_object_get(o, "facts")));
    ck_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(o, "trace"), 0)), "phd.pay");
    json_decref(o);
    free(s_json);
    cr_answer_free(a);
}
END_TEST

START_TEST(test_json_facts_typed)
{
    cr_answer_free(ask("I have 2 papers and I want to be a professor"));
    cr_answer *a = ask("should I do a PhD?");
    char *s_json = cr_json_answer(a);
    json_t *o = json_loads(s_json, 0, NULL);
    json_t *f = json_object_get(o, "facts");
    ck_assert_int_eq(json_integer_value(json_object_get(f, "publications")),
                     2);
    ck_assert_str_eq(json_string_value(json_object_get(f, "goal")),
                     "academia");
    ck_assert_str_eq(json_string_value(json_object_get(o, "recommendation")),
                     "phd");
    json_decref(o);
    free(s_json);
    cr_answer_free(a);
}
END_TEST

START_TEST(test_hostile_input)
{
    static const char nasty[] = "pay\0\xff\xfe\x1b]0;x\x07 \x1b[2J?";
    cr_answer *a = NULL;
    ck_assert_int_eq(cr_session_ask(s, nasty, sizeof nasty - 1, &a, d), 0);
    ck_assert_ptr_null(strchr(a->question, '\033'));
    cr_answer_free(a);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("answer");
    TCase *tc = tcase_create("answer");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_pay_cites_pay);
    tcase_add_test(tc, test_core_intents);
    tcase_add_test(tc, test_out_of_scope);
    tcase_add_test(tc, test_memory_across_turns);
    tcase_add_test(tc, test_goal_for_a_while);
    tcase_add_test(tc, test_motives_and_industry_goal);
    tcase_add_test(tc, test_motive_title);
    tcase_add_test(tc, test_motive_environment);
    tcase_add_test(tc, test_statements_in_plain_words);
    tcase_add_test(tc, test_situations_over_turns);
    tcase_add_test(tc, test_taking_back);
    tcase_add_test(tc, test_recall);
    tcase_add_test(tc, test_nearest_declines);
    tcase_add_test(tc, test_followups_ask_the_choice);
    tcase_add_test(tc, test_bare_followups_keep_the_topic);
    tcase_add_test(tc, test_aside_is_acknowledged);
    tcase_add_test(tc, test_worth_needs_the_topic);
    tcase_add_test(tc, test_choice_is_not_goal);
    tcase_add_test(tc, test_asks_for_missing_fact);
    tcase_add_test(tc, test_fact_flag);
    tcase_add_test(tc, test_render);
    tcase_add_test(tc, test_json_contract);
    tcase_add_test(tc, test_json_facts_typed);
    tcase_add_test(tc, test_hostile_input);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    return cr_run_suite(suite());
}
