"""Bringing runs made by other trackers into cairn: ``cairn import wandb | tensorboard |
mlflow``.

Each importer reads its sources with that tracker's own classes (an optional extra:
``cairn[import-wandb]``, ``cairn[import-tensorboard]``, ``cairn[import-mlflow]``) and
turns each run into records (``base.py``), applied through the backend's store as a WAL
is, so importing the same source again changes nothing.
"""
