"""The ``Sink`` interface: one method that takes a batch of records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cairn.records import Record


class Sink(Protocol):
    def apply_records(self, records: Sequence[Record]) -> None:
        """Make the records durable where this sink sends them; raise on failure (the
        caller keeps them in the WAL and retries)."""
        ...

    def close(self) -> None: ...
