"""wandb's public names, as its own test lists them (wandb/wandb
``tests/unit_tests/test_library_public.py``): which the ``wandb`` that cairn provides has.

The count: the user-facing groups of that test (as of wandb's commit 6daf877), 112 names:
``wandb.*`` data types, SDK functions and service calls (35), ``Run`` attributes (45),
``Config`` methods (8) and ``wandb.init`` parameters (24). Its ``SYMBOLS_ROOT_OTHER``
(modules and leftovers such as ``sdk_py27``) is not counted. ``MISSING`` says what is
absent and why; a name added later fails this test until it is taken off that list.
"""

from __future__ import annotations

import inspect
from types import ModuleType

import cairn
from cairn.sdk.config import Config

ROOT = {
    "Graph", "Image", "Plotly", "Video", "Audio", "Table", "Html", "Object3D", "Molecule",
    "Histogram", "Classes", "JoinedTable",
    "login", "init", "log", "log_artifact", "use_artifact", "define_metric", "summary",
    "config", "join", "finish", "watch", "unwatch", "helper", "agent", "controller", "sweep",
    "mark_preempting", "load_ipython_extension", "require", "profiler",
    "attach", "detach", "teardown",
}
RUN = {
    "job_type", "group", "entity", "project", "name", "id", "join", "finish", "watch",
    "unwatch", "config", "config_static", "log", "log_artifact", "link_artifact",
    "upsert_artifact", "finish_artifact", "use_artifact", "log_code", "alert",
    "define_metric", "mode", "disabled", "offline", "save", "restore", "notes", "tags",
    "mark_preempting", "to_html", "display", "settings",
    "starting_step", "step", "resumed",
    "path", "plot_table", "get_project_url", "url", "get_url", "get_sweep_url", "start_time",
    "sweep_id", "dir", "project_name",
}
CONFIG = {"get", "update", "setdefaults", "items", "keys", "as_dict", "update_locked",
          "persist"}
INIT = {
    "force", "settings", "project", "tensorboard", "config", "allow_val_change", "id",
    "monitor_gym", "magic", "group", "resume", "dir", "anonymous", "mode",
    "config_exclude_keys", "tags", "name", "entity", "sync_tensorboard",
    "config_include_keys", "save_code", "notes", "job_type", "reinit",
}
MISSING = {
    # not in wandb 0.31 either (the list allows them, wandb no longer has them)
    "wandb.detach": "gone from wandb",
    "wandb.load_ipython_extension": "gone from wandb",
    # in wandb, not (yet) in cairn
    "wandb.helper": "wandb's internal helpers module; nothing a user calls",
}


def _absent(wandb: ModuleType) -> set[str]:
    run = cairn.init(project="names")
    try:
        absent = {f"wandb.{n}" for n in ROOT if not hasattr(wandb, n)}
        absent |= {f"Run.{n}" for n in RUN if not hasattr(run, n)}
        absent |= {f"Config.{n}" for n in CONFIG if not hasattr(Config, n)}
    finally:
        run.finish()
    accepted = set(inspect.signature(cairn.init).parameters) | _accepted_init_kwargs()
    return absent | {f"init({n}=)" for n in INIT if n not in accepted}


def _accepted_init_kwargs() -> set[str]:
    """``init`` takes wandb's rarer arguments through ``**kwargs`` (``sdk/init.py``)."""
    from cairn.sdk import init as init_module

    return set(init_module._ACCEPTED_NOOP) | {"save_code", "config_exclude_keys",
                                              "config_include_keys"}


def test_wandbs_public_names(wandb: ModuleType) -> None:
    assert len(ROOT) + len(RUN) + len(CONFIG) + len(INIT) == 112
    assert _absent(wandb) == set(MISSING)
    assert len(MISSING) == 3  # 109 of 112 present; 1 of the 3 missing is in wandb 0.31


def test_import_cairn_as_wandb_has_the_same_root_names(wandb: ModuleType) -> None:
    """``import cairn as wandb`` (no shim) offers every ``wandb.*`` name the shim does, and
    each is the same object."""
    absent = {f"wandb.{n}" for n in ROOT if not hasattr(cairn, n)}
    assert absent == {name for name in MISSING if name.startswith("wandb.")}
    for name in ROOT - {n.removeprefix("wandb.") for n in absent} - {"config", "summary"}:
        assert getattr(cairn, name) is getattr(wandb, name), name
