"""XGBoost with wandb's WandbCallback (wandb.integration.xgboost), early stopping."""

import numpy as np
import wandb
import xgboost as xgb
from wandb.integration.xgboost import WandbCallback

rng = np.random.default_rng(0)
x = rng.normal(size=(200, 4))
y = x[:, 0] * 2 + rng.normal(scale=0.1, size=200)
run = wandb.init(project="xgb", name="tiny-xgb")
train = xgb.DMatrix(x[:150], label=y[:150])
valid = xgb.DMatrix(x[150:], label=y[150:])
xgb.train({"max_depth": 2, "eta": 0.5, "objective": "reg:squarederror"}, train,
          num_boost_round=8, evals=[(train, "train"), (valid, "valid")],
          early_stopping_rounds=3, verbose_eval=False, callbacks=[WandbCallback(log_model=True)])
print("RUN", run.path)
run.finish()
