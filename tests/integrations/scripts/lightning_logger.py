"""Lightning's WandbLogger(log_model=True) + watch, a tiny model for a few CPU steps."""

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
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


torch.manual_seed(0)
data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))
logger = WandbLogger(project="lightning", name="tiny", log_model=True)
model = Tiny()
logger.watch(model, log="all", log_freq=2)
trainer = Trainer(max_epochs=2, logger=logger, log_every_n_steps=1, accelerator="cpu",
                  enable_progress_bar=False, enable_model_summary=False, limit_val_batches=2)
trainer.fit(model, DataLoader(data, batch_size=16), DataLoader(data, batch_size=16))
print("RUN", logger.experiment.path)
