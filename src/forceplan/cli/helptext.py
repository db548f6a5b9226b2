"""`--help` that shows real metavars: FILE, PATH, N, never `{scenario}` or `<bool>`.

Typer prints each parameter's Python type (`<str>`, `<int>`, `<bool>`) where
a metavar is missing, and an argument under its Python name. The command and
group classes here give every parameter a metavar when it has none (an
argument its name in capitals; a flag nothing; a value option one from its
name or type: ``*_path`` PATH, ``*_dir`` DIR, int N, float NUMBER) and show
no type beside an argument, so new options read well without care.
"""

from __future__ import annotations

import types
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_BY_TYPE = {"int": "N", "float": "NUMBER"}


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


def tidy(params: list[Any]) -> None:
    """Give every parameter of a command a metavar (see the module docstring), and
    escape its help, which Rich would otherwise read as markup (``[default: 8]``
    and ``a [levers] table`` vanished from --help)."""
    from rich.markup import escape

    for param in params:
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

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


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
