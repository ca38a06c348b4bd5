"""Limits and validators shared by every part of cairn that takes the same input: the SDK
checks it when a user passes it (raising at once), and the store and the server check it
again when it arrives in a record or a request (a hostile or older writer), against the
same definition. Nothing here imports the rest of cairn.
"""

from __future__ import annotations

import posixpath

# ---- alerts (``run.alert``, ``store/alerts.py``, ``server/crash_alerts.py``) ---------------
ALERT_LEVELS = ("INFO", "WARN", "ERROR")
ALERT_TITLE_CHARS = 63
"""The longest alert title: wandb's ``Run.alert`` says a title "must be less than 64
characters long" (its SDK does not check; cairn does, and the store cuts longer ones)."""
ALERT_TEXT_CHARS = 10_000
"""The longest alert text; the store cuts longer ones."""
ALERT_KEY_CHARS = 64
"""The longest alert key (an id the writer gives each alert it sends)."""


def check_alert_title(title: object) -> str:
    """``title``, or ValueError unless it is a non-blank string of at most
    ``ALERT_TITLE_CHARS`` characters."""
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"alert title must be a non-empty string; got {title!r}")
    if len(title) > ALERT_TITLE_CHARS:
        raise ValueError(f"alert title must be shorter than {ALERT_TITLE_CHARS + 1} "
                         f"characters; got {len(title)}: {title[:20]!r}…")
    return title


# ---- run files (``run.save``, ``store/run_files.py``, artifacts' entries, the Api) ---------
def check_file_name(name: object) -> str:
    """``name`` as a normalised relative posix path inside the run; ValueError when it is
    empty, absolute, escapes with ``..``, or holds a NUL or a backslash."""
    if not isinstance(name, str):
        raise ValueError(f"a run file name must be a string; got {type(name).__name__}")
    if not name or "\x00" in name or "\\" in name:
        raise ValueError(f"bad run file name {name!r}: it must be a non-empty relative path "
                         "with '/' separators and no NUL")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ValueError(f"run file name {name!r} is absolute; name files relative to the run")
    norm = posixpath.normpath(name)
    if norm in {".", ".."} or norm.startswith("../"):
        raise ValueError(f"run file name {name!r} escapes the run's files")
    return norm
