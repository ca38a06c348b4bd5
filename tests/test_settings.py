from __future__ import annotations

from pathlib import Path

import pytest

from cairn.errors import SettingsError
from cairn.settings import load_settings


def test_arguments_beat_environment_beat_file(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('project = "from-file"\nentity = "file-entity"\ngroup = "g-file"\n')
    env = {"CAIRN_CONFIG": str(config), "CAIRN_PROJECT": "from-cairn-env",
           "WANDB_PROJECT": "from-wandb-env", "WANDB_ENTITY": "wandb-entity",
           "CAIRN_DIR": str(tmp_path / "store")}
    s = load_settings({"project": "from-arg"}, environ=env)
    assert s.project == "from-arg"
    assert s.entity == "wandb-entity"
    assert s.group == "g-file"
    assert s.root == tmp_path / "store"
    assert load_settings({}, environ=env).project == "from-cairn-env"
    del env["CAIRN_PROJECT"]
    assert load_settings({}, environ=env).project == "from-wandb-env"


def test_wandb_dir_is_the_parent_of_the_cairn_folder(tmp_path: Path) -> None:
    env = {"CAIRN_CONFIG": str(tmp_path / "none.toml"), "WANDB_DIR": str(tmp_path)}
    assert load_settings({}, environ=env).root == tmp_path / "cairn"
    assert load_settings({"dir": str(tmp_path / "x")}, environ=env).root == tmp_path / "x" / "cairn"


def test_wandb_mode_names_are_understood(tmp_path: Path) -> None:
    env = {"CAIRN_CONFIG": str(tmp_path / "none.toml"), "WANDB_MODE": "dryrun"}
    assert load_settings({}, environ=env).mode == "offline"


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("mode", "sideways", "mode"),
    ("heartbeat_timeout", "-3", "heartbeat_timeout"),
    ("queue_rows", "lots", "queue_rows"),
])
def test_bad_values_name_the_setting(tmp_path: Path, key: str, value: str, fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment):
        load_settings({key: value}, environ={"CAIRN_CONFIG": str(tmp_path / "n.toml")})


def test_unknown_setting_in_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('projcet = "typo"\n')
    with pytest.raises(SettingsError, match="projcet"):
        load_settings({}, environ={"CAIRN_CONFIG": str(config)})


@pytest.mark.parametrize(("given", "mode"), [("wrap_raw", "wrap"), ("wrap_emu", "wrap"),
                                             ("WRAP", "wrap"), ("redirect", "redirect"),
                                             (False, "off")])
def test_wandb_console_values_are_accepted(given: object, mode: str) -> None:
    assert load_settings({"console": given}).console == mode


def test_an_unknown_console_value_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="console"):
        load_settings({"console": "tty"})


def test_store_and_blobs_are_derived_from_root(tmp_path: Path) -> None:
    env = {"CAIRN_CONFIG": str(tmp_path / "none.toml"), "CAIRN_DIR": str(tmp_path / "c")}
    s = load_settings({}, environ=env)
    assert s.store == f"sqlite:///{tmp_path / 'c' / 'cairn.db'}"
    assert s.blobs == f"file://{tmp_path / 'c' / 'blobs'}"


def test_store_and_blobs_from_the_environment(tmp_path: Path) -> None:
    env = {"CAIRN_CONFIG": str(tmp_path / "none.toml"), "CAIRN_DIR": str(tmp_path / "c"),
           "CAIRN_STORE": "postgresql://cairn@db/cairn", "CAIRN_BLOBS": "s3://runs/team"}
    s = load_settings({}, environ=env)
    assert (s.store, s.blobs) == ("postgresql://cairn@db/cairn", "s3://runs/team")
    assert s.root == tmp_path / "c"  # the runs' WALs stay in the folder


def test_blobs_go_beside_an_embedded_store_named_alone(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"CAIRN_CONFIG": str(tmp_path / "none.toml"), "CAIRN_STORE": "shared/runs.db"}
    s = load_settings({}, environ=env)
    assert s.store == str(tmp_path / "shared" / "runs.db")  # made absolute
    assert s.blobs == f"file://{tmp_path / 'shared' / 'blobs'}"


def test_a_root_argument_means_that_folders_own_stores(tmp_path: Path) -> None:
    env = {"CAIRN_CONFIG": str(tmp_path / "none.toml"), "CAIRN_STORE": str(tmp_path / "s"),
           "CAIRN_BLOBS": f"file://{tmp_path / 'b'}"}
    s = load_settings({"root": tmp_path / "c"}, environ=env)
    assert s.store == f"sqlite:///{tmp_path / 'c' / 'cairn.db'}"
    assert s.blobs == f"file://{tmp_path / 'c' / 'blobs'}"
    both = load_settings({"root": tmp_path / "c", "store": tmp_path / "s"}, environ=env)
    assert both.store == str(tmp_path / "s")


def test_an_empty_store_uri_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="store"):
        load_settings({"store": " "}, environ={"CAIRN_CONFIG": str(tmp_path / "none.toml")})


def test_a_blobs_path_is_the_blob_folder_itself(tmp_path: Path) -> None:
    env = {"CAIRN_CONFIG": str(tmp_path / "none.toml"), "CAIRN_BLOBS": str(tmp_path / "b")}
    assert load_settings({}, environ=env).blobs == f"file://{tmp_path / 'b'}"
