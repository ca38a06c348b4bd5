"""transformers' Trainer(report_to=["wandb"]) with a tiny model built from a config (no
download), WANDB_LOG_MODEL=end and WANDB_WATCH=all. The Trainer watches with
log_freq=max(100, logging_steps): 100 steps make the first histograms."""

import os

import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

os.environ["WANDB_LOG_MODEL"] = "end"
os.environ["WANDB_WATCH"] = "all"
os.environ["WANDB_PROJECT"] = "hf"
torch.manual_seed(0)
config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=8, max_position_embeddings=8, num_labels=2,
                    id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1})
model = BertForSequenceClassification(config)


class Data(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        ids = torch.randint(1, 50, (4,))
        return {"input_ids": ids, "attention_mask": torch.ones(4, dtype=torch.long),
                "labels": torch.tensor(i % 2)}


args = TrainingArguments(output_dir="hf-out", report_to=["wandb"], run_name="tiny-bert",
                         per_device_train_batch_size=4, max_steps=100, logging_steps=10,
                         save_strategy="no", use_cpu=True, disable_tqdm=True,
                         eval_strategy="steps", eval_steps=50, per_device_eval_batch_size=4)
trainer = Trainer(model=model, args=args, train_dataset=Data(), eval_dataset=Data())
trainer.train()
import wandb  # noqa: E402

print("RUN", wandb.run.path if wandb.run else None)
