// SPDX-License-Identifier: MIT
#include "core/log.h"

#include <stdarg.h>

#include <arch/cpu.h>

#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/lock.h"

#define LOG_LINE_MAX 256
#define LOG_EARLY_MAX 4096

static log_sink_fn log_sink;
#ifdef MOAT_DEBUG
static enum log_level log_max = LOG_DEBUG;
#else
static enum log_level log_max = LOG_INFO;
#endif
static char log_early[LOG_EARLY_MAX];
static size_t log_early_len;
static size_t log_early_dropped;

/* With VMs on several CPUs, lines must not interleave: one line is written at a time. */
static struct spinlock log_lock = SPINLOCK_INIT;

static void log_write(const char *s, size_t len)
{
	if (log_sink) {
		spin_lock(&log_lock);
		log_sink(s, len);
		spin_unlock(&log_lock);
		return;
	}
	if (log_early_len + len > sizeof(log_early)) {
		log_early_dropped++;
		return;
	}
	for (size_t i = 0; i < len; i++)
		log_early[log_early_len + i] = s[i];
	log_early_len += len;
}

void log_set_sink(log_sink_fn sink)
{
	log_sink = sink;
	if (sink && log_early_len) {
		sink(log_early, log_early_len);
		log_early_len = 0;
	}
	if (sink && log_early_dropped) {
		char line[LOG_LINE_MAX];
		int n = fmt_snprintf(line, sizeof(line), "moat: log: %zu early lines dropped\n",
				     log_early_dropped);
		sink(line, (size_t)MIN(n, LOG_LINE_MAX - 1));
		log_early_dropped = 0;
	}
}

void log_set_level(enum log_level max)
{
	log_max = max;
}

static void log_vemit(enum log_level lvl, const char *comp, const char *fmt, va_list ap)
{
	static const char *const tags[] = { "error: ", "warning: ", "", "" };
	char line[LOG_LINE_MAX];
	int n;

	n = fmt_snprintf(line, sizeof(line), "moat: %s: %s", comp, tags[lvl]);
	if (n >= LOG_LINE_MAX - 2)
		n = LOG_LINE_MAX - 2;
	n += fmt_vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > LOG_LINE_MAX - 2)
		n = LOG_LINE_MAX - 2;
	line[n++] = '\n';
	log_write(line, (size_t)n);
}

void log_emit(enum log_level lvl, const char *comp, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	log_vemit(lvl, comp, fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_write(line, (size_t)MIN(n, LOG_LINE_MAX - 1));
}

#ifdef MOAT_DEBUG
void err_trace(const char *file, int line, int err)
{
	log_emit(LOG_DEBUG, "trace", "%s:%d: returning %s", file, line, err_str(err));
}
#endif

void panic(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX - 16];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_raw("moat: panic: %s\n", msg);
	arch_halt(false);
}
