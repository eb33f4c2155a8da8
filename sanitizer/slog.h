/* Logging for the sanitizer's modules: one line per event on stderr, off unless a
 * program turns it on. Modules define their own LOG() around slog_write(). */
#ifndef BUNRI_SLOG_H
#define BUNRI_SLOG_H

void slog_enable(int on);
void slog_write(const char *module, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
