"""Attribution on toy value functions whose Shapley values are known by hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forceplan.update.attribution import (
    attribute,
    exact_shapley,
    one_at_a_time,
    sampled_shapley,
)


def table(fn: Callable[[int], Sequence[float]]) -> Callable[[Sequence[int]], np.ndarray]:
    """A value function over masks from a per-mask function, counting the calls."""

    def values(masks: Sequence[int]) -> np.ndarray:
        return np.array([list(fn(int(m))) for m in masks], dtype=float)

    return values


def bits(mask: int, n: int) -> list[int]:
    return [mask >> i & 1 for i in range(n)]


EFFECTS = [3.0, -1.5, 0.25, 7.0]


def additive(mask: int) -> list[float]:
    # two outcomes: the sum of own effects, and ten times it plus a constant level
    own = sum(e for e, b in zip(EFFECTS, bits(mask, 4), strict=True) if b)
    return [own, 100.0 + 10 * own]


@pytest.mark.parametrize("method", ["exact", "sampled", "one_at_a_time"])
def test_additive_changes_get_exactly_their_own_effect(method: str) -> None:
    a = attribute(4, table(additive), method, permutations=6)
    np.testing.assert_allclose(a.parts[:, 0], EFFECTS, atol=1e-12)
    np.testing.assert_allclose(a.parts[:, 1], [10 * e for e in EFFECTS], atol=1e-9)
    np.testing.assert_allclose(a.base, [0.0, 100.0])
    if a.interaction is not None:
        np.testing.assert_allclose(a.interaction, 0.0, atol=1e-12)
    if a.std_error is not None:  # every order gives the same parts: no sampling error
        np.testing.assert_allclose(a.std_error, 0.0, atol=1e-12)


def pure_interaction(mask: int) -> list[float]:
    # worth 6 only when changes 0 and 2 are both in; change 1 never matters
    return [6.0 if (mask & 0b101) == 0b101 else 0.0]


def test_a_pure_interaction_is_split_evenly() -> None:
    a = exact_shapley(3, table(pure_interaction))
    np.testing.assert_allclose(a.parts[:, 0], [3.0, 0.0, 3.0])
    assert a.coalitions == 8


def test_sampled_antithetic_orders_split_a_pairwise_interaction_exactly() -> None:
    # each order and its reverse put change 0 and change 2 last once each
    a = sampled_shapley(3, table(pure_interaction), permutations=4, seed=11)
    np.testing.assert_allclose(a.parts[:, 0], [3.0, 0.0, 3.0])


def test_one_at_a_time_leaves_the_interaction_as_a_remainder() -> None:
    a = one_at_a_time(3, table(pure_interaction))
    np.testing.assert_allclose(a.parts[:, 0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(a.interaction, [6.0])
    assert a.coalitions == 5  # none, each alone, all


def test_mixed_known_answer() -> None:
    # v = 2*x0 + 4*x1 + 5*x0*x1 - 3*x0*x1*x2: phi0 = 2 + 5/2 - 3/3 = 3.5,
    # phi1 = 4 + 5/2 - 1 = 5.5, phi2 = -1; total v(all) = 8
    def v(mask: int) -> list[float]:
        x0, x1, x2 = bits(mask, 3)
        return [2 * x0 + 4 * x1 + 5 * x0 * x1 - 3 * x0 * x1 * x2]

    a = exact_shapley(3, table(v))
    np.testing.assert_allclose(a.parts[:, 0], [3.5, 5.5, -1.0])
    assert a.total[0] == pytest.approx(8.0)


def test_no_changes_gives_no_parts() -> None:
    a = attribute(0, table(lambda m: [42.0]))
    assert a.parts.shape == (0, 1)
    assert a.total[0] == 0.0


def test_auto_switches_to_sampling_beyond_the_exact_limit() -> None:
    def v(mask: int) -> list[float]:
        return [float(bin(mask).count("1"))]

    assert attribute(3, table(v), max_exact=3).method == "exact"
    a = attribute(4, table(v), max_exact=3, permutations=8)
    assert a.method == "sampled" and a.permutations == 8
    assert "sampled Shapley" in a.description
    # by default about 2^max_exact coalitions' worth of orders: 2 * ((16 // 5) // 2) = 2
    assert attribute(5, table(v), max_exact=4).permutations == 2
    assert attribute(9, table(v), max_exact=8).permutations == 28


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribute(2, table(lambda m: [0.0]), "banzhaf")


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=5),
    seed=st.integers(min_value=0, max_value=10_000),
    method=st.sampled_from(["exact", "sampled", "one_at_a_time"]),
)
def test_parts_always_sum_to_the_total(n: int, seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    values_table = rng.normal(size=(1 << n, 3)) * 100

    a = attribute(n, lambda masks: values_table[list(masks)], method, permutations=6, seed=seed)
    summed = a.parts.sum(axis=0) + (a.interaction if a.interaction is not None else 0.0)
    np.testing.assert_allclose(summed, values_table[-1] - values_table[0], atol=1e-9)
