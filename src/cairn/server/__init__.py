"""The HTTP side of cairn: ``create_app`` builds the ASGI app (``/api/v1`` and the web
app) over a store; ``serve`` runs it under uvicorn. Nothing here is imported by
``import cairn``.

Modules: ``app`` (assembly), ``context`` (what handlers share), ``errors`` (the one error
shape), ``encoding`` (the one JSON encoder), ``params`` (checked input), one module a
resource (``projects``, ``runs``, ``history``, ``envelopes``, ``events``, ``openapi``),
``static`` (the built web app) and ``serve`` (uvicorn).
"""

from __future__ import annotations

from cairn.server.app import create_app

__all__ = ["create_app"]
