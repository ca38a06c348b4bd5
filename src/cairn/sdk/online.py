"""``mode="online"``: a run that logs to a cairn server (``base_url``).

The run writes its WAL on this machine as always; its backend is the server
(``cairn.http_backend``), so the applier uploads the WAL in batches and ``run.url`` points
at the server. Nothing here is on the path of ``log()``.
"""

from __future__ import annotations

import dataclasses
import warnings

from cairn.errors import StoreError, UsageError
from cairn.sdk.writer import CairnWarning
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


def is_server(s: Settings) -> bool:
    return s.store.startswith(("http://", "https://"))
