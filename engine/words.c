/* words.c - the English word list, and its table kept between runs (see
 * words.h).
 *
 * A table file is a header of 16 bytes, "CRWORDS1", the number n of
 * hashes and 0x01020304 (both 32-bit, in the machine's order, so that a
 * table written elsewhere is refused), then the n hashes, ascending. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksum.h"
#include "fileio.h"
#include "words.h"
#include "xmalloc.h"

enum { HEADER = 16, ENDIAN = 0x01020304 };
static const char magic[8] = "CRWORDS1";

static struct {
    char *keep;                 /* the folder of tables, or NULL */
    char *path;                 /* the list read, or NULL: none yet */
    const uint32_t *hash;       /* its words' hashes, ascending */
    size_t n;
    void *map;                  /* the table's mapping, or NULL */
    size_t maplen;
    uint32_t *own;              /* or the hashes read from the list */
} words;

const char *cr_word_list(void)
{
    const char *path = getenv("CROSSROADS_WORDS");
    return path && *path ? path : "/usr/share/dict/words";
}

void cr_words_keep_in(const char *dir)
{
    free(words.keep);
    words.keep = dir ? xstrdup(dir) : NULL;
}

/* Forget the list read. */
static void drop(void)
{
    if (words.map)
        munmap(words.map, words.maplen);
    free(words.own);
    free(words.path);
    words.path = NULL;
    words.map = NULL;
    words.own = NULL;
    words.hash = NULL;
    words.n = 0;
}

void cr_words_free(void)
{
    drop();
    cr_words_keep_in(NULL);
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The name of the table of the list at path as it is now (st), or NULL
 * when there is no folder to keep it in. */
static char *table_name(const char *path, const struct stat *st)
{
    if (words.keep == NULL)
        return NULL;
    char *id = xasprintf("%jd %jd %ld %ju %ju %s", (intmax_t)st->st_size,
                         (intmax_t)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
                         (uintmax_t)st->st_ino, (uintmax_t)st->st_dev, path);
    char *name = xasprintf("%s/words-%016" PRIx64 ".tab", words.keep,
                           cr_checksum(id, strlen(id)));
    free(id);
    return name;
}

/* Map the table at name, if it is one. */
static int map_table(const char *name)
{
    int err, fd = cr_file_open(name, O_RDONLY, 0, &err);
    if (fd < 0)
        return -1;
    struct stat st;
    unsigned char head[HEADER];
    uint32_t n, endian;
    int ok = fstat(fd, &st) == 0 && st.st_size >= HEADER &&
             cr_fd_transfer(fd, head, HEADER, 0) == 0 &&
             memcmp(head, magic, sizeof magic) == 0;
    if (ok) {
        memcpy(&n, head + 8, 4);
        memcpy(&endian, head + 12, 4);
        ok = endian == ENDIAN &&
             (uint64_t)st.st_size == HEADER + 4 * (uint64_t)n;
    }
    void *m = ok ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
                        fd, 0)
                 : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    words.map = m;
    words.maplen = (size_t)st.st_size;
    words.hash = (const uint32_t *)((unsigned char *)m + HEADER);
    words.n = n;
    return 0;
}

/* Read the list from fd: the sorted hashes of its lowercased words,
 * each once. */
static void read_list(int fd)
{
    FILE *f = fdopen(fd, "r");
    if (f == NULL) {
        close(fd);
        return;
    }
    uint32_t *h = NULL;
    size_t n = 0, cap = 0;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        size_t k = 0;
        for (; line[k] && line[k] != '\n'; k++)
            if (line[k] >= 'A' && line[k] <= 'Z')
                line[k] = (char)(line[k] - 'A' + 'a');
        line[k] = '\0';
        if (n == cap)
            h = xreallocarray(h, cap = cap ? 2 * cap : 1024, sizeof *h);
        h[n++] = cr_hash32_str(line);
    }
    fclose(f);
    if (n > 0)
        qsort(h, n, sizeof *h, by_value);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || h[i] != h[u - 1])
            h[u++] = h[i];
    words.own = h;
    words.hash = h;
    words.n = u;
}

/* Keep the hashes read as the table name, for the next process; a
 * failure only costs that process the reading. */
static void save_table(const char *name)
{
    unsigned char head[HEADER];
    uint32_t n = (uint32_t)words.n, endian = ENDIAN;
    if (words.n > UINT32_MAX)
        return;
    memcpy(head, magic, sizeof magic);
    memcpy(head + 8, &n, 4);
    memcpy(head + 12, &endian, 4);
    const void *parts[2] = {head, words.hash};
    size_t lens[2] = {HEADER, words.n * sizeof *words.hash};
    (void)cr_file_replace(name, parts, lens, 2, 0);
}

static void load(const char *path)
{
    drop();
    words.path = xstrdup(path ? path : "");
    int err, fd = path ? cr_file_open(path, O_RDONLY, 0, &err) : -1;
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return;
    }
    char *name = table_name(path, &st);
    if (name && map_table(name) == 0) {
        close(fd);
    } else {
        read_list(fd);
        if (name)
            save_table(name);
    }
    free(name);
}

int cr_words_has(const char *path, const char *word)
{
    if (words.path == NULL || strcmp(words.path, path ? path : "") != 0)
        load(path);
    uint32_t h = cr_hash32_str(word);
    return words.n > 0 &&
           bsearch(&h, words.hash, words.n, sizeof h, by_value) != NULL;
}
