"""Where records go after the WAL: the local store, a server (later), or nowhere (offline)."""

from cairn.sinks.base import Sink

__all__ = ["Sink"]
