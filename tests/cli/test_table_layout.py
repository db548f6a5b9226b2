"""The table helper: words never split, bound entries kept whole, numbers formatted alike."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from forceplan.cli.tables import bind, fits, fmt_band, fmt_value, print_table, print_wrapped


def render(table: Table, width: int) -> list[str]:
    out = io.StringIO()
    print_table(table, Console(file=out, width=width, color_system=None))
    return out.getvalue().splitlines()


def who_table() -> Table:
    table = Table(title="who sends what")
    table.add_column("mission / capability")
    table.add_column("required", justify="right")
    table.add_column("nations (units)")
    table.add_row("safe_skies\n  lr_air_defence_battery", "12",
                  ", ".join([bind("GBR", "6", "pair", "(leads", "2)"), bind("FRA", "1"),
                             bind("TUR", "12", "pair")]))
    return table


def test_identifiers_and_bound_entries_stay_whole_at_any_width() -> None:
    for width in (52, 60, 80, 100):
        lines = render(who_table(), width)
        text = "\n".join(lines)
        assert max(len(line) for line in lines) <= width, (width, text)
        assert "  lr_air_defence_battery" in text, text
        assert "GBR 6 pair (leads 2)" in text, text  # one line, spaces printed as spaces
        assert "TUR 12 pair" in text, text
        assert "\u00a0" not in text and "…" not in text


def test_a_table_too_wide_is_split_by_columns_with_its_labels_repeated() -> None:
    table = Table(title="years")
    table.add_column("metric")
    for year in range(1, 6):
        table.add_column(f"year {year}", justify="right")
    table.add_row("Personnel deployed", *[fmt_band(18_300, 14_300, 18_300, "personnel")] * 5)
    assert not fits(table, 80)
    lines = render(table, 80)
    assert max(len(line) for line in lines) <= 80
    assert any("(continued)" in line for line in lines)
    assert sum("Personnel" in line for line in lines) == 2  # the label column in each part
    assert "".join(lines).count("[14.3k-18.3k]") == 5


def test_a_numeric_column_that_must_wrap_stacks_every_row_alike() -> None:
    table = Table()
    table.add_column("nation")
    table.add_column("year 1", justify="right")
    table.add_row("GBR", fmt_band(6074, 1796, 11_500, "personnel"))
    table.add_row("LVA", fmt_band(54, 12, 54, "personnel"))
    lines = render(table, 26)
    cells = [line.split("│")[2].strip() for line in lines if line.startswith("│")]
    # both medians over their bands, though "54 [12-54]" alone would fit on one line
    assert cells == ["6.1k", "[1.8k-11.5k]", "54", "[12-54]"]


def test_counts_print_as_integers_and_a_band_uses_one_scale() -> None:
    assert fmt_band(9.0, 2.0, 16.0, "nations") == "9 [2-16]"
    assert fmt_band(4.2, 0.0, 52.0, "personnel") == "4 [0-52]"
    assert fmt_band(9727, 6167, 10_212, "personnel") == "9.7k [6.2k-10.2k]"
    assert fmt_band(9727, 6167, 9727, "personnel") == "9,727 [6,167-9,727]"
    assert fmt_band(-0.053, -0.119, -0.051, "pp", signed=True) == "-5.3pp [-11.9pp--5.1pp]"
    assert fmt_band(1200.0, 300.0, 2000.0, "personnel", signed=True) == "+1,200 [300-2,000]"
    assert fmt_value(0.1234, "share") == "12.3%"
    assert fmt_value(25_312.0, "US$ m") == "25.3bn"
    assert fmt_value(735.4, "US$ m") == "735m"
    assert fmt_value(0.8, "ratio") == "0.80"
    assert fmt_value(float("nan"), "personnel") == "-"


def test_prose_wraps_at_spaces_with_a_hanging_indent_and_keeps_long_words() -> None:
    out = io.StringIO()
    console = Console(file=out, width=30, color_system=None)
    url = "https://example.org/" + "a" * 40
    print_wrapped(f"  key: some words that wrap {url} end", console, hang=2)
    lines = out.getvalue().splitlines()
    assert lines[0] == "  key: some words that wrap"
    assert lines[1] == f"    {url}"  # whole, though wider than the console
    assert lines[2] == "    end"


def test_label_columns_too_wide_for_any_other_are_stacked_into_one() -> None:
    table = Table(title="shortfalls")
    for label in ("phase", "mission", "capability"):
        table.add_column(label)
    for label in ("required", "coalition", "backstop", "unmet", "people"):
        table.add_column(label, justify="right")
    table.add_row("withdrawal_1", "peace_on_land", "lr_air_defence_battery", "36", "20", "0",
                  "16", "11,200")
    lines = render(table, 60)
    text = "\n".join(lines)
    assert max(len(line) for line in lines) <= 60
    assert "phase / mission / capability" in text
    assert "│ withdrawal_1 " in text and "│   peace_on_land " in text
    assert "│     lr_air_defence_battery " in text
    assert "11,200" in text
