"""Domains: the values a number in a scenario may take, and the messages when it does not.

A domain is an interval with an optional open end. Its lower end is always a
rule of the model (a share cannot be negative, a rotation ratio is at least
1); its upper end is either a rule too (a share is at most 1) or a
*plausibility limit*: a bound far above any real figure, so that a typo
(``1e30``, an extra three zeros) is refused instead of flowing silently into
costs and hazards. docs/scenario.md lists every domain.

This module is plain Python (no pydantic): the figure types, the uncertainty
checks and the loader all read it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

#: The largest magnitude any number in a scenario may have, whatever its field.
MAGNITUDE_LIMIT = 1e12


@dataclass(frozen=True)
class Interval:
    """Allowed values ``low .. high`` of one quantity.

    ``low_open``/``high_open`` exclude an end (``(0, 100]``); ``hard_high``
    says the upper end is a rule of the model rather than a plausibility
    limit; ``rule`` (e.g. "a share between 0 and 1") phrases the whole
    domain for messages about a hard bound; ``what`` names the quantity for
    messages about a plausibility limit.
    """

    low: float
    high: float
    what: str = "this quantity"
    low_open: bool = False
    high_open: bool = False
    hard_high: bool = False
    rule: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"bad interval [{self.low}, {self.high}]")

    def contains(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        above_low = x > self.low if self.low_open else x >= self.low
        below_high = x < self.high if self.high_open else x <= self.high
        return above_low and below_high

    def notation(self) -> str:
        """``(0, 100]``-style notation."""
        return (
            f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}"
            f"{')' if self.high_open else ']'}"
        )

    def reason(self, x: float) -> str | None:
        """Why ``x`` lies outside this domain, or None if it lies inside."""
        if self.contains(x):
            return None
        if not math.isfinite(x):
            return f"must be a finite number (got {x})"
        if self.rule is not None and (x < self.high or self.hard_high):
            return f"must be {self.rule} (got {x:g})"
        if x <= self.low:
            if self.low == 0:
                return (
                    f"must be positive (got {x:g})"
                    if self.low_open
                    else f"must not be negative (got {x:g})"
                )
            word = "more than" if self.low_open else "at least"
            return f"must be {word} {self.low:g} (got {x:g})"
        if self.hard_high:
            word = "less than" if self.high_open else "at most"
            return f"must be {word} {self.high:g} (got {x:g})"
        return f"{x:g} is implausibly large for {self.what} (limit {self.high:g})"


def interval(
    low: float,
    high: float,
    what: str,
    *,
    low_open: bool = False,
    hard_high: bool = False,
    rule: str | None = None,
) -> Interval:
    """Shorthand for :class:`Interval` with keyword flags."""
    return Interval(low, high, what, low_open, False, hard_high, rule)


# ---------------------------------------------------------------------------
# Named domains: what an uncertainty may declare as ``domain = "<name>"``
# ---------------------------------------------------------------------------

DomainName = Literal[
    "real",
    "non_negative",
    "positive",
    "share",
    "probability",
    "correlation",
    "multiplier",
    "personnel",
    "count",
]

NAMED_DOMAINS: dict[str, Interval] = {
    "real": interval(
        -MAGNITUDE_LIMIT,
        MAGNITUDE_LIMIT,
        "a number",
        hard_high=True,
        rule=f"a number between -{MAGNITUDE_LIMIT:g} and {MAGNITUDE_LIMIT:g}",
    ),
    "non_negative": interval(0, MAGNITUDE_LIMIT, "a non-negative number"),
    "positive": interval(0, MAGNITUDE_LIMIT, "a positive number", low_open=True),
    "share": interval(0, 1, "a share", hard_high=True, rule="a share between 0 and 1"),
    "probability": interval(
        0, 1, "a probability", hard_high=True, rule="a probability between 0 and 1"
    ),
    "correlation": interval(
        -1, 1, "a correlation", hard_high=True, rule="a correlation between -1 and 1"
    ),
    "multiplier": interval(0, 100, "a multiplier", low_open=True),
    "personnel": interval(0, 10_000_000, "a number of personnel"),
    "count": interval(0, 1e9, "a count"),
}


# ---------------------------------------------------------------------------
# Problems found inside one field, each with its own sub-path
# ---------------------------------------------------------------------------


class FieldProblems(ValueError):
    """Several problems inside one field, each at a sub-path (``cost_overrun.sd``).

    A validator raises it so the loader can report each problem on its own
    located line (``uncertainties.cost_overrun.sd: ...``) instead of one
    message for the whole field.
    """

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self.items = list(items)
        super().__init__("\n".join(f"{path}: {reason}" for path, reason in self.items))


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known word, or an empty string."""
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------------------
# Text: what a name, title, source or note may hold
# ---------------------------------------------------------------------------

#: Control characters no input text may hold: C0 (tab, line feed and carriage return
#: aside), DEL, C1 and the bidirectional embeddings, overrides and isolates. Printed,
#: they would drive the reader's terminal (``\x1b[31m``) or reorder what it shows.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def control_character(text: str) -> str | None:
    """Why ``text`` may not be used (its first control character, named), or None."""
    bad = CONTROL.search(text.replace("\r\n", "\n"))
    if bad is None:
        return None
    return f"contains a control character (U+{ord(bad.group()):04X}); remove it"


def text_problem(text: str) -> str | None:
    """Why a text field may not hold ``text`` (blank, or a control character), or None.

    A blank text is refused rather than read as "none": a blank ``source`` would
    count a number as cited, a blank name leaves a row unlabelled.
    """
    if not text.strip():
        return "is blank: write the text, or leave the key out"
    return control_character(text)
