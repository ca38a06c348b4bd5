"""A TensorBoard-only loop (tensorboardX) that gains cairn with init(sync_tensorboard=True)."""

import numpy as np
import wandb
from tensorboardX import SummaryWriter

run = wandb.init(project="tb", name="tb-only", sync_tensorboard=True)
writer = SummaryWriter("tb-logs")
rng = np.random.default_rng(0)
for step in range(4):
    writer.add_scalar("loss", 1.0 / (step + 1), global_step=step * 10)
    writer.add_scalars("lr", {"a": 0.1, "b": 0.2}, step * 10)
    writer.add_histogram("weights", rng.normal(size=100), step * 10)
writer.add_text("note", "done", 40)
writer.close()
print("RUN", run.path)
run.finish()
