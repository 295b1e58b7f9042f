"""Training: :func:`train` (one process or torchrun/DDP), :class:`TrainConfig`, presets, token data."""

from partita.training.config import PRESETS, TrainConfig, load_train_config, preset
from partita.training.data import TokenData, evaluate_lm, load_token_data, sequence_nll
from partita.training.trainer import TrainResult, latest_checkpoint, lr_at, train

__all__ = [
    "PRESETS",
    "TokenData",
    "TrainConfig",
    "TrainResult",
    "evaluate_lm",
    "latest_checkpoint",
    "load_token_data",
    "load_train_config",
    "lr_at",
    "preset",
    "sequence_nll",
    "train",
]
