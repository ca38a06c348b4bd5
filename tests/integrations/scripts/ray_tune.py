"""Ray Tune with WandbLoggerCallback: two trials, each logged from its own process (a Ray
logging actor), without a wandb account."""

import os
import tempfile

import ray
from ray import tune
from ray.air.integrations.wandb import WandbLoggerCallback


def objective(config):
    for step in range(3):
        tune.report({"score": config["x"] * (step + 1)})


ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
         runtime_env={"env_vars": {k: v for k, v in os.environ.items()
                                   if k.startswith(("CAIRN_", "PYTHONPATH"))}})
tuner = tune.Tuner(
    objective,
    param_space={"x": tune.grid_search([1, 2])},
    run_config=tune.RunConfig(
        storage_path=tempfile.mkdtemp(prefix="ray-results-"), name="exp",
        callbacks=[WandbLoggerCallback(project="tune", log_config=True)]),
)
results = tuner.fit()
print("TRIALS", len(results), results.errors)
ray.shutdown()
