/* SPDX-License-Identifier: MIT */
/*
 * An interval map [start, end) -> (out, prot): the independent expectation that property
 * tests hold the page tables against. Sorted array of disjoint intervals.
 */
#ifndef IVMAP_H
#define IVMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iv {
	uint64_t start, end; /* end exclusive */
	uint64_t out;	     /* output of `start` */
	uint32_t prot;
};

struct ivmap {
	struct iv *v;
	size_t n, cap;
};

void ivmap_init(struct ivmap *m);
void ivmap_free(struct ivmap *m);
void ivmap_set(struct ivmap *m, uint64_t start, uint64_t end, uint64_t out, uint32_t prot);
void ivmap_clear(struct ivmap *m, uint64_t start, uint64_t end);
/* The interval holding `a`, or NULL. */
const struct iv *ivmap_find(const struct ivmap *m, uint64_t a);

#endif
