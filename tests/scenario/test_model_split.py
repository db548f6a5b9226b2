"""The scenario schema is split by concern; forceplan.scenario.model keeps every name."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import forceplan.scenario.model as model

PARTS = ("fields", "forces", "operations", "settings", "checks", "model")


@pytest.mark.parametrize("part", ["fields", "forces", "operations", "settings"])
def test_every_public_name_is_still_importable_from_model(part: str) -> None:
    module = importlib.import_module(f"forceplan.scenario.{part}")
    tree = ast.parse(Path(str(module.__file__)).read_text())
    defined = [n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)]
    defined += [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)]
    public = [n for n in defined if not n.startswith("_")]
    assert public
    for name in public:
        assert getattr(model, name) is getattr(module, name), name
        assert name in model.__all__, name


def test_no_part_passes_600_lines() -> None:
    folder = Path(model.__file__).parent
    lengths = {p: len((folder / f"{p}.py").read_text().splitlines()) for p in PARTS}
    assert max(lengths.values()) <= 600, lengths
