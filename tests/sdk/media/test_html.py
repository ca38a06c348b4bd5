"""cairn.Html: strings, files and the inject flag round-trip."""

from __future__ import annotations

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


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot read"):
        cairn.Html("missing.html")
    with pytest.raises(ValueError, match="expected a string"):
        cairn.Html(3.5)
