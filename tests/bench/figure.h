/* SPDX-License-Identifier: MIT */
/*
 * One line per figure of issue 21's table, the same shape as tests/system/figure.py prints for
 * the QEMU figures: name, value, unit, goal and value/goal (<= 1 meets an upper bound, >= 1 a
 * lower bound), so that a regression shows at a glance.
 */
#ifndef BENCH_FIGURE_H
#define BENCH_FIGURE_H

#include <stdbool.h>
#include <stdio.h>

/* `at_most`: the goal is an upper bound (instructions, bytes), else a lower bound (rates). */
static inline void bench_figure(const char *name, double value, const char *unit, bool at_most,
				double goal)
{
	double ratio = goal ? value / goal : 0;
	bool met = at_most ? value <= goal : value >= goal;

	printf("FIGURE %-52s %14.1f %-10s goal %s %-10.0f ratio %6.2f %s\n", name, value, unit,
	       at_most ? "<=" : ">=", goal, ratio, met ? "met" : "NOT MET");
}

#endif
