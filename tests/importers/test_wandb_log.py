"""The ``.wandb`` log reader (``importers/wandb_log.py``) on logs the real wandb wrote,
whole, cut off and damaged; it needs no wandb package (framing only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.importers.conftest import run_logs
from tests.oracle.read_wandb import raw_records

from cairn.importers.wandb import find_run_logs
from cairn.importers.wandb_log import BLOCK, LogDamage, NotAWandbLog, read_records

pytestmark = pytest.mark.slow


@pytest.fixture
def log(wandb_dir: Path) -> Path:
    return next(run_logs(wandb_dir)["first"].glob("run-*.wandb"))


def test_reads_every_record_as_the_reference_reader_does(log: Path) -> None:
    damage = LogDamage()
    assert list(read_records(log, damage)) == raw_records(log.read_bytes())
    assert damage == LogDamage()


def test_a_cut_off_log_keeps_the_records_before(log: Path, tmp_path: Path) -> None:
    whole = raw_records(log.read_bytes())
    cut = tmp_path / "run-cut.wandb"
    cut.write_bytes(log.read_bytes()[:-10])
    damage = LogDamage()
    records = list(read_records(cut, damage))
    assert damage.torn
    assert records == whole[:len(records)]
    assert len(records) == len(whole) - 1


def test_a_damaged_block_is_skipped_and_the_next_read(log: Path, tmp_path: Path) -> None:
    data = bytearray(log.read_bytes())
    assert len(data) > 2 * BLOCK, "the fixture run should span several blocks"
    data[100] ^= 0xFF
    damaged = tmp_path / "run-damaged.wandb"
    damaged.write_bytes(bytes(data))
    damage = LogDamage()
    records = list(read_records(damaged, damage))
    whole = raw_records(log.read_bytes())
    assert damage.damaged_blocks == 1
    assert 0 < len(records) < len(whole)
    assert records[-20:] == whole[-20:]  # everything after the first block is there


def test_a_file_that_is_no_log_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "run-x.wandb"
    other.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(NotAWandbLog, match="not a wandb run log"):
        list(read_records(other, LogDamage()))


def test_a_wandb_folder_lists_each_run_once(wandb_dir: Path) -> None:
    assert (wandb_dir / "latest-run").is_symlink()
    logs = find_run_logs([wandb_dir, run_logs(wandb_dir)["second"]])
    assert [log.parent.name for log in logs] == \
        [run_logs(wandb_dir)[k].name for k in ("first", "second")]
