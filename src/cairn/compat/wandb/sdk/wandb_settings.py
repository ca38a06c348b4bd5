"""``wandb.Settings``: accepts wandb's setting names. Those cairn has a setting for are
applied (``project``, ``mode``, ``run_name``, ``console``, ...); the others, which do not
apply to a local tracker (``start_method``, ``init_timeout``, ...), are kept readable on the
object and otherwise ignored, with one debug line each."""

from __future__ import annotations

import logging
from typing import Any

_log = logging.getLogger("cairn.compat")

WANDB_SETTINGS = frozenset({
    'allow_media_symlink', 'allow_offline_artifacts', 'allow_val_change', 'anonymous',
    'api_key', 'app_url_override', 'azure_account_url_to_access_key', 'base_url',
    'capture_loggers', 'code_dir', 'config_paths', 'console', 'console_chunk_max_bytes',
    'console_chunk_max_seconds', 'console_multipart', 'credentials_file', 'disable_code',
    'disable_git', 'disable_git_fork_point', 'disable_job_creation', 'docker', 'email',
    'entity', 'finish_timeout', 'finish_timeout_raises', 'force', 'fork_from', 'git_commit',
    'git_remote', 'git_remote_url', 'git_root', 'heartbeat_seconds', 'host', 'http_proxy',
    'https_proxy', 'identity_token_file', 'ignore_globs', 'init_timeout',
    'insecure_disable_ssl', 'job_name', 'job_source', 'label_disable', 'launch',
    'launch_config_path', 'login_timeout', 'max_end_of_run_history_metrics',
    'max_end_of_run_summary_metrics', 'mode', 'notebook_name', 'organization', 'program',
    'program_abspath', 'program_relpath', 'project', 'quiet', 'reinit', 'relogin', 'resume',
    'resume_from', 'resumed', 'root_dir', 'run_group', 'run_id', 'run_job_type', 'run_name',
    'run_notes', 'run_tags', 'sagemaker_disable', 'save_code', 'settings_system',
    'show_colors', 'show_emoji', 'show_errors', 'show_info', 'show_warnings', 'silent',
    'stop_fn', 'stop_on_fatal_error', 'strict', 'summary_timeout', 'summary_warnings',
    'sweep_id', 'sweep_param_path', 'symlink', 'sync_tensorboard',
    'table_raise_on_max_row_limit_exceeded', 'use_dot_wandb', 'username', 'x_cli_only_mode',
    'x_disable_machine_info', 'x_disable_meta', 'x_disable_stats', 'x_disable_viewer',
    'x_executable', 'x_extra_http_headers', 'x_file_stream_max_bytes',
    'x_file_stream_max_line_bytes', 'x_file_stream_no_gzip', 'x_file_stream_retry_max',
    'x_file_stream_retry_wait_max_seconds', 'x_file_stream_retry_wait_min_seconds',
    'x_file_stream_timeout_seconds', 'x_file_stream_transmit_interval',
    'x_file_transfer_retry_max', 'x_file_transfer_retry_wait_max_seconds',
    'x_file_transfer_retry_wait_min_seconds', 'x_file_transfer_timeout_seconds',
    'x_files_dir', 'x_flow_control_custom', 'x_flow_control_disabled',
    'x_graphql_retry_max', 'x_graphql_retry_wait_max_seconds',
    'x_graphql_retry_wait_min_seconds', 'x_graphql_timeout_seconds',
    'x_history_value_encoding', 'x_internal_check_process', 'x_jupyter_name',
    'x_jupyter_path', 'x_jupyter_root', 'x_label', 'x_live_policy_rate_limit',
    'x_live_policy_wait_time', 'x_log_level', 'x_network_buffer', 'x_primary', 'x_proxies',
    'x_runqueue_item_id', 'x_save_requirements', 'x_server_side_derived_summary',
    'x_service_transport', 'x_service_wait', 'x_skip_transaction_log', 'x_start_time',
    'x_stats_buffer_size', 'x_stats_coreweave_metadata_base_url',
    'x_stats_coreweave_metadata_endpoint', 'x_stats_cpu_count', 'x_stats_cpu_logical_count',
    'x_stats_dcgm_exporter', 'x_stats_disk_paths', 'x_stats_gpu_count',
    'x_stats_gpu_device_ids', 'x_stats_gpu_type', 'x_stats_neuron_monitor_config_path',
    'x_stats_no_cgroup', 'x_stats_open_metrics_endpoints', 'x_stats_open_metrics_filters',
    'x_stats_open_metrics_http_headers', 'x_stats_pid', 'x_stats_sampling_interval',
    'x_stats_self_usage', 'x_stats_track_process_tree', 'x_sync', 'x_sync_dir_suffix',
    'x_transaction_log_flush_interval', 'x_update_finish_state'
})
"""The field names of wandb 0.31's ``Settings``."""

LEGACY_SETTINGS = frozenset({
    "start_method", "_disable_stats", "_disable_meta", "_disable_service", "_service_wait",
    "_save_requirements", "_require_core", "_require_legacy_service", "disable_job_creation",
    "_stats_sample_rate_seconds", "_stats_samples_to_average", "_executable", "_cuda",
    "_except_exit", "_jupyter", "_live_policy_rate_limit", "_offline", "_sync",
})
"""Names older wandb releases accepted, which integrations written for them still pass."""

_TO_CAIRN = {
    "mode": "mode", "project": "project", "entity": "entity", "run_name": "name",
    "run_notes": "notes", "run_tags": "tags", "run_group": "group", "run_job_type": "job_type",
    "run_id": "run_id", "resume": "resume", "root_dir": "run_base", "silent": "silent",
    "quiet": "silent", "save_code": "save_code", "disable_git": "disable_git",
    "console": "console", "x_stats_sampling_interval": "system_interval",
    "base_url": "base_url",
}
"""wandb's name -> cairn's :class:`cairn.Settings` field, for the settings both have."""


class Settings:
    """``wandb.Settings(**kwargs)``; pass it to ``init(settings=...)``. Public attributes are
    the cairn settings it sets; every wandb setting given stays readable by its wandb name."""

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - WANDB_SETTINGS - LEGACY_SETTINGS)
        if unknown:
            raise TypeError(f"Settings() got an unexpected keyword argument {unknown[0]!r} "
                            "(not one of wandb's setting names)")
        object.__setattr__(self, "_wandb", dict(kwargs))
        for key, value in kwargs.items():
            self._apply(key, value)

    def _apply(self, key: str, value: Any) -> None:
        if key in ("x_disable_stats", "_disable_stats") and value:
            object.__setattr__(self, "system_interval", 0.0)
            return
        if key == "console" and value in ("wrap_raw", "wrap_emu"):
            value = "wrap"
        if key == "mode" and value in ("dryrun", "run"):
            value = "offline" if value == "dryrun" else "online"
        if key == "run_tags" and value is not None:
            value = tuple(value)
        target = _TO_CAIRN.get(key)
        if target is None:
            _log.debug("cairn: wandb setting %s=%r does not apply to cairn; ignored", key, value)
            return
        if value is not None:
            object.__setattr__(self, target, value)

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in WANDB_SETTINGS and key not in LEGACY_SETTINGS:
            raise AttributeError(f"Settings has no setting {key!r}")
        self._wandb[key] = value
        self._apply(key, value)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        wandb_values = object.__getattribute__(self, "_wandb")
        if key in wandb_values:
            return wandb_values[key]
        if key in WANDB_SETTINGS or key in LEGACY_SETTINGS:
            return None
        raise AttributeError(f"Settings has no setting {key!r}")

    def update_from_dict(self, settings: dict[str, Any]) -> None:
        for key, value in settings.items():
            setattr(self, key, value)

    def to_dict(self) -> dict[str, Any]:
        return dict(self._wandb)

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self._wandb.items())})"
