"""wandb.profiler.torch_trace_handler on a plain PyTorch loop: torch's profiler writes its
traces into the run's folder, and the run keeps them as files."""

import torch
import wandb

run = wandb.init(project="profiler", name="traces")
model = torch.nn.Linear(8, 2)
with torch.profiler.profile(
        activities=[torch.profiler.ProfilerActivity.CPU],
        schedule=torch.profiler.schedule(wait=1, warmup=1, active=2, repeat=1),
        on_trace_ready=wandb.profiler.torch_trace_handler(), record_shapes=True) as prof:
    for _ in range(6):
        loss = model(torch.randn(4, 8)).pow(2).mean()
        loss.backward()
        run.log({"loss": loss.item()})
        prof.step()
print("RUN", run.path)
run.finish()
