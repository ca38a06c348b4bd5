"""The run page's Files tab: a tree with sizes, previews of text, JSON and images, and
downloads, for files saved with run.save()."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.ui.conftest import LiveServer

import cairn


def gradient_png(width: int = 192, height: int = 128) -> bytes:
    """An RGB gradient as a PNG, written by hand (no imaging library needed)."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width)
                                     for v in (x * 255 // width, y * 255 // height, 160))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


PNG = gradient_png()


def test_files_tab_tree_preview_and_download(page: Page, tmp_path: Path,
                                             server: Callable[[], LiveServer],
                                             screenshots: Path) -> None:
    work = tmp_path / "work"
    (work / "ckpt" / "deep").mkdir(parents=True)
    (work / "train.log").write_text("epoch 1 loss 0.5\nepoch 2 loss 0.25\n")
    (work / "metrics.json").write_text(json.dumps({"acc": 0.91, "classes": ["cat", "dog"]}))
    (work / "ckpt" / "model.pt").write_bytes(b"\x00" * 3000)
    (work / "ckpt" / "deep" / "plot.png").write_bytes(PNG)
    run = cairn.init(project="proj", name="with-files")
    run.save(str(work / "**" / "*"), base_path=str(work), policy="now")
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=files")
    tree = page.get_by_role("tree", name="Run files")
    expect(page.get_by_role("region", name="Files")).to_contain_text("4 files")
    expect(tree.get_by_role("treeitem").filter(has_text="ckpt/").first).to_contain_text("KB")

    tree.get_by_role("button", name="metrics.json").click()
    content = page.get_by_label("File content")
    expect(content).to_contain_text('"acc": 0.91')  # pretty-printed JSON
    page.screenshot(path=str(screenshots / "files-tab-json.png"))
    expect(page).to_have_url(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=files&"
                             "file=metrics.json")

    tree.get_by_role("button", name="train.log").click()
    expect(content).to_contain_text("epoch 2 loss 0.25")

    tree.get_by_role("button", name="deep/").click()
    tree.get_by_role("button", name="plot.png").click()
    image = page.get_by_role("img", name="ckpt/deep/plot.png")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('.preview-image')?.naturalWidth === 192")
    page.screenshot(path=str(screenshots / "files-tab.png"))

    tree.get_by_role("button", name="model.pt").click()
    expect(page.get_by_text("No preview for this kind of file")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    saved = info.value.path()
    assert Path(saved).read_bytes() == b"\x00" * 3000
    assert info.value.suggested_filename == "model.pt"


def test_files_tab_without_files(page: Page, server: Callable[[], LiveServer]) -> None:
    run = cairn.init(project="proj", name="no-files")
    run.finish()
    live = server()
    page.goto(f"{live.url}/{run.entity}/proj/runs/{run.id}?tab=files")
    expect(page.get_by_role("heading", name="No files yet")).to_be_visible()
