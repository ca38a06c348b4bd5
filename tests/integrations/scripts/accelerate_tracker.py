"""accelerate's Accelerator(log_with="wandb"): init_trackers, log, end_training."""

import torch
from accelerate import Accelerator

accelerator = Accelerator(log_with="wandb", cpu=True)
accelerator.init_trackers("accel", config={"lr": 0.1, "layers": 2},
                          init_kwargs={"wandb": {"name": "tiny-accel", "tags": ["t1"]}})
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model, optimizer = accelerator.prepare(model, optimizer)
torch.manual_seed(0)
for step in range(5):
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    loss = torch.nn.functional.mse_loss(model(x), y)
    accelerator.backward(loss)
    optimizer.step()
    optimizer.zero_grad()
    accelerator.log({"loss": loss.item()}, step=step)
tracker = accelerator.get_tracker("wandb")
print("RUN", tracker.run.path)
accelerator.end_training()
