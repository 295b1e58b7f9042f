"""The shared body of partita's music-feature encoders: standardised features -> MLP -> a unit vector.

The set encoder of `partita recommend` (:mod:`partita.discovery.set_encoder`) and the similarity encoder of
`partita similar` (:mod:`partita.discovery.similarity`) are the same network trained for different ends; each
is a subclass naming its config class, its files and its model card. Saved as a config JSON, float32
safetensors weights and a README card (no pickle), written atomically.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from partita.atomic import atomic_write_bytes, atomic_write_text

WEIGHTS_FILE = "model.safetensors"


class FeatureEncoder(nn.Module):
    """Standardised music features -> MLP (``n_features -> hidden -> hidden -> dim``, GELU, a dropout after
    the first layer where the config has one) -> a unit vector."""

    config_class: ClassVar[type]
    config_file: ClassVar[str]
    kind: ClassVar[str]
    """What a folder of this encoder is called in messages ("a set encoder")."""
    how_to_train: ClassVar[str] = ""
    default_folder: ClassVar[Path | None] = None

    def __init__(self, config: Any = None):
        super().__init__()
        self.config = config or self.config_class()
        c = self.config
        self.register_buffer("mean", torch.zeros(c.n_features))
        self.register_buffer("scale", torch.ones(c.n_features))
        dropout = [nn.Dropout(c.dropout)] if getattr(c, "dropout", None) is not None else []
        self.net = nn.Sequential(
            nn.Linear(c.n_features, c.hidden),
            nn.GELU(),
            *dropout,
            nn.Linear(c.hidden, c.hidden),
            nn.GELU(),
            nn.Linear(c.hidden, c.dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.net((x - self.mean) / self.scale), dim=-1)

    def standardise_on(self, x: torch.Tensor) -> None:
        """Set the features' standardisation from the training rows ``x``."""
        self.mean.copy_(x.mean(0))
        self.scale.copy_(x.std(0).clamp_min(1e-3))

    @torch.no_grad()
    def encode_features(self, features: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """Unit vectors (n x dim, float32) for music feature vectors (n x n_features)."""
        self.eval()
        x = np.asarray(features, dtype=np.float32).reshape(-1, self.config.n_features)
        out = [self(torch.from_numpy(x[s : s + batch_size])) for s in range(0, len(x), batch_size)]
        return torch.cat(out).numpy() if out else np.zeros((0, self.config.dim), dtype=np.float32)

    def model_card(self) -> str:
        raise NotImplementedError

    def save_pretrained(self, folder: str | os.PathLike) -> Path:
        """Write the config, the weights (float32 safetensors) and a README card into ``folder``."""
        from safetensors.torch import save

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tensors = {k: v.detach().float().contiguous() for k, v in self.state_dict().items()}
        atomic_write_bytes(folder / WEIGHTS_FILE, save(tensors))
        atomic_write_text(folder / self.config_file, json.dumps(asdict(self.config), indent=1) + "\n")
        atomic_write_text(folder / "README.md", self.model_card())
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike | None = None):
        """Read an encoder written by :meth:`save_pretrained` (default: the one that ships, if any)."""
        from safetensors.torch import load_file

        folder = Path(folder) if folder else cls.default_folder
        files = (cls.config_file, WEIGHTS_FILE)
        if folder is None or not all((folder / name).is_file() for name in files):
            raise FileNotFoundError(
                f"{folder}: not a {cls.kind} (no {cls.config_file} / {WEIGHTS_FILE}){cls.how_to_train}"
            )
        try:
            data = json.loads((folder / cls.config_file).read_text())
            known = set(cls.config_class.__dataclass_fields__)
            model = cls(cls.config_class(**{k: v for k, v in data.items() if k in known}))
            model.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
        except Exception as e:  # a truncated or foreign file
            raise ValueError(f"{folder}: unreadable {cls.kind} ({e})") from None
        return model.eval()
