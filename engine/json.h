/* json.h - answers as JSON (jansson), the contract of --json.
 *
 * The only module that sees <jansson.h>.  One object per answer:
 * question, intent, answer, recommendation, strength, citations [{anchor,
 * heading, path, quote}], facts {name: value}, trace [rule ids], ask.
 * In a conversation, questions of the consultation and what commands
 * print are objects of their own. */
#ifndef CR_JSON_H
#define CR_JSON_H

#include "answer.h"

/* The answer as one line of JSON; a new string the caller frees. */
char *cr_json_answer(const cr_answer *a);

/* A question of the guided consultation: {"ask": fact, "question",
 * "hint", "answers": [...]}; a new string. */
char *cr_json_question(const char *fact, const char *question,
                       const char *hint, const char *const *answers, int n);

/* What a command printed: {"command": name, "output": text}; a new
 * string. */
char *cr_json_output(const char *command, const char *text);

#endif
