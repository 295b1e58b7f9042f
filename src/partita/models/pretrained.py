"""Saving and loading :class:`MusicLM` folders: config.json, model.safetensors, README.md, optional tokenizer.

A model folder holds:

- ``config.json``: the :class:`MusicLMConfig` (``tokenizer`` names the kind of tokenizer saved alongside);
- ``model.safetensors``: the weights (safetensors only, never pickle);
- ``README.md``: the model card (data and its hash, steps, metrics), with its fields also in ``card.json``;
- the tokenizer, when given: ``tokenizer.json`` for a miditok tokenizer, or whatever the object's own
  ``save_pretrained(dir)`` writes.

``load_pretrained(name)`` accepts a folder path, ``"debug"`` (a tiny model built in code for tests), or the
name of a model shipped in ``partita/pretrained/<name>/``.
"""

from __future__ import annotations

import importlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from partita.atomic import atomic_path, atomic_write_text
from partita.models.music_lm import MusicLM, MusicLMConfig, config_json

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "pretrained"
WEIGHTS = "model.safetensors"


def debug_config(**overrides: Any) -> MusicLMConfig:
    """The tiny configuration of the "debug" model (2 layers, width 32, 64 tokens, relative attention)."""
    base = dict(
        vocab_size=64,
        block_size=64,
        n_layer=2,
        n_head=2,
        d_model=32,
        d_ff=64,
        dropout=0.0,
        position="relative",
        max_relative_distance=16,
        attention_block=16,
        bos_id=1,
        eos_id=2,
        pad_id=0,
    )
    base.update(overrides)
    return MusicLMConfig(**base)


def debug_model(seed: int = 0, **overrides: Any) -> MusicLM:
    """A tiny randomly initialised model, the same for the same seed: for tests and examples."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MusicLM(debug_config(**overrides))
    model.card = {"name": "debug", "data": "none (random weights)", "steps": 0}
    return model.eval()


def available_models() -> list[str]:
    """Names accepted by :func:`load_pretrained` besides folder paths."""
    names = ["debug"]
    if PACKAGE_DIR.is_dir():
        names += sorted(p.name for p in PACKAGE_DIR.iterdir() if (p / "config.json").is_file())
    return names


def resolve(name_or_path: str | Path) -> Path | None:
    """The folder of a saved model (a path first, then the package's models), or None for "debug"."""
    if str(name_or_path) == "debug":
        return None
    path = Path(name_or_path).expanduser()
    if (path / "config.json").is_file():
        return path
    shipped = PACKAGE_DIR / str(name_or_path)
    if (shipped / "config.json").is_file():
        return shipped
    if path.exists():
        raise FileNotFoundError(f"{path}: not a model folder (no config.json)")
    raise FileNotFoundError(
        f"no model named {str(name_or_path)!r}: not a folder with config.json, and not one of: "
        + ", ".join(available_models())
    )


def save_pretrained(
    model: MusicLM, directory: str | Path, tokenizer: Any = None, card: dict[str, Any] | None = None
) -> Path:
    """Write ``model`` (and ``tokenizer``) into ``directory``; every file is written atomically."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = tokenizer if tokenizer is not None else model.tokenizer
    config = MusicLMConfig.from_dict(model.config.to_dict())
    if tokenizer is not None:
        config.tokenizer = _save_tokenizer(tokenizer, out)
    # tied weights are stored once; safetensors refuses shared storage
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items() if k != "head.weight"}
    if not model.config.tie_embeddings:
        state["head.weight"] = model.head.weight.detach().contiguous().cpu()
    with atomic_path(out / WEIGHTS) as tmp:
        save_file(state, str(tmp), metadata={"format": "pt", "partita": "MusicLM"})
    atomic_write_text(out / "config.json", config_json(config))
    info = {**model.card, **(card or {})}
    info.setdefault("parameters", model.num_parameters())
    atomic_write_text(out / "card.json", json.dumps(info, indent=2, sort_keys=True, default=str) + "\n")
    atomic_write_text(out / "README.md", model_card(config, info))
    model.card = info
    logger.info("saved model to %s", out)
    return out


def _save_tokenizer(tokenizer: Any, out: Path) -> str:
    if hasattr(tokenizer, "save_pretrained"):
        tokenizer.save_pretrained(out)
        module = type(tokenizer).__module__.split(".")[0]
        return (
            "miditok"
            if module == "miditok"
            else f"pretrained:{type(tokenizer).__module__}.{type(tokenizer).__qualname__}"
        )
    if hasattr(tokenizer, "save"):  # miditok before save_pretrained, or anything with save(path)
        tokenizer.save(out / "tokenizer.json")
        return "miditok" if type(tokenizer).__module__.startswith("miditok") else "json"
    raise ValueError(
        f"cannot save tokenizer of type {type(tokenizer).__name__}: it has no save_pretrained or save"
    )


RENAMED_TOKENIZERS = {"partita.tokens.tokenizer.MusicTokenizer": "partita.tokens.tokenizer.MiditokTokenizer"}
"""Tokenizer classes saved under an earlier name (models saved before the rename still load theirs)."""


def _load_tokenizer(kind: str | None, folder: Path) -> Any:
    if not kind:
        return None
    try:
        if kind == "miditok":
            # miditok takes ~0.3 s to import even after torch: only for a model saved with a miditok tokenizer
            import miditok

            params = folder / "tokenizer.json"
            cls_name = json.loads(params.read_text()).get("tokenization", "REMI")
            return getattr(miditok, cls_name)(params=params)
        if kind.startswith("pretrained:"):
            name = kind.split(":", 1)[1]
            module, _, qual = RENAMED_TOKENIZERS.get(name, name).rpartition(".")
            return getattr(importlib.import_module(module), qual).from_pretrained(folder)
    except Exception as e:  # a model without its tokenizer is still usable: say why, do not fail
        logger.warning("%s: could not load the %s tokenizer saved alongside: %s", folder, kind, e)
        return None
    logger.info("%s: tokenizer kind %r is not loaded automatically", folder, kind)
    return None


def load_pretrained(name_or_path: str | Path, device: str | torch.device = "cpu") -> MusicLM:
    """Load a saved model (see the module doc); the model comes back in eval mode."""
    folder = resolve(name_or_path)
    if folder is None:
        return debug_model().to(device)
    try:
        config = MusicLMConfig.from_dict(json.loads((folder / "config.json").read_text()))
    except (json.JSONDecodeError, TypeError, ValueError) as e:
        raise ValueError(f"{folder / 'config.json'}: not a valid model config: {e}") from e
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise FileNotFoundError(f"{weights}: missing (a model folder needs {WEIGHTS})")
    model = MusicLM(config)
    state = load_file(str(weights), device="cpu")
    if config.tie_embeddings:
        state["head.weight"] = state["tok_emb.weight"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(
            f"{weights}: weights do not match config.json (missing {missing}, unexpected {unexpected})"
        )
    card = folder / "card.json"
    model.card = json.loads(card.read_text()) if card.is_file() else {}
    model.tokenizer = _load_tokenizer(config.tokenizer, folder)
    return model.to(device).eval()


def metrics_table(metrics: dict[str, Any]) -> list[str]:
    """A model card's "Metrics" section as Markdown lines (none when there are no metrics)."""
    if not metrics:
        return []
    rows = [f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in metrics.items()]
    return ["", "## Metrics", "", "| metric | value |", "|---|---|", *rows]


def model_card(config: MusicLMConfig, info: dict[str, Any]) -> str:
    """The README.md of a model folder: what it is, what it was trained on, how far, and how well."""
    lines = [f"# {info.get('name', 'partita MusicLM')}", ""]
    lines.append(
        f"A decoder-only music language model ({config.n_layer} layers, width {config.d_model}, "
        f"{config.n_head} heads, {config.position} positions, vocabulary {config.vocab_size}, "
        f"context {config.block_size}; {info.get('parameters', '?'):,} parameters) trained with partita."
        if isinstance(info.get("parameters"), int)
        else f"A decoder-only music language model ({config.position} positions) trained with partita."
    )
    lines += ["", "## Training", ""]
    for key, label in (
        ("data", "data"),
        ("data_hash", "data hash (sha256)"),
        ("steps", "optimizer steps"),
        ("tokens_seen", "tokens seen"),
        ("init_from", "initialised from"),
        ("train_config", "training config"),
    ):
        if key in info:
            value = info[key]
            if isinstance(value, dict):
                value = "`" + json.dumps(value, sort_keys=True) + "`"
            lines.append(f"- {label}: {value}")
    lines += metrics_table(info.get("metrics") or {})
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "from partita.models import MusicLM",
        "",
        'model = MusicLM.from_pretrained("path/to/this/folder")',  # as ruff formats the card's code
        "```",
        "",
    ]
    return "\n".join(lines)


def export_shards(model_dir: str | Path, out_dir: str | Path, shard_mib: float = 15.0) -> list[str]:
    """A model folder's weights as bf16 safetensors shards of at most ``shard_mib`` MiB each (a lent machine
    returns files of a bounded size), with its config.json and card.json: :func:`import_shards` joins them."""
    src, out = Path(model_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = load_file(str(src / WEIGHTS))
    limit = int(shard_mib * 2**20)
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name in sorted(state):
        t = state[name].to(torch.bfloat16).contiguous()
        if shards[-1] and size + 2 * t.numel() > limit:
            shards.append({})
            size = 0
        shards[-1][name] = t
        size += 2 * t.numel()
    names = []
    for i, shard in enumerate(shards):
        name = f"model-{i + 1:02d}-of-{len(shards):02d}.safetensors"
        save_file(shard, str(out / name), metadata={"format": "pt", "partita": "MusicLM shard"})
        names.append(name)
    for extra in ("config.json", "card.json"):
        if (src / extra).is_file():
            shutil.copy(src / extra, out / extra)
    return names


def import_shards(shard_dir: str | Path, out_dir: str | Path, tokenizer: Any = None) -> Path:
    """A model folder from the safetensors shards a run elsewhere exported (``scripts/train-bundle.py
    --export``): the shards joined into one ``model.safetensors`` (kept in their dtype, bf16 as exported), its
    config and card, and ``tokenizer`` saved beside (the bundle it trained on carried none)."""
    src = Path(shard_dir)
    shards = sorted(src.glob("model-*-of-*.safetensors"))
    if not shards or not (src / "config.json").is_file():
        raise FileNotFoundError(f"{src}: no model-*-of-*.safetensors shards with a config.json")
    state: dict[str, torch.Tensor] = {}
    for shard in shards:
        state.update(load_file(str(shard)))
    config = MusicLMConfig.from_dict(json.loads((src / "config.json").read_text()))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if tokenizer is not None:
        config.tokenizer = _save_tokenizer(tokenizer, out)
    with atomic_path(out / WEIGHTS) as tmp:
        save_file(state, str(tmp), metadata={"format": "pt", "partita": "MusicLM"})
    atomic_write_text(out / "config.json", config_json(config))
    card = json.loads((src / "card.json").read_text()) if (src / "card.json").is_file() else {}
    card["weights_dtype"] = str(next(iter(state.values())).dtype).replace("torch.", "")
    atomic_write_text(out / "card.json", json.dumps(card, indent=2, sort_keys=True, default=str) + "\n")
    atomic_write_text(out / "README.md", model_card(config, card))
    load_pretrained(out)  # refuses shards that do not make the model their config describes
    return out


MAX_SHIPPED_BYTES = 60 * 2**20
"""The largest model folder that may go into the package (the wheel stays small enough to install
anywhere)."""


KEPT_ON_SHIP = ("generation_config.json",)
"""Files a shipped name keeps when a new model folder without them replaces it: the generation settings
chosen for the name (the generation layer's ``GenerationConfig``, named here by its file: this layer does not
import that one) stay with it until a folder brings its own."""


def ship_model(
    model_dir: str | Path, name: str, selector_dir: str | Path | None = None, package_dir: Path | None = None
) -> Path:
    """Copy a trained model folder (and optionally its Selector classifier) into the package as ``name``.

    The copy is made beside the target and renamed into place, so a shipped model is never half written; the
    weights are checked to load first, and a folder over :data:`MAX_SHIPPED_BYTES` is refused. A file of
    :data:`KEPT_ON_SHIP` the old copy had and the new folder lacks is carried over.
    """
    src = Path(model_dir)
    load_pretrained(src)  # refuses a folder that does not load
    files = [p for p in src.rglob("*") if p.is_file()]
    extra = [p for p in Path(selector_dir).rglob("*") if p.is_file()] if selector_dir else []
    size = sum(p.stat().st_size for p in files + extra)
    if size > MAX_SHIPPED_BYTES:
        raise ValueError(
            f"{src}: {size / 2**20:.1f} MiB is over the {MAX_SHIPPED_BYTES / 2**20:.0f} MiB limit"
        )
    root = Path(package_dir) if package_dir is not None else PACKAGE_DIR
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        shutil.copytree(src, tmp / "model", ignore=shutil.ignore_patterns(".*"))
        if selector_dir:
            shutil.copytree(selector_dir, tmp / "model" / "selector", ignore=shutil.ignore_patterns(".*"))
        target = root / name
        for kept in KEPT_ON_SHIP:
            if (target / kept).is_file() and not (tmp / "model" / kept).exists():
                shutil.copy2(target / kept, tmp / "model" / kept)
        old = root / f".{name}-old"
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        (tmp / "model").rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("shipped %s (%.1f MiB) as %s", src, size / 2**20, root / name)
    return root / name
