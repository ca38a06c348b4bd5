"""transformers' Trainer.hyperparameter_search(backend="wandb"): a random sweep of three
trials over the learning rate, run by wandb.sweep and wandb.agent in this process, each
trial a tiny model built from a config (no download)."""

import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

torch.manual_seed(0)


def model_init(trial=None):
    config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=8, max_position_embeddings=8,
                        num_labels=2)
    return BertForSequenceClassification(config)


class Data(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        ids = torch.randint(1, 50, (4,))
        return {"input_ids": ids, "attention_mask": torch.ones(4, dtype=torch.long),
                "labels": torch.tensor(i % 2)}


def hp_space(trial):
    return {"method": "random", "metric": {"name": "eval/loss", "goal": "minimize"},
            "parameters": {"learning_rate": {"distribution": "log_uniform_values",
                                             "min": 1e-4, "max": 1e-2},
                           "seed": {"values": [1, 2, 3]}}}


args = TrainingArguments(output_dir="hp-out", report_to=["wandb"], per_device_train_batch_size=4,
                         max_steps=4, logging_steps=2, save_strategy="no", use_cpu=True,
                         disable_tqdm=True, eval_strategy="no", per_device_eval_batch_size=4)
trainer = Trainer(model_init=model_init, args=args, train_dataset=Data(), eval_dataset=Data())
best = trainer.hyperparameter_search(direction="minimize", backend="wandb", n_trials=3,
                                     hp_space=hp_space, project="hp")
# BestRun carries the sweep id in its last field for this backend
print("BEST", best.run_id, best.run_summary, best.objective)
