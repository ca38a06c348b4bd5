"""The per-run write-ahead log: framing (``format``), appending (``writer``), replay (``reader``)."""

from cairn.wal.reader import WalReader, read_wal
from cairn.wal.writer import WalWriter

__all__ = ["WalReader", "WalWriter", "read_wal"]
