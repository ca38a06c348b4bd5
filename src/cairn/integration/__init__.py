"""Callbacks for training libraries whose wandb integration lives in wandb's own package
(XGBoost, LightGBM, Keras): the same classes, logging to the current cairn run. They are
also ``wandb.integration.<name>`` once ``cairn compat install`` has run."""
