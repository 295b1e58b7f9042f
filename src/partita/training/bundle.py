"""A training bundle: one compressed file holding a token folder's arrays, to train where the corpus is not.

A token folder (:func:`partita.tokens.dataset.tokenize_corpus`) holds ``train.npy``, ``valid.npy``,
``test.npy``, ``valid_by_source/*.npy``, ``meta.json`` and the tokenizer. A bundle packs the arrays and
``meta.json`` into one ``.npz`` (zip, deflate: numpy's own format, no pickle), so that a machine with only
torch, numpy and safetensors (a lent GPU, say) trains on exactly the tokens this machine built;
:func:`load_token_data` reads a bundle as it reads a folder. The tokenizer stays behind: the trained model
gets it again where it is shipped (``partita model ship``).

Arrays are stored as uint16 when the vocabulary fits (partita's BPE vocabularies do), and the training stream
can be cut to a byte budget: whole pieces are kept from the start, in the folder's order.
"""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np

from partita.atomic import atomic_path

logger = logging.getLogger(__name__)

META_KEY = "meta_json"
SOURCE_PREFIX = "valid_by_source/"


def save_bundle(token_dir: str | Path, out: str | Path, max_train_tokens: int | None = None) -> dict:
    """Pack the token folder ``token_dir`` into ``out`` (an ``.npz``); return what it holds.

    ``max_train_tokens`` keeps at most that many training tokens (whole pieces from the start: the folder's
    training pieces are shuffled and augmented already, so a prefix is a fair sample).
    """
    folder = Path(token_dir)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{folder}: not a token folder (no meta.json)")
    meta = json.loads(meta_path.read_text())
    dtype = np.uint16 if int(meta["vocab_size"]) <= np.iinfo(np.uint16).max + 1 else np.uint32
    arrays: dict[str, np.ndarray] = {}
    for name in ("train", "valid", "test"):
        path = folder / f"{name}.npy"
        if path.is_file():
            arrays[name] = np.load(path, mmap_mode="r", allow_pickle=False)
    if "train" not in arrays or "valid" not in arrays:
        raise FileNotFoundError(f"{folder}: a token folder needs train.npy and valid.npy")
    train = np.asarray(arrays["train"])
    if train.ndim != 1:
        raise ValueError(f"{folder / 'train.npy'}: expected a flat token stream")
    if max_train_tokens is not None and len(train) > max_train_tokens:
        bos = meta.get("bos_id")
        cut = int(max_train_tokens)
        if bos is not None:  # end before the first piece that does not fit whole
            starts = np.flatnonzero(train[: cut + 1] == int(bos))
            cut = int(starts[-1]) if len(starts) > 1 else cut
        logger.info("bundle keeps %d of %d training tokens", cut, len(train))
        train = train[:cut]
        meta["bundle_train_tokens_of"] = int(len(arrays["train"]))
    arrays["train"] = train
    for path in sorted((folder / "valid_by_source").glob("*.npy")):
        arrays[SOURCE_PREFIX + path.stem] = np.load(path, allow_pickle=False)
    packed = {k: np.ascontiguousarray(np.asarray(v), dtype=dtype) for k, v in arrays.items()}
    meta["bundle_of"] = str(folder)
    if "bar_ids" not in meta and (folder / "tokenizer").is_dir():  # where fill-in-the-middle cuts gaps
        meta["bar_ids"] = _bar_ids(folder / "tokenizer")
    packed[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with atomic_path(out) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **packed)
    info = {k: int(v.size) for k, v in packed.items() if k != META_KEY}
    info["bytes"] = Path(out).stat().st_size
    return info


def is_bundle(path: str | Path) -> bool:
    """Whether ``path`` is a training bundle written by :func:`save_bundle`."""
    path = Path(path)
    if not path.is_file() or path.suffix != ".npz":
        return False
    try:
        with zipfile.ZipFile(path) as z:
            return f"{META_KEY}.npy" in z.namelist()
    except zipfile.BadZipFile:
        return False


def read_bundle(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """The meta.json and the arrays of a bundle (arrays decompressed into memory)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path}: not a readable training bundle ({e})") from None
    if META_KEY not in arrays:
        raise ValueError(f"{path}: not a training bundle (no {META_KEY})")
    meta = json.loads(arrays.pop(META_KEY).tobytes().decode())
    return meta, arrays


def _bar_ids(tokenizer_dir: Path) -> list[int] | None:
    """The ids opening a bar in a token folder's tokenizer (the bundle's machine may have no symusic to read
    it); None when it has none or cannot be read."""
    # here, not at the top: partita.tokens needs symusic, which a bundle's machine may lack
    from partita.tokens import MiditokTokenizer

    try:
        return sorted(MiditokTokenizer.from_pretrained(tokenizer_dir).bar_ids) or None
    except Exception as e:  # an unreadable tokenizer only loses fill-in-the-middle training, and says so
        logger.warning("%s: cannot read the tokenizer's bar lines (%s)", tokenizer_dir, e)
        return None
