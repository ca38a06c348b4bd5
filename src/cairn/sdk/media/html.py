"""``cairn.Html``: an HTML document, shown in a sandboxed frame in the UI."""

from __future__ import annotations

from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_size, read_source


class Html(Media):
    """wandb's ``Html(data, inject=True)``: a string of HTML, an open file or a path.

    ``inject`` is stored with the document: the UI runs its scripts only when it is true
    (always in a sandboxed frame of its own origin, without access to the page).
    """

    _type = "html-file"

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        if isinstance(data, str) and (data_is_not_path or "<" in data or "\n" in data):
            text = data
        elif isinstance(data, str) or hasattr(data, "read") or hasattr(data, "__fspath__"):
            raw, _ = read_source(data, "Html", frozenset({"html", "htm"}))
            text = raw.decode("utf-8", errors="replace")
        else:
            raise ValueError(f"Html: expected a string, a path or an open file; got "
                             f"{type(data).__name__}")
        self.html = text
        self.inject = bool(inject)
        check_size(len(text), "Html")
        self._held = len(text)

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        return {"_type": self._type, **encoder.put_bytes(self.html.encode()), "format": "html",
                "inject": self.inject}
