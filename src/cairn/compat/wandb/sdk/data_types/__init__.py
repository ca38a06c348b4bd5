"""``wandb.sdk.data_types``: wandb's module layout over cairn's media types."""
