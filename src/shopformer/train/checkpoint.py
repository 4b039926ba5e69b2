"""Resumable training state without pickle: tensors in safetensors, the rest in JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from shopformer.model.shop_model import ShopModel


def save_checkpoint(directory: Path, model: ShopModel, optimizer: torch.optim.Optimizer,
                    rng: np.random.Generator, progress: dict) -> None:
    """Write to a fresh folder, then swap it in: a crash mid-save keeps the old checkpoint."""
    staging = directory.with_name(directory.name + ".tmp")
    staging.mkdir(parents=True, exist_ok=True)
    # Only our own weights: a frozen external base is reloaded from its directory.
    tensors = {f"model.{k}": v.detach().contiguous() for k, v in model.own_state_dict().items()}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            for key, value in optimizer.state.get(parameter, {}).items():
                if torch.is_tensor(value):
                    tensors[f"optim.{names[id(parameter)]}.{key}"] = value.detach().contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    save_file(tensors, str(staging / "state.safetensors"))
    meta = {"progress": progress, "rng_numpy": rng.bit_generator.state,
            "lr": [g["lr"] for g in optimizer.param_groups]}
    (staging / "state.json").write_text(json.dumps(meta, default=_plain))
    if directory.exists():
        old = directory.with_name(directory.name + ".old")
        os.replace(directory, old)
        os.replace(staging, directory)
        for leftover in old.iterdir():
            leftover.unlink()
        old.rmdir()
    else:
        os.replace(staging, directory)


def load_checkpoint(directory: Path, model: ShopModel, optimizer: torch.optim.Optimizer,
                    rng: np.random.Generator) -> dict:
    tensors = load_file(str(directory / "state.safetensors"))
    meta = json.loads((directory / "state.json").read_text())
    model.load_own_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    by_name = dict(model.named_parameters())
    for key, value in tensors.items():
        if key.startswith("optim."):
            name, _, slot = key[6:].rpartition(".")
            optimizer.state[by_name[name]][slot] = value
    for group, lr in zip(optimizer.param_groups, meta["lr"], strict=True):
        group["lr"] = lr
    torch.set_rng_state(tensors["rng.torch"])
    rng.bit_generator.state = meta["rng_numpy"]
    return meta["progress"]


def _plain(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value))
