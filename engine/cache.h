/* cache.h - the compiled rule cache: a finished knowledge base kept as
 * bytes between runs, so a run whose rule files have not changed skips
 * parsing YAML (as CLIPS's bload skips parsing constructs), and the
 * essay's search index, so that it need not be built again either.
 *
 * The cache is an optimisation and never changes an answer: a cache file
 * is used only when its key (the program and format version, the SQLite
 * version, and the path, device, inode, size, mtime and ctime of the
 * essay and of every rule file) matches exactly and its checksum holds;
 * anything else, including any failure to read or write, silently means
 * "parse the YAML".  See cache.c for the format. */
#ifndef CR_CACHE_H
#define CR_CACHE_H

#include "corpus.h"
#include "kb.h"
#include "retrieval.h"

/* What identifies one set of rule files as they are on disk now. */
typedef struct cr_cache_key cr_cache_key;

/* The folder cache files go in: $XDG_CACHE_HOME/crossroads, else
 * $HOME/.cache/crossroads.  NULL when the cache is off
 * (CROSSROADS_NO_CACHE set to anything but "" or "0"), when there is no
 * home, or when the folder exists but is not the user's own, or others
 * may write in it: then *warning is a new string saying so, for the
 * user (else NULL).  A new string the caller frees. */
char *cr_cache_dir(char **warning);

/* The key of the essay at corpus_path and the rule files that the npaths
 * files or folders of rule_paths stand for (as cr_load_path reads them),
 * taken now: call it before reading any of them.  NULL when one cannot
 * be read (the YAML loader will say why).  Free with cr_cache_key_free. */
cr_cache_key *cr_cache_key_new(const char *corpus_path,
                               const char *const *rule_paths, int npaths);
void cr_cache_key_free(cr_cache_key *key);

/* The knowledge base cached in dir under key, or NULL if there is none
 * that can be trusted; the caller frees the result with cr_kb_free.
 * With it come the essay the key names, kept in the cache so that it is
 * not parsed again, into *corpus, and a new index of it into *ix, given
 * the image of the search index kept with them if any
 * (cr_index_set_image); the caller frees both after the kb.  Without it,
 * *corpus and *ix are left as they were. */
cr_kb *cr_cache_load(const char *dir, const cr_cache_key *key,
                     cr_corpus **corpus, cr_index **ix);

/* Keep kb, loaded and finished without errors from the files of key,
 * in dir, with corpus, the essay of key, and the image of ix, its index (built
 * now for it if it is not yet; NULL for none): written to a temporary
 * file and renamed into place, so a reader never sees half a file.
 * Does nothing when a file of the key changed so recently that a later
 * change might keep its mtime (as git distrusts "racily clean" files).
 * Writing one removes the files of dir that no run has used for 30
 * days, and temporary files an hour old that a killed run left.
 * Returns 0 if the file was written, -1 if not; failing is harmless and
 * callers may ignore it. */
int cr_cache_save(const char *dir, const cr_cache_key *key,
                  const cr_kb *kb, const cr_corpus *corpus, cr_index *ix);

/* The cache file of key in dir: a new string the caller frees (for
 * tests and --stats). */
char *cr_cache_file(const char *dir, const cr_cache_key *key);

#endif
