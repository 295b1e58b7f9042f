"""A small model's folder: its config JSON, its weights (safetensors, float32) and a model card, written
atomically, and read back with a clear message when the folder holds no such model. The discovery layer's
audio models (the audio-score matcher, the instrument recogniser) are saved and read this way."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from partita.atomic import atomic_write_bytes, atomic_write_text

WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "README.md"


class JsonConfig:
    """For a small model's config dataclass: ``to_json`` (what :func:`save_weights` writes) and ``from_dict``
    (keys it does not know, from an older or newer partita, are left out). A subclass whose fields hold
    tuples turns the lists JSON gives back into tuples in :meth:`_restored`."""

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        known = {f.name for f in dataclasses.fields(cls)}
        out = cls(**{k: v for k, v in data.items() if k in known})
        out._restored()
        return out

    def _restored(self) -> None:
        """Fix up what JSON could not keep (tuples come back as lists); nothing by default."""


def save_weights(
    folder: str | os.PathLike, module: nn.Module, config_file: str, config: str, card: str
) -> Path:
    """Write ``module``'s weights, ``config`` (JSON text) as ``config_file`` and ``card`` into ``folder``."""
    from safetensors.torch import save

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().float().contiguous() for k, v in module.state_dict().items()}
    atomic_write_bytes(folder / WEIGHTS_FILE, save(tensors))
    atomic_write_text(folder / config_file, config)
    atomic_write_text(folder / CARD_FILE, card)
    return folder


def load_weights(
    folder: Path, config_file: str, what: str, hint: str = ""
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The config (a dict) and the weights saved by :func:`save_weights` in ``folder``; FileNotFoundError
    naming ``what`` the folder is not (and ``hint``) where either file is missing."""
    from safetensors.torch import load_file

    if not (folder / config_file).is_file() or not (folder / WEIGHTS_FILE).is_file():
        raise FileNotFoundError(f"{folder}: not {what} (no {config_file} and {WEIGHTS_FILE}){hint}")
    return json.loads((folder / config_file).read_text()), load_file(str(folder / WEIGHTS_FILE))
