/* xmalloc.h - allocation that never returns NULL.
 *
 * Running out of memory is not an error crossroads can recover from, so
 * these report and abort (as tmux's xmalloc.c does); callers never check. */
#ifndef CR_XMALLOC_H
#define CR_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grow an array of nmemb elements of size bytes; overflow aborts too. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* A growable NUL-terminated byte string. */
typedef struct cr_buf {
    char *s;
    size_t len, cap;
} cr_buf;

void cr_buf_putn(cr_buf *b, const char *s, size_t n);
void cr_buf_puts(cr_buf *b, const char *s);
void cr_buf_putc(cr_buf *b, int c);
void cr_buf_printf(cr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Give up ownership of the string (never NULL); the buffer is left empty. */
char *cr_buf_take(cr_buf *b);
void cr_buf_free(cr_buf *b);

#endif
