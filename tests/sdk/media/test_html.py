"""cairn.Html: strings, files and the inject and scripts flags round-trip."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import cairn


def test_strings_and_files_round_trip(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<h1>report</h1>")
    run = cairn.init(project="media")
    run.log({"s": cairn.Html("<b>bold</b>", inject=False), "f": cairn.Html(str(page))})
    run.finish()
    row = next(cairn.Api().run(run.path).scan_history(keys=["s", "f"]))
    assert row["s"].text() == "<b>bold</b>"
    assert row["s"]["inject"] is False
    assert row["f"].text() == "<h1>report</h1>"
    assert row["f"]["inject"] is True


def test_strings_are_paths_only_when_the_file_exists_and_any_reader_is_taken(
        tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>from a file</p>")
    run = cairn.init(project="media")
    run.log({"plain": cairn.Html("Accuracy: 0.93"), "missing": cairn.Html("missing.html"),
             "path": cairn.Html(page), "reader": cairn.Html(io.StringIO("<i>io</i>")),
             "bytes": cairn.Html(io.BytesIO(b"<u>b</u>"))})
    run.finish()
    row = next(cairn.Api().run(run.path).scan_history())
    assert row["plain"].text() == "Accuracy: 0.93"
    assert row["missing"].text() == "missing.html"  # wandb's rule: not a file, so text
    assert row["path"].text() == "<p>from a file</p>"
    assert row["reader"].text() == "<i>io</i>"
    assert row["bytes"].text() == "<u>b</u>"


def test_scripts_run_only_when_asked_for_explicitly() -> None:
    run = cairn.init(project="media")
    run.log({"default": cairn.Html("<b>x</b>"),
             "scripted": cairn.Html("<script>1</script>", scripts=True)})
    run.finish()
    row = next(cairn.Api().run(run.path).scan_history())
    assert (row["default"]["inject"], row["default"]["scripts"]) == (True, False)
    assert row["scripted"]["scripts"] is True


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a string"):
        cairn.Html(3.5)
