"""Imports follow the data flow: scenario -> plan -> simulate -> update, shells on top.

Parses every module's import statements (no code is run) and checks that no
stage imports a later stage or a shell (cli, web, store).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "forceplan"
ORDER = ["scenario", "plan", "simulate", "update", "explore", "report"]
SHELLS = {"cli", "web", "store"}
#: Leaf modules any stage may import: they import nothing of ours.
LEAVES = {"_version", "_processes"}


def forceplan_imports(path: Path) -> set[str]:
    """The forceplan sub-packages a module imports (first component after 'forceplan')."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "forceplan" and len(parts) > 1:
                found.add(parts[1])
    return found


def stage_modules(stage: str) -> list[Path]:
    return sorted((PACKAGE / stage).rglob("*.py"))


@pytest.mark.parametrize("stage", [s for s in ORDER if (PACKAGE / s).is_dir()])
def test_stage_imports_only_earlier_stages(stage: str) -> None:
    allowed = set(ORDER[: ORDER.index(stage) + 1]) | LEAVES
    for module in stage_modules(stage):
        bad = forceplan_imports(module) - allowed
        assert not bad, f"{module.relative_to(PACKAGE)} imports {sorted(bad)}"
        assert not (forceplan_imports(module) & SHELLS)


def test_scenario_imports_nothing_else_of_ours() -> None:
    for module in stage_modules("scenario"):
        assert forceplan_imports(module) <= {"scenario"}, module


@pytest.mark.parametrize(("shell", "forbidden"), [("store", {"cli", "web"})])
def test_store_is_used_by_the_shells_and_uses_none_of_them(shell: str, forbidden: set[str]) -> None:
    modules = stage_modules(shell)
    assert modules
    for module in modules:
        bad = forceplan_imports(module) & forbidden
        assert not bad, f"{module.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_report_reads_results_not_the_store() -> None:
    for module in stage_modules("report"):
        assert not forceplan_imports(module) & {"store", "cli", "web"}, module


def test_web_is_a_shell_over_the_public_api() -> None:
    """The web app reads scenarios, runs through the store and draws with the report; it
    reaches no solver or model internals (plan, simulate) and never the CLI."""
    modules = stage_modules("web")
    assert modules
    for module in modules:
        used = forceplan_imports(module)
        assert used <= {"scenario", "store", "report", "web"}, (
            f"{module.relative_to(PACKAGE)} imports {sorted(used)}"
        )


def test_nothing_but_the_cli_imports_web() -> None:
    for module in sorted(PACKAGE.rglob("*.py")):
        if module.relative_to(PACKAGE).parts[0] in ("web", "cli"):
            continue
        assert "web" not in forceplan_imports(module), module.relative_to(PACKAGE)


def test_leaves_import_nothing_of_ours() -> None:
    for leaf in LEAVES:
        assert forceplan_imports(PACKAGE / f"{leaf}.py") == set(), leaf


def test_the_check_would_catch_a_backward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from forceplan.simulate import simulate\nimport forceplan.cli.common\n")
    assert forceplan_imports(module) == {"simulate", "cli"}


def test_update_sits_after_simulate_and_before_the_shells() -> None:
    assert (PACKAGE / "update").is_dir()
    for module in stage_modules("update"):
        imported = forceplan_imports(module)
        assert imported <= {"scenario", "plan", "simulate", "update"} | LEAVES, module
