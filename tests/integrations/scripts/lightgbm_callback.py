"""LightGBM with wandb's wandb_callback and log_summary (wandb.integration.lightgbm)."""

import lightgbm as lgb
import numpy as np
import wandb
from wandb.integration.lightgbm import log_summary, wandb_callback

rng = np.random.default_rng(0)
x = rng.normal(size=(200, 3))
y = x[:, 0] * 2 + rng.normal(scale=0.1, size=200)
run = wandb.init(project="lgb", name="tiny-lgb")
train = lgb.Dataset(x[:150], y[:150])
valid = lgb.Dataset(x[150:], y[150:], reference=train)
model = lgb.train({"objective": "regression", "metric": "l2", "num_leaves": 4, "verbose": -1},
                  train, num_boost_round=6, valid_sets=[valid], valid_names=["validation"],
                  callbacks=[wandb_callback()])
log_summary(model, save_model_checkpoint=True)
print("RUN", run.path)
run.finish()
