# SPDX-License-Identifier: MIT
"""One line per figure of issue 21's table, the shape tests/bench/figure.h prints: name,
value, unit, goal and value/goal (<= 1 meets an upper bound, >= 1 a lower bound)."""


def figure(name, value, unit, goal, at_most=True):
    ratio = value / goal if goal else 0
    met = value <= goal if at_most else value >= goal
    print(f"FIGURE {name:<52} {value:14.1f} {unit:<10} goal {'<=' if at_most else '>='} "
          f"{goal:<10.0f} ratio {ratio:6.2f} {'met' if met else 'NOT MET'}")
