"""Attributing a change in outcomes to each of the changes that caused it.

With n changes (players) and a value function v(S) giving the outcomes of the
base with only the changes in S applied, the Shapley value (Shapley 1953) of
change i is

    phi_i = sum over S not containing i of  |S|! (n - |S| - 1)! / n!  (v(S + i) - v(S))

the average, over every order in which the changes could be applied, of what
change i adds when it arrives. The parts sum exactly to v(all) - v(none)
(efficiency); a change that never matters gets 0; two changes that only
matter together split their joint effect evenly. Exact Shapley needs all 2^n
coalitions. Beyond that, :func:`sampled_shapley` averages the marginal
contributions over random orders, each drawn with its reverse (antithetic
pairs, which makes a pure pairwise interaction split exactly evenly), and
:func:`one_at_a_time` gives each change its effect on the base alone plus an
interaction remainder. Every method's parts (with the remainder) sum to the
total change.

Coalitions are bit masks: bit i set means change i is applied. The value
function takes a batch of masks and returns one row of outcomes per mask, so
the caller can evaluate them together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

ValueFunction = Callable[[Sequence[int]], np.ndarray]
Method = str  # "auto", "exact", "sampled", "one_at_a_time"

METHOD_NAMES = {
    "exact": "exact Shapley values over all {coalitions} coalitions of {n} change(s)",
    "sampled": "sampled Shapley values: {permutations} random orders of {n} changes "
    "(antithetic pairs), {coalitions} coalitions evaluated",
    "one_at_a_time": "one at a time: each change's effect on the base alone, plus the "
    "interaction remainder ({coalitions} coalitions)",
}


@dataclass(frozen=True)
class Attribution:
    """Parts of the change of each outcome (columns) due to each change (rows)."""

    method: str
    base: np.ndarray  # (k,)
    full: np.ndarray  # (k,)
    parts: np.ndarray  # (n, k)
    interaction: np.ndarray | None  # (k,) one-at-a-time remainder, else None
    std_error: np.ndarray | None  # (n, k) for sampled Shapley, else None
    coalitions: int  # distinct coalitions evaluated
    permutations: int = 0

    @property
    def total(self) -> np.ndarray:
        return self.full - self.base

    @property
    def description(self) -> str:
        return METHOD_NAMES[self.method].format(
            n=self.parts.shape[0], coalitions=self.coalitions, permutations=self.permutations
        )


def attribute(
    n: int,
    values: ValueFunction,
    method: Method = "auto",
    *,
    max_exact: int = 8,
    permutations: int | None = None,
    seed: int = 0,
) -> Attribution:
    """Attribute v(all) - v(none) to ``n`` changes; ``auto`` is exact up to ``max_exact``.

    ``permutations`` (sampled Shapley) defaults to an even number of orders
    costing about as many coalitions as the largest exact case, 2^max_exact.
    """
    if method == "auto":
        method = "exact" if n <= max_exact else "sampled"
    if method == "exact":
        return exact_shapley(n, values)
    if method == "sampled":
        if permutations is None:
            permutations = max(2, 2 * ((1 << max_exact) // max(n, 1) // 2))
        return sampled_shapley(n, values, permutations=permutations, seed=seed)
    if method == "one_at_a_time":
        return one_at_a_time(n, values)
    raise ValueError(f"unknown attribution method {method!r} (auto, exact, sampled, one_at_a_time)")


def exact_shapley(n: int, values: ValueFunction) -> Attribution:
    masks = np.arange(1 << n)
    v = np.asarray(values(masks.tolist()), dtype=float)
    full = (1 << n) - 1
    sizes = np.array([bin(m).count("1") for m in range(1 << n)])
    weights = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )
    parts = np.zeros((n, v.shape[1]))
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        parts[i] = (weights[sizes[without]][:, None] * (v[without | bit] - v[without])).sum(axis=0)
    return Attribution("exact", v[0], v[full], parts, None, None, coalitions=1 << n)


def sampled_shapley(
    n: int, values: ValueFunction, *, permutations: int = 32, seed: int = 0
) -> Attribution:
    """Average marginal contributions over random orders, each with its reverse."""
    pairs = max(1, permutations // 2)
    rng = np.random.default_rng(seed)
    orders: list[np.ndarray] = []
    for _ in range(pairs):
        order = rng.permutation(n)
        orders.extend([order, order[::-1]])
    prefixes = [_prefix_masks(order) for order in orders]
    unique = sorted({int(m) for p in prefixes for m in p})
    v = np.asarray(values(unique), dtype=float)
    row = {m: i for i, m in enumerate(unique)}
    k = v.shape[1]
    contributions = np.zeros((len(orders), n, k))
    for p, (order, masks) in enumerate(zip(orders, prefixes, strict=True)):
        rows = v[[row[int(m)] for m in masks]]
        contributions[p, order] = rows[1:] - rows[:-1]
    parts = contributions.mean(axis=0)
    pair_means = contributions.reshape(pairs, 2, n, k).mean(axis=1)
    std_error = (
        pair_means.std(axis=0, ddof=1) / np.sqrt(pairs) if pairs > 1 else np.full((n, k), np.nan)
    )
    full = (1 << n) - 1
    return Attribution(
        "sampled",
        v[row[0]],
        v[row[full]],
        parts,
        None,
        std_error,
        coalitions=len(unique),
        permutations=len(orders),
    )


def _prefix_masks(order: np.ndarray) -> list[int]:
    masks = [0]
    for i in order:
        masks.append(masks[-1] | (1 << int(i)))
    return masks


def one_at_a_time(n: int, values: ValueFunction) -> Attribution:
    full = (1 << n) - 1
    masks = [0, *[1 << i for i in range(n)]]
    if full not in masks:
        masks.append(full)
    v = np.asarray(values(masks), dtype=float)
    base, top = v[0], v[masks.index(full)]
    parts = v[1 : n + 1] - base if n else np.zeros((0, v.shape[1]))
    interaction = (top - base) - parts.sum(axis=0)
    return Attribution("one_at_a_time", base, top, parts, interaction, None, coalitions=len(masks))
