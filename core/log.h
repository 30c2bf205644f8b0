/* SPDX-License-Identifier: MIT */
/*
 * Console log: one line per event, "moat: <component>: <text>". A file sets LOG_COMPONENT
 * before including this header. Lines logged before a console exists are kept in a small
 * buffer and written out once one is attached.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stddef.h>

#include "lib/compiler.h"

#ifndef LOG_COMPONENT
#define LOG_COMPONENT "moat"
#endif

enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG
};

typedef void (*log_sink_fn)(const char *s, size_t len);

void log_emit(enum log_level lvl, const char *comp, const char *fmt, ...) __printf(3, 4);
/* Raw line, no prefix (used for the summary lines that tests match exactly). */
void log_raw(const char *fmt, ...) __printf(1, 2);
void log_set_sink(log_sink_fn sink);
void log_set_level(enum log_level max);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define pr_err(fmt, ...) log_emit(LOG_ERR, LOG_COMPONENT, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) log_emit(LOG_WARN, LOG_COMPONENT, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) log_emit(LOG_INFO, LOG_COMPONENT, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_emit(LOG_DEBUG, LOG_COMPONENT, fmt, ##__VA_ARGS__)

#endif
