/* profile.h - what the user told crossroads about themselves, kept in a
 * YAML file between conversations:
 *
 *     # crossroads profile
 *     facts:
 *       goal: startup
 *       publications: 2
 *
 * Only the facts the user stated (in words, with --fact, :set or an
 * earlier profile) are kept; what rules concluded is concluded again. */
#ifndef CR_PROFILE_H
#define CR_PROFILE_H

#include "diag.h"
#include "session.h"

/* Profiles larger than this are refused unread. */
#define CR_PROFILE_MAX (1 << 20)

/* Write the facts the user stated in s to path, atomically: into a new
 * file of mode 0600 in the same folder, flushed to the disk, then renamed
 * over path, so that a crash, a full disk or a read-only folder leaves
 * the old file as it was.  Returns the number of facts saved, or -1 with
 * the reason in d. */
int cr_profile_save(const cr_session *s, const char *path, cr_diag *d);

/* The text cr_profile_save writes: a new string; *count is set to the
 * number of facts in it. */
char *cr_profile_text(const cr_session *s, int *count);

/* State in s each fact of the profile at path.  The whole file is
 * checked first: on any problem nothing is stated, and every problem is
 * in d as file:line:col.  Returns the number of facts, or -1. */
int cr_profile_load(cr_session *s, const char *path, cr_diag *d);

#endif
