"""``mode="online"``: a run that logs to a cairn server (``base_url``).

The run writes its WAL on this machine as always; its backend is the server
(``cairn.http_backend``), so the applier uploads the WAL in batches and ``run.url`` points
at the server. Nothing here is on the path of ``log()``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

from cairn.errors import CairnWarning, StoreError, UsageError
from cairn.records import RunRef
from cairn.settings import Settings


def online_settings(s: Settings) -> Settings:
    """The run's settings with the server as its store: its URL, its key checked to exist,
    and the entity defaulting to the key's user (as wandb's does)."""
    from cairn.remote import default_host, normal_url, resolve_key, stored_login, viewer

    base_url = s.base_url or default_host()  # the server of the last `cairn login`
    if not base_url:
        warnings.warn("cairn: mode 'online' needs a cairn server (base_url, CAIRN_BASE_URL, "
                      "or `cairn login --host URL`); none is configured, so this run logs "
                      "locally", CairnWarning, stacklevel=3)
        return s
    try:
        url = normal_url(base_url)
    except ValueError as exc:
        raise UsageError(f"bad base_url: {exc}") from None
    key = resolve_key(url, s.api_key)
    if key is None:
        raise UsageError(f"mode 'online' needs an API key for {url}: set CAIRN_API_KEY (or "
                         f"WANDB_API_KEY), or run `cairn login --host {url}`")
    entity = s.entity
    if entity is None:
        stored = stored_login(url)
        if stored is not None and stored.get("key") == key and stored.get("user"):
            entity = str(stored["user"])
        else:
            try:
                entity = str(viewer(url, key, timeout=3.0)["user"])
            except StoreError:
                entity = None  # the server is away: the default entity; it says if wrong
    return dataclasses.replace(s, store=url, ui_url=url, base_url=url, api_key=key,
                               entity=entity)


def existing_on_server(s: Settings, ref: RunRef, read: Callable[[Settings], Any]) -> Any:
    """The run to resume as the server holds it (``read``: init's own reading, which
    also uploads what this machine's WALs hold that the server lacks); while the server
    is away, as this machine's WALs describe it, with a warning."""
    from cairn.errors import ServerUnavailableError
    from cairn.wal.resume import unsynced_state

    try:
        return read(dataclasses.replace(s, mode="local"))
    except ServerUnavailableError as exc:
        warnings.warn(f"cairn: {exc}; resuming run {ref.run_id} from this machine's WALs "
                      "only", CairnWarning, stacklevel=4)
        return unsynced_state(s.runs_dir, ref.project, ref.run_id, None)
