"""cairn demo: train a small neural network on scikit-learn's digits with three learning
rates, logging to the local cairn folder exactly as wandb code would: metrics, images of
the validation digits with their predictions, weight histograms, a confusion matrix, a
table of mistakes, the weights as a run file and a versioned model artifact, and an alert.

    python examples/demo.py            # or: make demo

Nothing is downloaded: the digits data ship with scikit-learn.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import cairn as wandb  # the one changed line in an existing wandb script


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def train(lr: float, hidden: int, epochs: int, seed: int) -> None:
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    x_tr, x_val, y_tr, y_val = train_test_split(x, y, test_size=0.25, random_state=seed)
    rng = np.random.default_rng(seed)
    config = {"lr": lr, "epochs": epochs, "batch_size": 32, "seed": seed,
              "model": {"hidden": hidden, "activation": "relu"}, "optimizer": "sgd"}
    run = wandb.init(project="digits", group="lr-sweep", job_type="train", config=config,
                     tags=["demo", "mlp"], notes=f"MLP with {hidden} hidden units, lr={lr}")
    wandb.define_metric("epoch")
    wandb.define_metric("val/*", step_metric="epoch")
    wandb.define_metric("val/acc", summary="max,last", goal="maximize")
    wandb.define_metric("train.loss", summary="min,last")

    w1 = rng.normal(0, np.sqrt(2 / 64), (64, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, np.sqrt(2 / hidden), (hidden, 10))
    b2 = np.zeros(10)
    bs = run.config.batch_size
    for epoch in range(epochs):
        order = rng.permutation(len(x_tr))
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            xb, yb = x_tr[idx], y_tr[idx]
            h = np.maximum(xb @ w1 + b1, 0)
            p = softmax(h @ w2 + b2)
            loss = -np.log(p[np.arange(len(yb)), yb] + 1e-12).mean()
            grad = p
            grad[np.arange(len(yb)), yb] -= 1
            grad /= len(yb)
            gw2, gb2 = h.T @ grad, grad.sum(0)
            gh = grad @ w2.T * (h > 0)
            gw1, gb1 = xb.T @ gh, gh.sum(0)
            for param, g in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
                param -= lr * g
            wandb.log({"train": {"loss": float(loss),
                                 "grad_norm": float(np.sqrt((gw1**2).sum() + (gw2**2).sum()))},
                       "lr": lr})
        h = np.maximum(x_val @ w1 + b1, 0)
        p = softmax(h @ w2 + b2)
        val_loss = -np.log(p[np.arange(len(y_val)), y_val] + 1e-12).mean()
        acc = float((p.argmax(1) == y_val).mean())
        wandb.log({"val/loss": float(val_loss), "val/acc": acc, "epoch": epoch,
                   "val/examples": [digit_image(x_val[i], y_val[i], p[i].argmax())
                                    for i in range(8)],
                   "weights/hidden": wandb.Histogram(w1), "weights/out": wandb.Histogram(w2)})
        print(f"epoch {epoch + 1:>2}/{epochs}  val loss {val_loss:.4f}  val acc {acc:.3f}")
        if acc >= 0.97:
            run.alert(title="val/acc reached 0.97", text=f"lr={lr}: {acc:.3f} at epoch {epoch}",
                      level=wandb.AlertLevel.INFO, wait_duration=3600)
    predicted = p.argmax(1)
    wrong = np.flatnonzero(predicted != y_val)[:50]
    mistakes = wandb.Table(columns=["image", "label", "predicted", "confidence"])
    for i in wrong:
        mistakes.add_data(digit_image(x_val[i], y_val[i], predicted[i]), int(y_val[i]),
                          int(predicted[i]), float(p[i].max()))
    wandb.log({"val/confusion": wandb.plot.confusion_matrix(
                   y_true=y_val, preds=predicted, class_names=[str(d) for d in range(10)]),
               "val/mistakes": mistakes})
    weights = Path(run.dir) / "weights.npz"
    np.savez(weights, w1=w1, b1=b1, w2=w2, b2=b2)
    wandb.save(str(weights))
    model = wandb.Artifact(f"mlp-{hidden}", type="model", metadata={"val_acc": acc, "lr": lr})
    model.add_file(str(weights))
    run.log_artifact(model, aliases=["best"] if acc >= 0.97 else None)
    run.summary["final_val_acc"] = acc
    run.finish()


def digit_image(pixels: np.ndarray, label: int, predicted: int) -> wandb.Image:
    """An 8x8 digit scaled up to 64x64, captioned with its label and the prediction."""
    big = np.kron(pixels.reshape(8, 8), np.ones((8, 8)))
    return wandb.Image((big * 255).astype(np.uint8),
                       caption=f"label {label}, predicted {predicted}")


def report(root: Path) -> None:
    api = wandb.Api(root=root)
    runs = api.runs("digits", filters={"group": "lr-sweep"}, order="-summary.val/acc.max")
    print(f"\n{'run':<24} {'lr':>6} {'best val acc':>13} {'min train loss':>15} {'steps':>6}")
    for r in list(runs)[:6]:
        val = r.summary.get("val/acc", {})
        loss = r.summary.get("train", {}).get("loss", {})
        print(f"{r.name:<24} {r.config['lr']:>6} {val.get('max', float('nan')):>13.3f} "
              f"{loss.get('min', float('nan')):>15.4f} {r.last_step + 1:>6}")
    print(f"\nData: {root} (cairn.db holds every run; runs/ holds each run's WAL)")
    print("Look at it:  .venv/bin/cairn ui     (make demo starts it: http://127.0.0.1:8080)")
    print("             .venv/bin/cairn runs list digits")
    print("             .venv/bin/cairn runs show digits/<run id>")
    print("             .venv/bin/cairn export digits/<run id> --format csv -o run.csv")


def main() -> None:
    root = Path(os.environ.get("CAIRN_DIR", Path.cwd() / "cairn"))
    os.environ["CAIRN_DIR"] = str(root)
    started = time.perf_counter()
    for seed, (lr, hidden) in enumerate([(0.5, 64), (0.1, 64), (0.02, 32)]):
        train(lr=lr, hidden=hidden, epochs=12, seed=seed)
    print(f"\nLogged 3 runs in {time.perf_counter() - started:.1f} s.")
    report(root)


if __name__ == "__main__":
    main()
