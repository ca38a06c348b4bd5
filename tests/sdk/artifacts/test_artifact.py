"""Building an artifact (every add method, references) and getting it back: download,
file, get_path, get, checkout and verify; escapes refused everywhere."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cairn


def _logged(artifact: cairn.Artifact) -> cairn.Artifact:
    """Log ``artifact`` from a fresh run and fetch it back from the store."""
    run = cairn.init(project="p", reinit="finish_previous")
    run.log_artifact(artifact)
    artifact.wait()
    run.finish()
    api = cairn.Api()
    fetched = api.artifact(f"p/{artifact.name}")
    return fetched


def test_every_add_method_round_trips(tmp_path: Path) -> None:
    (tmp_path / "dir" / "nested").mkdir(parents=True)
    (tmp_path / "dir" / "one.txt").write_text("one")
    (tmp_path / "dir" / "nested" / "two.txt").write_text("two")
    (tmp_path / "single.bin").write_bytes(b"\x01\x02")
    artifact = cairn.Artifact("bundle", "dataset", description="all of it")
    artifact.add_dir(tmp_path / "dir", name="data")
    artifact.add_file(tmp_path / "single.bin", name="bin/single.bin", policy="immutable")
    with artifact.new_file("notes/readme.md") as fh:
        fh.write("# hello")
    artifact.add({"columns": ["a"], "data": [[1], [2]]}, "table")
    artifact.add_file(tmp_path / "single.bin", name="gone.bin")
    artifact.remove("gone.bin")
    assert sorted(artifact.manifest.entries) == [
        "bin/single.bin", "data/nested/two.txt", "data/one.txt", "notes/readme.md",
        "table.json"]
    fetched = _logged(artifact)
    assert fetched.description == "all of it"
    assert fetched.digest == artifact.digest
    out = Path(fetched.download(tmp_path / "out"))
    assert (out / "data" / "nested" / "two.txt").read_text() == "two"
    assert (out / "bin" / "single.bin").read_bytes() == b"\x01\x02"
    assert (out / "notes" / "readme.md").read_text() == "# hello"
    assert fetched.get("table") == {"columns": ["a"], "data": [[1], [2]]}
    assert fetched.get("missing") is None
    entry = fetched.get_path("data/one.txt")
    assert Path(entry.download(tmp_path / "single")).read_text() == "one"
    fetched.verify(out)


def test_default_download_root_and_file(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("w.txt").write_text("weights")
    artifact = cairn.Artifact("model", "model")
    artifact.add_file("w.txt")
    fetched = _logged(artifact)
    path = fetched.file()
    assert Path(path) == Path("artifacts") / "model:v0" / "w.txt"
    assert Path(path).read_text() == "weights"


def test_mutable_copies_at_add_and_immutable_must_not_change(tmp_path: Path) -> None:
    source = tmp_path / "f.txt"
    source.write_text("original")
    other = tmp_path / "g.txt"
    other.write_text("promised not to change")
    run = cairn.init(project="p")
    mutable = cairn.Artifact("mut", "dataset")
    mutable.add_file(source)
    immutable = cairn.Artifact("imm", "dataset")
    immutable.add_file(other, policy="immutable")
    source.write_text("edited later")
    other.write_text("changed anyway")
    run.log_artifact(mutable)
    with pytest.raises(ValueError, match="changed after it was added"):
        run.log_artifact(immutable)
    mutable.wait()
    run.finish()
    out = Path(cairn.Api().artifact("p/mut:v0").download(tmp_path / "out"))
    assert (out / "f.txt").read_text() == "original"


def test_logged_artifacts_cannot_change(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    artifact = cairn.Artifact("frozen", "dataset")
    artifact.add_file(tmp_path / "a")
    fetched = _logged(artifact)
    with pytest.raises(cairn.UsageError, match="cannot change"):
        artifact.add_file(tmp_path / "a", name="b")
    with pytest.raises(cairn.UsageError, match="cannot change"):
        fetched.remove("a")


def test_verify_reports_every_mismatch_and_checkout_cleans(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (data / name).write_text(name * 100)
    artifact = cairn.Artifact("checked", "dataset")
    artifact.add_dir(data)
    fetched = _logged(artifact)
    out = Path(fetched.download(tmp_path / "out"))
    fetched.verify(out)
    raw = bytearray((out / "a.txt").read_bytes())
    raw[10] ^= 1  # one changed byte
    (out / "a.txt").write_bytes(bytes(raw))
    (out / "b.txt").unlink()
    (out / "stray.txt").write_text("not mine")
    with pytest.raises(ValueError, match="3 files") as info:
        fetched.verify(out)
    message = str(info.value)
    assert "changed: a.txt" in message
    assert "missing: b.txt" in message
    assert "extra: stray.txt" in message
    fetched.checkout(out)
    fetched.verify(out)
    assert not (out / "stray.txt").exists()


@pytest.mark.parametrize("name", ["../escape.txt", "/abs.txt", "a/../../b.txt"])
def test_entry_names_that_escape_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "f").write_text("x")
    artifact = cairn.Artifact("esc", "dataset")
    with pytest.raises(ValueError, match=r"escapes|absolute"):
        artifact.add_file(tmp_path / "f", name=name)
    with pytest.raises(ValueError, match=r"escapes|absolute"), artifact.new_file(name) as fh:
        fh.write("x")


def test_add_dir_reads_through_links_out_by_their_names_inside(tmp_path: Path) -> None:
    """A Hugging Face cache snapshot: every file is a link into a shared blobs/ folder."""
    blobs = tmp_path / "hub" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / "1a2b").write_text('{"dim": 8}')
    (blobs / "3c4d").write_bytes(b"weights")
    snapshot = tmp_path / "hub" / "snapshots" / "abc"
    (snapshot / "sub").mkdir(parents=True)
    (snapshot / "config.json").symlink_to(os.path.relpath(blobs / "1a2b", snapshot))
    (snapshot / "sub" / "model.bin").symlink_to(blobs / "3c4d")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "vocab.txt").write_text("a b c")
    (snapshot / "tokenizer").symlink_to(tmp_path / "shared", target_is_directory=True)
    (snapshot / "loop").symlink_to(snapshot, target_is_directory=True)  # read once only
    artifact = cairn.Artifact("model", "model")
    artifact.add_dir(snapshot)
    assert sorted(e.path for e in artifact.manifest) == [
        "config.json", "sub/model.bin", "tokenizer/vocab.txt"]
    out = Path(_logged(artifact).download(tmp_path / "out"))
    assert (out / "config.json").read_text() == '{"dim": 8}'
    assert (out / "sub" / "model.bin").read_bytes() == b"weights"
    assert not (out / "config.json").is_symlink()


def test_download_refuses_to_write_through_a_link_out(tmp_path: Path) -> None:
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "sub" / "f.txt").write_text("f")
    artifact = cairn.Artifact("linked", "dataset")
    artifact.add_dir(tmp_path / "src")
    fetched = _logged(artifact)
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    with pytest.raises(ValueError, match="outside"):
        fetched.download(out)
    assert list(elsewhere.iterdir()) == []


def test_file_references_track_content_without_copying(tmp_path: Path,
                                                       cairn_root: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "x").mkdir(parents=True)
    (shared / "x" / "big.bin").write_bytes(b"b" * 1000)
    (shared / "y.txt").write_text("y")
    artifact = cairn.Artifact("refs", "dataset")
    entries = artifact.add_reference(shared.as_uri(), name="mnt")
    assert sorted(e.path for e in entries) == ["mnt/x/big.bin", "mnt/y.txt"]
    assert entries[0].digest == hashlib.sha256(b"b" * 1000).hexdigest()
    with pytest.raises(ValueError, match="max_objects"):
        cairn.Artifact("many", "dataset").add_reference(shared.as_uri(), max_objects=1)
    fetched = _logged(artifact)
    assert not (cairn_root / "blobs" / "sha256").exists() or all(
        p.read_bytes() != b"b" * 1000 for p in (cairn_root / "blobs").rglob("*") if p.is_file())
    out = Path(fetched.download(tmp_path / "out"))
    assert (out / "mnt" / "y.txt").read_text() == "y"
    (shared / "y.txt").write_text("changed")
    with pytest.raises(ValueError, match="changed since it was logged"):
        fetched.download(tmp_path / "out2")


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b"hello over http"
    etag = '"v1"'

    def do_HEAD(self) -> None:
        self._head()

    def do_GET(self) -> None:
        self._head()
        self.wfile.write(type(self).body)

    def _head(self) -> None:
        if self.path != "/files/data.txt":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", type(self).etag)
        self.send_header("Content-Length", str(len(type(self).body)))
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_http_references_use_etags(tmp_path: Path, http_server: str) -> None:
    artifact = cairn.Artifact("web", "dataset")
    (entry,) = artifact.add_reference(f"{http_server}/files/data.txt")
    assert (entry.path, entry.digest, entry.size) == ("data.txt", "v1", 15)
    fetched = _logged(artifact)
    out = Path(fetched.download(tmp_path / "out"))
    assert (out / "data.txt").read_bytes() == b"hello over http"
    _Handler.etag = '"v2"'
    try:
        with pytest.raises(ValueError, match="changed since it was logged"):
            fetched.download(tmp_path / "out2")
    finally:
        _Handler.etag = '"v1"'
    assert not any(p.name.endswith(".part") for p in (tmp_path / "out2").rglob("*"))


def test_unsupported_scheme(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported scheme"):
        cairn.Artifact("x", "dataset").add_reference("ftp://host/file")


def test_downloads_are_cached_by_content(tmp_path: Path) -> None:
    (tmp_path / "big.bin").write_bytes(os.urandom(1 << 20))
    artifact = cairn.Artifact("cached", "dataset")
    artifact.add_file(tmp_path / "big.bin")
    fetched = _logged(artifact)
    out = Path(fetched.download(tmp_path / "out"))
    before = (out / "big.bin").stat().st_mtime_ns
    fetched.download(tmp_path / "out")  # already there with the right content: kept
    assert (out / "big.bin").stat().st_mtime_ns == before


class _Chart:
    """An object with the media protocol (``_type`` and ``_encode(encoder)``), as
    ``cairn.Table`` and ``cairn.Image`` have it."""

    _type = "chart"

    def __init__(self, points: list[int]) -> None:
        self.points = points

    def _encode(self, encoder: Any) -> dict[str, Any]:
        stored = encoder.put_bytes(repr(self.points).encode())
        return {"_type": self._type, **stored, "n": len(self.points)}


def test_media_objects_are_added_with_their_blobs(tmp_path: Path, cairn_root: Path) -> None:
    artifact = cairn.Artifact("charts", "report")
    artifact.add(_Chart([1, 2, 3]), "loss")
    blob_digest = hashlib.sha256(b"[1, 2, 3]").hexdigest()
    assert sorted(artifact.manifest.entries) == ["loss.chart.json", f"media/{blob_digest}"]
    fetched = _logged(artifact)
    reference = fetched.get("loss")
    assert reference == {"_type": "chart", "sha256": blob_digest, "size": 9, "n": 3}
    out = Path(fetched.download(tmp_path / "out"))
    assert (out / "media" / blob_digest).read_bytes() == b"[1, 2, 3]"


def test_tables_and_images_come_back_as_wandb_returns_them(tmp_path: Path) -> None:
    import numpy as np

    pixels = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    table = cairn.Table(columns=["name", "score", "picture"])
    table.add_data("a", 0.5, cairn.Image(pixels))
    table.add_data("b", 0.25, cairn.Image(pixels))
    artifact = cairn.Artifact("results", "evaluation")
    artifact.add(table, "preds")
    artifact.add(cairn.Image(pixels, caption="one"), "sample")
    for got in (artifact, _logged(artifact)):
        preds = got.get("preds")
        assert isinstance(preds, cairn.Table)
        assert preds.columns == ["name", "score", "picture"]
        assert [row[:2] for row in preds.data] == [["a", 0.5], ["b", 0.25]]
        assert np.array_equal(np.asarray(preds.data[1][2].image()), pixels)
        sample = got.get("sample")
        assert sample.caption == "one"
        assert np.array_equal(np.asarray(sample.image()), pixels)


def test_new_file_and_add_leave_no_temp_folder(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    artifact = cairn.Artifact("notes", "dataset")
    with artifact.new_file("a.txt", mode="w") as fh:
        fh.write("written in")
    artifact.add({"k": 1}, "table")
    assert list(temp.iterdir()) == []  # the content is staged as blobs already
    assert artifact.get("table") == {"k": 1}  # read back before logging, from the blob
    run = cairn.init(project="p")
    run.log_artifact(artifact).wait()
    run.finish()
    api = cairn.Api()
    out = Path(api.artifact("p/notes:latest").download(tmp_path / "out"))
    api.close()
    assert (out / "a.txt").read_text() == "written in"
    assert list(temp.iterdir()) == []
