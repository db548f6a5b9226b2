"""User text is printed as written, never read as Rich markup.

``[/]`` in a title once crashed ``validate`` (a closing tag with nothing to
close); ``[red]`` would silently colour, and ``[link=...]`` hide, text.
Every command that prints scenario text or file names gets a scenario full
of markup, in a file under a folder named ``[``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_process import TINY
from typer.testing import CliRunner

from forceplan.cli import app

runner = CliRunner()

MARKUP = {
    'title = "Two-nation toy"': 'title = "Option [/] draft [bold]x"',
    'name = "Alpha"': 'name = "Alpha [/] [red]"',
    'name = "Peace on land"': 'name = "Peace [/] on land"',
    'name = "Sustain"': 'name = "Sustain [/][link=http://x]"',
    'name = "Fighter squadron"': 'name = "Fighter [/] squadron"',
    'description = "Air and sea only"': 'description = "Air [/] only"',
    'source = "test figure"': 'source = "test [/] figure [dim]"',
}


@pytest.fixture
def marked(tmp_path: Path) -> Path:
    text = TINY.read_text()
    for plain, marked_up in MARKUP.items():
        assert plain in text
        text = text.replace(plain, marked_up)
    folder = tmp_path / "["
    folder.mkdir()
    path = folder / "]nope [red].toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["validate"], ["Option [/] draft [bold]x", "]nope [red].toml"]),
        (["sources"], ["test [/] figure [dim]"]),
        (["plan"], ["Option [/] draft [bold]x", "Sustain [/][link=http://x]"]),
        (["simulate", "-n", "20"], []),
        (["compare", "-n", "20", str(TINY)], ["]nope [red]"]),
    ],
)
def test_markup_in_user_text_is_printed_as_written(
    marked: Path, args: list[str], shown: list[str]
) -> None:
    argv = [args[0], str(marked), *args[1:]]
    result = runner.invoke(app, argv, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for text in shown:
        assert text in result.output, result.output


def test_markup_in_a_bad_file_name_and_message(tmp_path: Path) -> None:
    folder = tmp_path / "["
    folder.mkdir()
    missing = folder / "]missing [red].toml"
    result = runner.invoke(app, ["validate", str(missing)], env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert "]missing [red].toml" in result.output
    broken = folder / "]broken [red].toml"
    broken.write_text('title = "[/]"\nname = ')
    result = runner.invoke(app, ["plan", str(broken)], env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert "]broken [red].toml" in result.output
    assert "Traceback" not in result.output
