"""What integrations reach through ``import wandb``, resolved to cairn in this process."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from tests.compat.conftest import REPO

import cairn


def test_wandb_modules_are_cairns_own(wandb: ModuleType) -> None:
    import wandb.sdk.data_types.image  # type: ignore[import-not-found]
    import wandb.sdk.data_types.video  # type: ignore[import-not-found]
    import wandb.sdk.wandb_run  # type: ignore[import-not-found]
    import wandb.wandb_run  # type: ignore[import-not-found]
    from wandb.sdk.data_types.base_types.wb_value import (  # type: ignore[import-not-found]
        WBValue,
    )
    from wandb.sdk.lib.config_util import ConfigError  # type: ignore[import-not-found]

    assert sys.modules["wandb"] is wandb
    assert wandb.sdk.wandb_run.Run is wandb.wandb_run.Run is cairn.Run
    assert sys.modules["wandb.sdk.wandb_run"] is sys.modules["cairn.compat.wandb.sdk.wandb_run"]
    assert sys.modules["wandb.sdk.wandb_run"].__spec__.name == "cairn.compat.wandb.sdk.wandb_run"
    assert ConfigError is cairn.ConfigError
    assert wandb.sdk.data_types.image.Image is wandb.Image is cairn.Image
    assert wandb.sdk.data_types.video.Video is cairn.Video
    assert isinstance(cairn.Image(np.zeros((2, 2, 3), dtype=np.uint8)), WBValue)
    assert wandb.errors.UsageError is cairn.UsageError
    assert issubclass(wandb.errors.CommError, wandb.Error)
    assert wandb.env.PROJECT == "WANDB_PROJECT"
    assert wandb.Api is cairn.Api
    import wandb.plot  # type: ignore[import-not-found]

    assert wandb.plot is cairn.plot
    assert wandb.plot.bar is cairn.plot.bar
    with pytest.raises(ImportError):
        import wandb.no_such_module  # type: ignore[import-not-found]


def test_run_and_disabled_run(wandb: ModuleType) -> None:
    from wandb.sdk.lib import RunDisabled  # type: ignore[import-not-found]

    assert wandb.run is None
    run = wandb.init(project="p", config={"id2label": {0: "neg", 1: "pos"}})
    assert wandb.run is run
    assert not isinstance(run, RunDisabled)
    assert run.config["id2label"] == {"0": "neg", "1": "pos"}  # as wandb keeps them
    assert run._attach_id.startswith(f"{run.path}@")
    assert wandb._attach(run._attach_id) is run
    run._label(code="transformers_trainer")
    status = run.status()
    assert status.sync_items_pending == 0
    assert isinstance(status.sync_time, datetime.datetime)
    wandb.mark_preempting()
    assert run._preempting
    wandb.teardown()
    assert wandb.run is None
    disabled = wandb.init(mode="disabled")
    assert isinstance(disabled, RunDisabled)
    disabled.finish()


def test_settings_take_wandb_names(wandb: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("DEBUG", logger="cairn.compat"):
        settings = wandb.Settings(start_method="thread", run_name="named", project="proj",
                                  init_timeout=90, x_disable_stats=True)
    assert "start_method='thread' does not apply" in caplog.text
    assert settings.start_method == "thread"
    assert settings.init_timeout == 90
    assert settings.console is None  # a wandb setting not given
    with pytest.raises(TypeError, match="'no_such_setting'"):
        wandb.Settings(no_such_setting=1)
    run = wandb.init(settings=settings)
    assert (run.name, run.project) == ("named", "proj")
    assert run.settings.system_interval == 0
    run.finish()


def test_login_setup_require_api_key(wandb: ModuleType,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    assert wandb.login() is True
    assert wandb.setup() is wandb.setup()
    wandb.require("service")
    wandb.ensure_configured()
    assert len(wandb.api.api_key) == 40  # satisfies integrations that demand a key
    wandb.login(key="k" * 40)
    assert wandb.api.api_key == "k" * 40


def test_term_functions(wandb: ModuleType, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAIRN_SILENT", raising=False)
    wandb.termlog("hello")
    wandb.termwarn("careful", repeat=False)
    wandb.termwarn("careful", repeat=False)
    wandb.termerror("broken")
    assert capsys.readouterr().err == ("wandb: hello\nwandb: WARNING careful\n"
                                       "wandb: ERROR broken\n")
    monkeypatch.setenv("WANDB_SILENT", "true")
    wandb.termlog("quiet")
    assert capsys.readouterr().err == ""


def test_util(wandb: ModuleType) -> None:
    text = wandb.util.json_dumps_safer({"a": np.float32(1.5), "b": np.arange(2),
                                        "c": datetime.date(2024, 1, 2), "d": {1, 2},
                                        "e": object})
    data = json.loads(text)
    assert data["a"] == 1.5
    assert data["b"] == [0, 1]
    assert data["c"] == "2024-01-02"
    assert sorted(data["d"]) == [1, 2]
    assert "object" in data["e"]
    assert re.fullmatch(r"[a-z0-9]{8}", wandb.util.generate_id())


def test_models_and_links(wandb: ModuleType, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # use_model downloads under ./artifacts, as wandb's does
    weights = tmp_path / "model.pt"
    weights.write_bytes(b"weights")
    run = wandb.init(project="models")
    run.log_model(weights, name="net")
    linked = run.link_model(weights, "registered-net", name="net", aliases=["best"])
    assert linked.wait().name == "registered-net:v0"
    run.finish()
    with pytest.raises(ValueError, match="name only"):
        cairn.Run.link_model(run, weights, "team/registered-net")
    other = wandb.init(project="models", reinit="finish_previous")
    path = other.use_model("net:latest")
    assert Path(path).read_bytes() == b"weights"
    assert Path(other.use_model("registered-net:best")).read_bytes() == b"weights"
    other.finish()
    api = cairn.Api()
    try:
        found = api.artifact("models/registered-net:v0")
        assert found.type == "model"
        assert list(found.manifest.entries) == ["model.pt"]
    finally:
        api.close()


def test_attach_from_another_process(wandb: ModuleType, cairn_root: Path) -> None:
    """How Lightning's spawned workers log: the child attaches with the parent's id."""
    run = wandb.init(project="attach")
    run.log({"parent": 1})
    child = ("import cairn.compat.wandb as wandb, sys\n"
             "run = wandb._attach(sys.argv[1])\n"
             "run.log({'child': 2})\n"
             "run.finish()\n")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", child, run._attach_id], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    run.finish()
    api = cairn.Api()
    try:
        stored = api.run(run.path)
        keys = {k for row in stored.history(pandas=False) for k in row}
        assert {"parent", "child"} <= keys
    finally:
        api.close()


def test_watch_needs_a_torch_model(wandb: ModuleType) -> None:
    wandb.init(project="w")
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="torch is not installed"):
            wandb.watch(object())
    else:
        with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
            wandb.watch(object())
    with pytest.raises(ValueError, match="log must be one of"):
        wandb.watch(object(), log="weights")


def test_to_html_and_display_outside_a_notebook(wandb: ModuleType) -> None:
    run = wandb.init(project="html")
    page = run.to_html(height=300, hidden=True)
    assert page.startswith(f'<iframe src="{run.url}"')
    assert "height:300px;display:none;" in page
    assert run.display() is False  # no notebook here
    run.finish()


def test_sklearn_charts(wandb: ModuleType) -> None:
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    x, y = make_classification(n_samples=80, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3, random_state=0)
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(x[:60], y[:60])
    run = wandb.init(project="sk")
    wandb.sklearn.plot_classifier(model, x[:60], x[60:], y[:60], y[60:], model.predict(x[60:]),
                                  model.predict_proba(x[60:]), labels=["a", "b", "c"],
                                  feature_names=["f0", "f1", "f2", "f3"])
    run.finish()
    api = cairn.Api()
    try:
        summary = api.run(run.path).summary
        for key in ("summary_metrics", "class_proportions", "roc", "precision_recall",
                    "confusion_matrix", "feature_importances"):
            assert summary[key]["_type"] == "custom-chart", (key, summary[key])
    finally:
        api.close()


def test_run_urls_sync_dir_and_restore(wandb: ModuleType, tmp_path: Path) -> None:
    run = wandb.init(project="urls")
    assert run.project_url == run.get_project_url()
    assert run.sweep_url is None
    assert Path(run.sync_dir) == run.wal_path.parent
    (Path(run.dir) / "notes.txt").write_text("kept")
    run.save(str(Path(run.dir) / "notes.txt"), policy="now")
    run.finish()
    other = wandb.init(project="urls", reinit="finish_previous")
    restored = other.restore("notes.txt", run_path=run.path, root=tmp_path / "back")
    assert restored is not None
    with restored:
        assert restored.read() == "kept"
    other.finish()


def test_config_update_locked_and_persist(wandb: ModuleType) -> None:
    run = wandb.init(project="locked", config={"x": 1})
    run.config.update_locked({"a": 5, "b": 2}, user="sweep")
    with pytest.warns(cairn.CairnWarning, match="'a' was locked by 'sweep'"):
        run.config.update({"a": 3, "c": 1})
    with pytest.warns(cairn.CairnWarning, match="'b' was locked"):
        run.config["b"] = 9
    with pytest.warns(cairn.CairnWarning, match="'a' was locked"):
        run.config.update({"a": 7}, allow_val_change=True)
    with pytest.warns(cairn.CairnWarning, match="'a' was locked"):
        run.config.setdefaults({"a": 8, "d": 4})
    assert dict(run.config) == {"x": 1, "a": 5, "b": 2, "c": 1, "d": 4}  # as wandb keeps it
    with pytest.raises(cairn.ConfigError):
        run.config.update_locked({"x": 2})  # changing a set value still needs the flag
    run.config.persist()
    run.finish()
    api = cairn.Api()
    try:
        assert api.run(run.path).config == {"x": 1, "a": 5, "b": 2, "c": 1, "d": 4}
    finally:
        api.close()


def test_config_static_is_a_read_only_copy(wandb: ModuleType) -> None:
    run = wandb.init(project="static", config={"lr": 0.1, "net": {"depth": 2}})
    static = run.config_static
    assert static.lr == 0.1
    assert static["net"] == {"depth": 2}
    assert set(static.keys()) == {"lr", "net"}
    with pytest.raises(AttributeError, match="read-only"):
        static.lr = 1
    with pytest.raises(AttributeError, match="read-only"):
        static["lr"] = 1
    run.config.update({"lr": 0.2}, allow_val_change=True)
    assert static.lr == 0.1  # a copy, as wandb's
    run.finish()
