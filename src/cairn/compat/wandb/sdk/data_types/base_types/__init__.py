"""``wandb.sdk.data_types.base_types``."""
