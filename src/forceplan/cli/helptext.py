"""Every command's parameters: real metavars in `--help`, and values checked on the way in.

Typer prints each parameter's Python type (`<str>`, `<int>`, `<bool>`) where
a metavar is missing, and an argument under its Python name. The command and
group classes here give every parameter a metavar when it has none (an
argument its name in capitals; a flag nothing; a value option one from its
name or type: ``*_path`` PATH, ``*_dir`` DIR, int N, float NUMBER) and show
no type beside an argument, so new options read well without care. Help
texts are shown as written (``[levers]`` is not Rich markup).

They also refuse, for every option and argument of every command, values no
command means (docs/cli.md, "Values of options"): an empty or blank text
(``--json ''``, ``--where ' '``, a scenario named ``''``), text with a control
character (an ANSI escape would reach the terminal), a number that is not
finite (``nan``, ``inf``) and a whole number beyond 2**64 - 1. An empty
environment variable (``FORCEPLAN_DB=``) counts as unset.
"""

from __future__ import annotations

import math
import re
import types
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_BY_TYPE = {"int": "N", "float": "NUMBER"}
#: C0 and C1 control characters (tab and newline aside) and the bidirectional overrides;
#: the same set scenario files may not hold (forceplan.scenario.files).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The largest whole number an option takes (a seed is at most 2**64 - 1).
MAX_WHOLE = 2**64 - 1


def _metavar(option: TyperOption) -> str:
    name = option.name or ""
    if name.endswith("_path") or name in ("output", "path"):
        return "PATH"
    if name.endswith("_dir"):
        return "DIR"
    bare = option.type_descriptor.annotation
    return _BY_TYPE.get(getattr(bare, "__name__", ""), "TEXT")


def _no_type(self: Any, ctx: Any) -> None:
    return None


def _problem(value: Any) -> str | None:
    """Why one value of a parameter is refused (see the module docstring), or None."""
    if isinstance(value, str):
        if not value.strip():
            return "is empty"
        bad = CONTROL.search(value)
        if bad:
            return f"contains a control character (U+{ord(bad.group()):04X}) at position " \
                f"{bad.start() + 1}"
    elif isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number (got {value})"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
        return f"is too large (at most 2**64 - 1 = {MAX_WHOLE})"
    return None


def _checked(param: Any) -> None:
    """Wrap ``param.process_value`` so every value it yields passes :func:`_problem`."""
    original = param.process_value

    numeric = "float" in str(getattr(getattr(param, "type_descriptor", None), "annotation", ""))

    def process_value(ctx: Any, value: Any) -> Any:
        if isinstance(value, str) and not value.strip() and _from_environment(ctx, param):
            value = None  # FORCEPLAN_DB= (set but empty) means unset
        if numeric and isinstance(value, str) and _not_finite(value):
            # before Typer's own range check, which would call nan "above the maximum"
            raise typer.BadParameter(f"must be a finite number (got {value})", ctx=ctx,
                                     param=param)
        _refuse(_items(value), ctx, param)  # as typed: '' would become the path '.'
        value = original(ctx, value)
        _refuse(_items(value), ctx, param)
        return value

    param.process_value = process_value


def _items(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _refuse(items: tuple[Any, ...], ctx: Any, param: Any) -> None:
    for item in items:
        reason = _problem(item)
        if reason is not None:
            raise typer.BadParameter(reason, ctx=ctx, param=param)


def _not_finite(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False


def _from_environment(ctx: Any, param: Any) -> bool:
    try:
        source = ctx.get_parameter_source(param.name)
    except (AttributeError, KeyError):
        return False
    return getattr(source, "name", "") == "ENVIRONMENT"


def tidy(params: list[Any]) -> None:
    """Metavars, literal help texts and value checks for every parameter (module docstring).

    Help is escaped: Rich would otherwise read it as markup (``[default: 8]`` and
    ``a [levers] table`` vanished from --help)."""
    for param in params:
        _checked(param)
        if getattr(param, "help", None):
            param.help = escape(param.help)
        if isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
            param.display_type_rich = types.MethodType(_no_type, param)  # type: ignore[method-assign]
        elif isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = "" if param.is_flag else _metavar(param)


class Command(TyperCommand):
    """A command whose parameters all have metavars, its --help included."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self.params)
        if self.help:
            self.help = escape(self.help)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    def invoke(self, ctx: Any) -> Any:
        from forceplan.cli.common import new_command  # common imports this module

        new_command()
        return super().invoke(ctx)


class Group(TyperGroup):
    """The top-level group: its --help shows no `<bool>` either."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class Typer(typer.Typer):
    """typer.Typer whose commands default to :class:`Command`."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
