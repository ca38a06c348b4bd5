"""``wandb.integration``: wandb's integrations that live in wandb's package."""
