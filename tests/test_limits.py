"""The shared limits and validators (``cairn/limits.py``): one definition for the SDK, the
store and the server."""

from __future__ import annotations

import pytest

from cairn.limits import ALERT_TITLE_CHARS, check_alert_title, check_file_name


@pytest.mark.parametrize(("name", "expected"), [
    ("a.txt", "a.txt"), ("dir/b.txt", "dir/b.txt"), ("./c/./d.txt", "c/d.txt"),
    ("x/../y.txt", "y.txt"),
])
def test_good_names_are_normalised(name: str, expected: str) -> None:
    assert check_file_name(name) == expected


@pytest.mark.parametrize(("name", "problem"), [
    ("", "non-empty"), ("../up.txt", "escapes"), ("a/../../b", "escapes"), ("..", "escapes"),
    ("/etc/passwd", "absolute"), ("C:/x", "absolute"), ("a\\b", "'/' separators"),
    ("a\x00b", "NUL"), (".", "escapes"),
])
def test_bad_names_are_refused(name: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_file_name(name)


def test_an_alert_title_is_shorter_than_64_characters_as_wandb_says() -> None:
    assert ALERT_TITLE_CHARS == 63
    assert check_alert_title("x" * 63) == "x" * 63
    with pytest.raises(ValueError, match="shorter than 64"):
        check_alert_title("x" * 64)
    for blank in ("", "   ", None, 5):
        with pytest.raises(ValueError, match="non-empty string"):
            check_alert_title(blank)
