/* json.h - answers as JSON (jansson), the contract of --json.
 *
 * The only module that sees <jansson.h>.  One object per answer:
 * question, intent, answer, recommendation, strength, citations [{anchor,
 * heading, path, quote}], facts {name: value}, trace [rule ids], ask. */
#ifndef CR_JSON_H
#define CR_JSON_H

#include "answer.h"

/* The answer as one line of JSON; a new string the caller frees. */
char *cr_json_answer(const cr_answer *a);

#endif
