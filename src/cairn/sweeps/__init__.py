"""Sweeps: wandb's sweep configuration, a controller whose state lives in the store, and
agents that run its trials (see ``api.py`` for ``sweep`` and ``agent``)."""
