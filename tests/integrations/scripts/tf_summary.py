"""TensorFlow 2's tf.summary writers (and Keras' TensorBoard callback, which uses them)
mirrored into the run by init(sync_tensorboard=True), with a PR curve from the
TensorBoard plugin. The writers write from TensorFlow's own ops, in and out of tf.function."""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np
import tensorflow as tf
import wandb
from tensorboard.plugins.hparams import api as hp
from tensorboard.plugins.pr_curve import summary as pr_summary

run = wandb.init(project="tf", name="tf-summary", sync_tensorboard=True)
writer = tf.summary.create_file_writer("tf-logs")
rng = np.random.default_rng(0)


@tf.function
def traced(step: tf.Tensor, value: tf.Tensor) -> None:
    tf.summary.scalar("traced", value, step=step)


with writer.as_default():
    hp.hparams({"lr": 0.01, "layers": 3})
    for step in range(4):
        tf.summary.scalar("loss", 1.0 / (step + 1), step=step * 10)
        tf.summary.histogram("weights", rng.normal(size=100), step=step * 10)
        traced(tf.constant(step * 10, dtype=tf.int64), tf.constant(float(step)))
    writer.flush()
    time.sleep(3)  # the mirror follows the event file while the script runs
    print("LIVE", run.summary.get("loss"))
    tf.summary.image("sample", rng.random((2, 8, 6, 3)), step=30, max_outputs=2)
    tf.summary.text("note", "done", step=30)
    # the PR-curve plugin's own summary, written as TensorBoard's docs show for TF 2
    curve = pr_summary.pb("pr", labels=np.array([True, False, True, True, False]),
                          predictions=np.array([0.9, 0.2, 0.7, 0.4, 0.6]), num_thresholds=11)
    tf.summary.experimental.write_raw_pb(curve.SerializeToString(), step=30)
# not flushed, not closed: the run's finish reads what the writer still holds
print("RUN", run.path)
run.finish()
writer.close()

# Keras' TensorBoard callback writes train/ and validation/ logdirs through tf.summary
import keras  # noqa: E402

keras_run = wandb.init(project="tf-keras", name="keras-tb", sync_tensorboard=True)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
x, y = rng.random((32, 4)), rng.random((32, 1))
model.fit(x, y, validation_data=(x, y), epochs=2, batch_size=16, verbose=0,
          callbacks=[keras.callbacks.TensorBoard("keras-logs")])
keras_run.finish()
