"""The uploader's batches: records cut into WAL batches of bounded size, each one the
server reads back whole, together every record once and in order."""

from __future__ import annotations

from cairn.records import Record, RunRef
from cairn.server.ingest import parse_batch
from cairn.sinks.upload import encode_batches
from cairn.wal.format import encode_frame


def test_records_are_cut_into_bounded_batches_the_server_reads_back() -> None:
    run = RunRef("ada", "p", "r1")
    records = [Record(run, "s", seq, "history", {"pad": "x" * (seq * 37 % 900)})
               for seq in range(1, 401)]
    records.append(Record(run, "s", 401, "history", {"pad": "y" * 50_000}))  # alone
    limit = 16 << 10
    batches = list(encode_batches(run, "s", records, limit))
    assert len(batches) > 10
    back: list[Record] = []
    for batch in batches:
        ref, session, got = parse_batch(batch)
        assert (ref, session) == (run, "s")
        frames = sum(len(encode_frame(r.seq, r.kind, r.body)) for r in got)
        assert frames <= limit or len(got) == 1
        back.extend(got)
    assert [(r.seq, r.body) for r in back] == [(r.seq, r.body) for r in records]
    assert list(encode_batches(run, "s", [], limit)) == []
