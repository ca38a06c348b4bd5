"""``cairn.Html``: an HTML document, shown in a sandboxed frame in the UI."""

from __future__ import annotations

import os
from typing import Any

from cairn.sdk.media.base import MAX_MEDIA_BYTES, Encoder, Media, check_size, read_source


class Html(Media):
    """wandb's ``Html(data, inject=True, data_is_not_path=False)``: a string of HTML, an
    open file (anything with ``read()``) or a path.

    As in wandb, a string is read as a path only when that file exists (so
    ``Html("Accuracy: 0.93")`` is a document). ``inject`` is wandb's flag (wandb adds its
    stylesheet; cairn adds nothing and stores the flag). The UI shows the document in a
    sandboxed frame with no network access; its scripts run only with ``scripts=True``,
    cairn's own explicit opt-in (still inside the sandbox, without access to the page).
    """

    _type = "html-file"

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False,
                 scripts: bool = False) -> None:
        if isinstance(data, str) and (data_is_not_path or not os.path.isfile(data)):
            text = data
        elif isinstance(data, str) or hasattr(data, "__fspath__"):
            raw, _ = read_source(data, "Html")
            text = raw.decode("utf-8", errors="replace")
        elif hasattr(data, "read"):
            content = data.read(MAX_MEDIA_BYTES + 1)
            if not isinstance(content, str | bytes | bytearray):
                raise ValueError(f"Html: read() of the {type(data).__name__} gave "
                                 f"{type(content).__name__}, not text")
            text = content if isinstance(content, str) else \
                bytes(content).decode("utf-8", errors="replace")
        else:
            raise ValueError(f"Html: expected a string, a path or an open file; got "
                             f"{type(data).__name__}")
        self.html = text
        self.inject = bool(inject)
        self.scripts = bool(scripts)
        check_size(len(text), "Html")
        self._held = len(text)

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        return {"_type": self._type, **encoder.put_bytes(self.html.encode()), "format": "html",
                "inject": self.inject, "scripts": self.scripts}
