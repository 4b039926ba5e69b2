"""Training loops: pretraining the shop model, fine-tuning heads, checkpoints, model versions."""
