"""The part of cairn that runs inside the training process."""
