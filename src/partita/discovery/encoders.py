"""Text and music in one space: two small encoders trained contrastively (CLIP-style).

- The **text encoder** needs no pretrained model and no vocabulary: a text is lower-cased and cut into word
  unigrams and bigrams, character trigrams of each word, and, for Chinese (or any CJK run), single characters
  and character bigrams; each is hashed (CRC32, stable across runs) into ``buckets`` rows of an embedding bag,
  averaged, and passed through a small MLP. So any language the captions were in works, and an unseen word
  still shares trigrams with the words it resembles.
- The **music encoder** is an MLP over the fixed music feature vector of
  :func:`partita.discovery.features.music_features`, standardised by the training set's mean and spread.
  With ``pooling`` ``mean`` or ``attention`` it also embeds a long piece's sections
  (:mod:`partita.discovery.sections`) with the same MLP and pools them with the whole piece's embedding: by
  their mean, or by attention (a learned score of each embedding, softmax over the piece's own), as CoLLAP.

Both end in an L2-normalised ``dim``-vector; the cosine of a text and a piece is their match.
:meth:`DiscoveryModel.save_pretrained` writes ``discovery_config.json`` (the :class:`DiscoveryConfig`),
``model.safetensors`` (float16 on disk) and a ``README.md`` card; :meth:`DiscoveryModel.from_pretrained`
reads them back.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from partita.atomic import atomic_write_bytes, atomic_write_text
from partita.discovery.features import N_FEATURES

CONFIG_FILE = "discovery_config.json"
WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "README.md"
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "pretrained" / "discovery-small"
"""The small model that ships with partita (when it was trained)."""

_TOKEN = re.compile(r"\d+/\d+|[a-z0-9#]+|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class DiscoveryConfig:
    """The shapes of the two encoders and what they were trained on."""

    dim: int = 128
    buckets: int = 16384
    text_width: int = 64
    hidden: int = 256
    n_features: int = N_FEATURES
    dropout: float = 0.1
    temperature: float = 0.05
    pooling: str = "none"
    """``none`` (the whole-piece vector alone), or how a long piece's sections join it: ``mean``,
    ``attention``."""
    trained_on: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiscoveryConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def text_tokens(text: str) -> list[str]:
    """The hashed features of a text, as strings: ``w:`` words, ``b:`` word bigrams, ``c:`` character
    trigrams, ``z:`` CJK characters and ``y:`` CJK character bigrams."""
    out: list[str] = []
    words = _TOKEN.findall(text.lower())
    for i, w in enumerate(words):
        if _CJK.match(w):
            out += [f"z:{ch}" for ch in w] + [f"y:{w[j : j + 2]}" for j in range(len(w) - 1)]
            continue
        out.append(f"w:{w}")
        if i + 1 < len(words):
            out.append(f"b:{w} {words[i + 1]}")
        padded = f"<{w}>"
        out += [f"c:{padded[j : j + 3]}" for j in range(len(padded) - 2)] if len(w) > 2 else []
    return out


def hash_tokens(tokens: list[str], buckets: int) -> list[int]:
    """The bucket of each token (CRC32, the same in every process)."""
    return [zlib.crc32(t.encode("utf-8")) % buckets for t in tokens]


def batch_ids(texts: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat ids and offsets for an embedding bag; an empty text gets bucket 0."""
    texts = [t or [0] for t in texts]
    offsets = np.cumsum([0] + [len(t) for t in texts[:-1]])
    flat = np.fromiter((i for t in texts for i in t), dtype=np.int64)
    return torch.from_numpy(flat), torch.from_numpy(offsets.astype(np.int64))


class TextEncoder(nn.Module):
    """Hashed n-grams -> mean embedding -> MLP -> unit vector."""

    def __init__(self, config: DiscoveryConfig):
        super().__init__()
        self.buckets = config.buckets
        self.bag = nn.EmbeddingBag(config.buckets, config.text_width, mode="mean")
        self.mlp = nn.Sequential(
            nn.LayerNorm(config.text_width),
            nn.Linear(config.text_width, config.hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.dim),
        )

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.mlp(self.bag(ids, offsets)), dim=-1)


POOLINGS = ("none", "mean", "attention")


class MusicEncoder(nn.Module):
    """Standardised music features -> MLP -> unit vector; with ``pooling``, the MLP outputs of the whole
    piece and of its sections pooled first."""

    def __init__(self, config: DiscoveryConfig):
        super().__init__()
        if config.pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {config.pooling!r}; choose one of: {', '.join(POOLINGS)}")
        self.pooling = config.pooling
        self.register_buffer("mean", torch.zeros(config.n_features))
        self.register_buffer("scale", torch.ones(config.n_features))
        self.mlp = nn.Sequential(
            nn.Linear(config.n_features, config.hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.dim),
        )
        if self.pooling == "attention":
            self.attend = nn.Sequential(
                nn.Linear(config.dim, config.dim), nn.Tanh(), nn.Linear(config.dim, 1)
            )
            self.whole_bias = nn.Parameter(torch.zeros(1))  # lets the whole-piece vector weigh apart

    def forward(
        self,
        features: torch.Tensor,
        sections: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Unit vectors of ``features`` (n x n_features); with pooling, of each piece's whole vector and its
        ``sections`` (n x k x n_features, ``mask`` n x k True where a section is) pooled."""
        whole = self.mlp((features - self.mean) / self.scale)
        if self.pooling == "none" or sections is None or sections.shape[1] == 0:
            return nn.functional.normalize(whole, dim=-1)
        parts = self.mlp((sections - self.mean) / self.scale)
        tokens = torch.cat([whole[:, None], parts], dim=1)
        keep = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
        if self.pooling == "mean":
            pooled = (tokens * keep[..., None]).sum(1) / keep.sum(1, keepdim=True)
        else:
            logits = self.attend(tokens).squeeze(-1)
            bias = torch.zeros_like(logits)
            bias[:, 0] = self.whole_bias
            weights = (logits + bias).masked_fill(~keep, float("-inf")).softmax(dim=1)
            pooled = (tokens * weights[..., None]).sum(1)
        return nn.functional.normalize(pooled, dim=-1)


class DiscoveryModel(nn.Module):
    """The two encoders and their shared temperature."""

    def __init__(self, config: DiscoveryConfig | None = None):
        super().__init__()
        self.config = config or DiscoveryConfig()
        self.text = TextEncoder(self.config)
        self.music = MusicEncoder(self.config)
        self.log_scale = nn.Parameter(torch.tensor(float(np.log(1.0 / self.config.temperature))))

    def text_ids(self, texts: list[str]) -> list[list[int]]:
        """The hashed ids of each text."""
        return [hash_tokens(text_tokens(t), self.config.buckets) for t in texts]

    @torch.no_grad()
    def encode_text(self, texts: list[str], batch_size: int = 1024) -> np.ndarray:
        """Unit vectors (n x dim, float32) for texts."""
        self.eval()
        out = [
            self.text(*batch_ids(self.text_ids(texts[i : i + batch_size])))
            for i in range(0, len(texts), batch_size)
        ]
        return torch.cat(out).numpy() if out else np.zeros((0, self.config.dim), dtype=np.float32)

    @torch.no_grad()
    def encode_features(
        self, features: np.ndarray, sections: list[np.ndarray] | None = None, batch_size: int = 4096
    ) -> np.ndarray:
        """Unit vectors (n x dim, float32) for music feature vectors (n x n_features) and, for a pooling
        model, each piece's sections (a list of k_i x n_features arrays; ignored without pooling)."""
        from partita.discovery.sections import pad_sections

        self.eval()
        x = torch.as_tensor(np.asarray(features, dtype=np.float32).reshape(-1, self.config.n_features))
        if self.config.pooling == "none" or sections is None:
            return self.music(x).numpy()
        out = []
        for s in range(0, len(x), batch_size):
            padded, mask = pad_sections(sections[s : s + batch_size])
            out.append(self.music(x[s : s + batch_size], torch.from_numpy(padded), torch.from_numpy(mask)))
        return torch.cat(out).numpy() if out else np.zeros((0, self.config.dim), dtype=np.float32)

    def encode_score(self, score) -> np.ndarray:
        """The unit vector (dim,) of one Score."""
        from partita.discovery.features import music_features

        sections = None
        if self.config.pooling != "none":
            from partita.discovery.sections import section_features

            sections = [section_features(score)]
        return self.encode_features(music_features(score)[None], sections)[0]

    def save_pretrained(self, folder: str | os.PathLike, card: str = "") -> Path:
        """Write the config, the weights (float16) and a README card into ``folder``."""
        from safetensors.torch import save

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in self.state_dict().items()}
        tensors["music.mean"] = self.music.mean.detach().float().contiguous()  # spreads need float32
        tensors["music.scale"] = self.music.scale.detach().float().contiguous()
        atomic_write_bytes(folder / WEIGHTS_FILE, save(tensors))
        atomic_write_text(folder / CONFIG_FILE, self.config.to_json() + "\n")
        atomic_write_text(folder / CARD_FILE, card or model_card(self.config))
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike | None = None) -> DiscoveryModel:
        """Read a model written by :meth:`save_pretrained` (default: the shipped ``discovery-small``)."""
        folder = Path(folder) if folder else DEFAULT_MODEL
        if not (folder / CONFIG_FILE).is_file() or not (folder / WEIGHTS_FILE).is_file():
            raise FileNotFoundError(
                f"{folder}: not a discovery model (no {CONFIG_FILE} / {WEIGHTS_FILE}); train one with "
                "`partita index train`"
            )
        from safetensors.torch import load_file

        config = DiscoveryConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text()))
        model = cls(config)
        try:
            state = {k: v.float() for k, v in load_file(str(folder / WEIGHTS_FILE)).items()}
            model.load_state_dict(state)
        except Exception as e:  # a truncated or foreign file
            raise ValueError(f"{folder / WEIGHTS_FILE}: unreadable discovery weights ({e})") from None
        return model.eval()


def model_card(config: DiscoveryConfig) -> str:
    """The README card of a model."""
    metrics = "\n".join(f"- {k}: {v}" for k, v in config.metrics.items()) or "- (none recorded)"
    return (
        "# partita discovery model\n\n"
        "Two small encoders that put a text and a piece in one space (CLIP-style InfoNCE): hashed word and "
        "character n-grams (English and Chinese) for text, an MLP over partita's music feature vector "
        "(`partita.discovery.features`) for music. No pretrained weights; trained on partita's captions.\n\n"
        f"- dim {config.dim}, {config.buckets} hash buckets x {config.text_width}, hidden {config.hidden}\n"
        f"- trained on: {config.trained_on or 'unknown'}\n\n"
        f"## Measured\n\n{metrics}\n\n"
        "Load with `partita.discovery.encoders.DiscoveryModel.from_pretrained(folder)`.\n"
    )
