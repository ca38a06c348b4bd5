"""wandb.watch on a plain PyTorch loop: log="all", log_freq=2, log_graph=True, then unwatch
after step 6."""

import torch
import wandb

torch.manual_seed(0)
run = wandb.init(project="watch", name="plain-torch", config={"freq": 2})
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
frozen = torch.nn.Linear(2, 2)
frozen.weight.requires_grad_(False)
wandb.watch([model, frozen], log="all", log_freq=2, log_graph=True)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(10):
    if step == 6:
        wandb.unwatch(model)
    loss = model(torch.randn(5, 3)).pow(2).mean() + frozen(torch.randn(1, 2)).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    run.log({"loss": loss.item()})
assert frozen.weight.grad is None
assert frozen.bias.grad is not None
print("RUN", run.path)
run.finish()
