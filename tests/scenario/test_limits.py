"""Limits and odd files: each a located message, never a traceback, a hang or a huge read."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError
from scenario_helpers import TINY, only_problem, problems_of, variant, write

from forceplan.scenario import Figure, Scenario, load_scenario
from forceplan.scenario.files import MAX_FILE_BYTES, MAX_NESTING
from forceplan.scenario.loader import MAX_EXTENDS

HEAD = TINY.read_text().split("[[nations]]")[0]
MISSIONS = "[[missions]]" + TINY.read_text().split("[[missions]]", 1)[1]


def with_table(tmp_path: Path, table: str) -> Path:
    """The tiny scenario with its nations from the CSV table ``table``."""
    return write(tmp_path, HEAD + f'[tables]\nnations = "{table}"\n' + MISSIONS)


# -- what is read: regular files only, of bounded size, as UTF-8 -------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_as_table_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = with_table(tmp_path, "/dev/zero")
    assert only_problem(path) == (
        "/dev/zero: is not a regular file (a device, pipe or socket); a CSV table must be one"
    )


def test_directory_as_table_or_scenario(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    path = with_table(tmp_path, "d")
    assert only_problem(path) == f"{tmp_path / 'd'}: is a directory, not a CSV table"
    assert only_problem(tmp_path / "d") == f"{tmp_path / 'd'}: is a directory, not a scenario file"


def test_fifo_as_scenario_or_base_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    reason = "is not a regular file (a device, pipe or socket); a scenario file must be one"
    assert only_problem(fifo) == f"{fifo}: {reason}"
    path = write(tmp_path, 'extends = "pipe.toml"\n')
    assert only_problem(path) == f"{fifo}: {reason}"


def test_size_limit_for_toml_and_csv(tmp_path: Path) -> None:
    big = write(tmp_path, 'name = "x"\n' + "#" * MAX_FILE_BYTES, "big.toml")
    assert only_problem(big) == f"{big}: is larger than 4 MiB, the limit for a scenario file"
    (tmp_path / "big.csv").write_text("iso,name\n" + "AAA,x\n" * (MAX_FILE_BYTES // 6))
    path = with_table(tmp_path, "big.csv")
    assert only_problem(path) == (
        f"{tmp_path / 'big.csv'}: is larger than 4 MiB, the limit for a CSV table"
    )


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    toml = tmp_path / "latin1.toml"
    toml.write_bytes(b'name = "tiny"\ntitle = "caf\xe9"\n')
    assert only_problem(toml) == (
        f"{toml}: line 2: not UTF-8 text (byte 0xe9 at column 13); save the file as UTF-8"
    )
    (tmp_path / "n.csv").write_bytes(b"iso,name\nAAA,S\xe3o Tom\xe9\n")
    assert only_problem(with_table(tmp_path, "n.csv")) == (
        f"{tmp_path / 'n.csv'}: line 2: not UTF-8 text (byte 0xe3 at column 6); "
        "save the file as UTF-8"
    )


def test_toml_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TINY.read_bytes())
    assert load_scenario(path).name == "tiny"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, TINY.read_text())
    path.chmod(0)
    try:
        assert only_problem(path) == f"{path}: cannot read scenario file: Permission denied"
    finally:
        path.chmod(0o644)


def test_over_long_names_and_nul_bytes_in_paths(tmp_path: Path) -> None:
    path = variant(tmp_path, '[tables]\nnations = "' + "b" * 5000 + '.csv"\n')
    (msg,) = problems_of(path)
    assert msg.endswith(".csv: cannot read CSV table: File name too long")
    path = write(tmp_path, 'extends = "' + "a" * 5000 + '"\n', "long.toml")
    assert only_problem(path).startswith(f"{path}: extends: base scenario 'aaaa")
    assert only_problem(Path("a\0b")) == "a\0b: no such file (nor a bundled scenario of that name)"


# -- nesting and chains ---------------------------------------------------------------------


def test_toml_nested_500_levels(tmp_path: Path) -> None:
    arrays = write(tmp_path, "a = " + "[" * 500 + "]" * 500 + "\n", "arrays.toml")
    assert only_problem(arrays) == f"{arrays}: nested more than {MAX_NESTING} levels deep"
    tables = write(tmp_path, "[" + ".".join(["x"] * 500) + "]\nv = 1\n", "tables.toml")
    deep = ".".join(["x"] * MAX_NESTING)
    assert only_problem(tables) == f"{tables}: {deep}: nested more than {MAX_NESTING} levels deep"


def test_chain_of_1200_extends(tmp_path: Path) -> None:
    for i in range(1200):
        write(tmp_path, f'extends = "c{i + 1}.toml"\n', f"c{i}.toml")
    write(tmp_path, TINY.read_text(), "c1200.toml")
    first = tmp_path / "c0.toml"
    assert only_problem(first) == (
        f"{first}: extends: a chain of more than {MAX_EXTENDS} scenarios "
        f"(via {tmp_path / f'c{MAX_EXTENDS - 1}.toml'}); extend a scenario nearer the base"
    )


def test_chain_within_the_limit_loads(tmp_path: Path) -> None:
    """MAX_EXTENDS files in all: c0 -> ... -> c14 -> tiny."""
    for i in range(MAX_EXTENDS - 2):
        write(tmp_path, f'extends = "c{i + 1}.toml"\n', f"c{i}.toml")
    write(tmp_path, f'extends = "{TINY}"\n', f"c{MAX_EXTENDS - 2}.toml")
    assert load_scenario(tmp_path / "c0.toml").name == "tiny"


# -- keyed lists: one entry per key per file, keys are text ------------------------------


def test_duplicate_nations_in_a_variant_are_refused_not_merged(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        '[[nations]]\niso = "BBB"\nstance = "undecided"\n'
        '[[nations]]\niso = "BBB"\nstance = "opposed"\n',
    )
    assert only_problem(path) == (
        f"{path}: nations[1] (BBB): duplicate iso 'BBB' (also nations[0]); state each entry once"
    )


def test_duplicates_of_every_keyed_list_in_one_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[capabilities]]\nid = "a"\n[[capabilities]]\nid = "a"\n'
        '[[missions]]\nid = "m"\n[[missions]]\nid = "m"\n'
        '[[phases]]\nid = "p"\n[[phases]]\nid = "q"\n[[phases]]\nid = "p"\n',
    )
    assert problems_of(path) == [
        f"{path}: capabilities[1] (a): duplicate id 'a' (also capabilities[0]); "
        "state each entry once",
        f"{path}: missions[1] (m): duplicate id 'm' (also missions[0]); state each entry once",
        f"{path}: phases[2] (p): duplicate id 'p' (also phases[0]); state each entry once",
    ]


def test_duplicate_toml_entries_on_top_of_a_csv_table(tmp_path: Path) -> None:
    (tmp_path / "n.csv").write_text(
        "iso,name,gdp_usd_bn,defence_budget_usd_bn,active_personnel,army_personnel,stance\n"
        "AAA,Alpha,3000,60,150000,75000,committed\n"
    )
    path = write(
        tmp_path,
        HEAD
        + '[tables]\nnations = "n.csv"\n'
        + '[[nations]]\niso = "AAA"\nnote = "one"\n[[nations]]\niso = "AAA"\nnote = "two"\n'
        + MISSIONS,
    )
    assert only_problem(path) == (
        f"{path}: nations[1] (AAA): duplicate iso 'AAA' (also nations[0]); state each entry once"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[[nations]]\niso = ["AAA"]\n', "nations[0].iso: must be text"),
        ("[[nations]]\niso = { a = 1 }\n", "nations[0].iso: must be text"),
        (
            '[[nations]]\niso = "AAA"\ndrop = "yes"\n',
            "nations[0] (AAA).drop: must be true or false",
        ),
        ("nations = [5]\n", "nations: each entry of a variant's nations needs its 'iso'"),
        ("nations = 5\n", "nations: Input should be a valid tuple"),
        ("tables = 5\n", "tables: must be a table of name = 'file.csv'"),
        (
            '[tables]\nmissions = "m.csv"\n',
            "tables.missions: unknown table (allowed: nations, capabilities)",
        ),
        ("[tables]\nnations = 5\n", "tables.nations: must be a CSV file path"),
    ],
)
def test_odd_types_in_the_loaders_own_keys(tmp_path: Path, body: str, expected: str) -> None:
    path = variant(tmp_path, body)
    assert only_problem(path) == f"{path}: {expected}"


def test_extends_of_odd_things(tmp_path: Path) -> None:
    path = write(tmp_path, "extends = 5\n")
    assert only_problem(path) == f"{path}: extends: must be a file path (string)"
    (tmp_path / "dir").mkdir()
    path = write(tmp_path, 'extends = "dir"\n', "d.toml")
    assert only_problem(path) == f"{tmp_path / 'dir'}: is a directory, not a scenario file"
    path = write(tmp_path, 'extends = "nowhere.toml"\n', "n.toml")
    assert only_problem(path) == f"{path}: extends: base scenario 'nowhere.toml' not found"


def test_duplicate_nation_name_after_merging(tmp_path: Path) -> None:
    path = variant(tmp_path, '[[nations]]\niso = "BBB"\nname = "Alpha"\n')
    assert only_problem(path) == (
        f"{path}: nations[1] (BBB).name: duplicate name 'Alpha' (also nations[0]); "
        "state each entry once"
    )


def test_duplicates_refused_when_built_in_python_too() -> None:
    """The loader refuses duplicates per file; the model refuses them in any scenario."""
    raw = tomllib.loads(TINY.read_text())
    raw["capabilities"].append(dict(raw["capabilities"][0]))
    raw["phases"].append({**raw["phases"][1], "start_month": 25, "end_month": 30})
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(raw)
    text = str(info.value)
    assert (
        "capabilities[2] (infantry_battalion).id: duplicate id 'infantry_battalion' "
        "(also capabilities[0]); state each entry once" in text
    )
    assert "phases[2] (drawdown).id: duplicate id 'drawdown' (also phases[1])" in text


def test_a_directory_named_like_a_bundled_scenario_does_not_hide_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "un-100k").mkdir()  # e.g. an output folder named after the scenario
    monkeypatch.chdir(tmp_path)
    assert load_scenario("un-100k").name == "un_100k"


def test_dropping_an_entry_the_base_lacks_is_refused(tmp_path: Path) -> None:
    """A misspelt ``drop`` would otherwise keep the entry it meant to remove, silently."""
    path = variant(tmp_path, '[[nations]]\niso = "BBA"\ndrop = true\n')
    assert only_problem(path) == (
        f"{path}: nations[0] (BBA).drop: the base has no iso 'BBA' to drop (did you mean 'BBB'?)"
    )


def test_a_restated_figure_does_not_keep_the_base_citation(tmp_path: Path) -> None:
    """GBR's GDP cites the World Bank in the flagship; a variant's own number must not."""
    path = write(
        tmp_path,
        'extends = "reassurance-2025"\n[[nations]]\niso = "GBR"\n'
        "gdp_usd_bn = { value = 3000, note = 'what if' }\n",
    )
    gdp = load_scenario(path).nation("GBR").gdp_usd_bn
    assert gdp == Figure(value=3000, note="what if")


def test_a_restated_distribution_replaces_the_base_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'extends = "reassurance-2025"\n[uncertainties.political_correlation]\n'
        'distribution = "fixed"\nvalue = 0.3\n',
    )
    unc = load_scenario(path).uncertainties["political_correlation"]
    assert (unc.distribution, unc.value, unc.low, unc.high, unc.source) == (
        "fixed",
        0.3,
        None,
        None,
        None,
    )
    base = write(
        tmp_path,
        '[uncertainties.cost_overrun]\ndistribution = "fixed"\nvalue = 1.1\nsource = "s"\n',
        "base.toml",
    )
    base.write_text(TINY.read_text() + base.read_text())
    path = write(
        tmp_path, 'extends = "base.toml"\n[uncertainties.cost_overrun]\nvalue = 1.2\n', "v.toml"
    )
    unc = load_scenario(path).uncertainties["cost_overrun"]
    assert (unc.distribution, unc.value, unc.source) == ("fixed", 1.2, "s")
