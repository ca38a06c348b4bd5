"""Keras 3 (torch backend) with wandb.integration.keras: WandbMetricsLogger,
WandbModelCheckpoint and a WandbEvalCallback subclass."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import wandb
from wandb.integration.keras import (
    WandbEvalCallback,
    WandbMetricsLogger,
    WandbModelCheckpoint,
)

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")


class Predictions(WandbEvalCallback):
    def add_ground_truth(self, logs=None):
        for i in range(4):
            self.data_table.add_data(i, float(y[i, 0]))

    def add_model_predictions(self, epoch, logs=None):
        predicted = self.model.predict(x[:4], verbose=0)
        for i in range(4):
            self.pred_table.add_data(epoch, i, float(predicted[i, 0]))


run = wandb.init(project="keras", name="tiny-keras", config={"epochs": 3})
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mae"])
model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
          callbacks=[WandbMetricsLogger(),
                     WandbModelCheckpoint("ckpt/model.keras", monitor="val_loss"),
                     Predictions(["id", "target"], ["epoch", "id", "prediction"])])
print("RUN", run.path)
run.finish()
