"""The per-run write-ahead log: framing (``format``), appending (``writer``), reading
(``reader``) and applying to a store (``replay``)."""

from cairn.wal.reader import WalReader, read_wal
from cairn.wal.writer import WalWriter

__all__ = ["WalReader", "WalWriter", "read_wal"]
