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
