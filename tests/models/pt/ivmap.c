// SPDX-License-Identifier: MIT
#include "ivmap.h"

#include <stdlib.h>
#include <string.h>

void ivmap_init(struct ivmap *m)
{
	memset(m, 0, sizeof(*m));
}

void ivmap_free(struct ivmap *m)
{
	free(m->v);
	ivmap_init(m);
}

/*
 * Element moves by hand: the sanitizer runtime's memmove is byte by byte, and the property
 * tests move these arrays millions of times.
 */
static void iv_move_up(struct iv *v, size_t from, size_t n)
{
	for (size_t k = n; k > from; k--)
		v[k] = v[k - 1];
}

static void iv_move_down(struct iv *v, size_t at, size_t n)
{
	for (size_t k = at; k + 1 < n; k++)
		v[k] = v[k + 1];
}

static void ivmap_insert_at(struct ivmap *m, size_t i, const struct iv *iv)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (!m->v)
			abort();
	}
	iv_move_up(m->v, i, m->n);
	m->v[i] = *iv;
	m->n++;
}

/* First interval whose end is above `a`. */
static size_t ivmap_lower(const struct ivmap *m, uint64_t a)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->v[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ivmap_clear(struct ivmap *m, uint64_t start, uint64_t end)
{
	size_t i = ivmap_lower(m, start);

	while (i < m->n && m->v[i].start < end) {
		struct iv *c = &m->v[i];

		if (c->start < start && c->end > end) { /* split in two */
			struct iv right = { end, c->end, c->out + (end - c->start), c->prot };

			c->end = start;
			ivmap_insert_at(m, i + 1, &right);
			return;
		}
		if (c->start < start) {
			c->end = start;
			i++;
		} else if (c->end > end) {
			c->out += end - c->start;
			c->start = end;
			return;
		} else {
			iv_move_down(m->v, i, m->n);
			m->n--;
		}
	}
}

void ivmap_set(struct ivmap *m, uint64_t start, uint64_t end, uint64_t out, uint32_t prot)
{
	struct iv iv = { start, end, out, prot };

	ivmap_clear(m, start, end);
	ivmap_insert_at(m, ivmap_lower(m, start), &iv);
}

const struct iv *ivmap_find(const struct ivmap *m, uint64_t a)
{
	size_t i = ivmap_lower(m, a);

	return i < m->n && m->v[i].start <= a ? &m->v[i] : NULL;
}
