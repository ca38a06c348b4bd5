"""Lightning's WandbLogger with strategy="ddp_spawn": two CPU processes (gloo). The
parent pickles the logger, whose spawned rank 0 attaches to the run (``wandb._attach``)
and logs the training; the parent logs after fit() and ends the run."""

import torch
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.loggers import WandbLogger
from torch.utils.data import DataLoader, TensorDataset


class Tiny(LightningModule):
    def __init__(self, lr: float = 0.05) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                       torch.nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y), sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


if __name__ == "__main__":
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))
    logger = WandbLogger(project="lightning-spawn", name="spawned")
    trainer = Trainer(max_epochs=2, logger=logger, log_every_n_steps=1, accelerator="cpu",
                      strategy="ddp_spawn", devices=2, enable_progress_bar=False,
                      enable_model_summary=False, limit_val_batches=2)
    trainer.fit(Tiny(), DataLoader(data, batch_size=16), DataLoader(data, batch_size=16))
    run = logger.experiment  # the parent's run, which its child logged into
    print("PARENT-STEP", run.step)
    run.log({"after_fit": 1.0})
    run.finish()
    print("RUN", run.path)
