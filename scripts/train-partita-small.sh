#!/usr/bin/env bash
# Reproduce the shipped default model partita-small in one command (`make partita-small`):
# corpus (music21's bundled corpus + JSB + POP909) -> tokens (REMI+, BPE 2000, augmented) -> training
# -> the Selector's style/quality classifier -> copied into the package (src/partita/pretrained/).
# Every step is resumable: rerun after an interruption and it continues. The token folder's data hash is
# written into the model card by the trainer.
set -euo pipefail
cd "$(dirname "$0")/.."
P=.venv/bin/partita
DATA="${PARTITA_DATA:-data}"
TOKENS="$DATA/tokens/all"
RUN="$DATA/runs/partita-small"
$P corpus build all --source music21:all --source jsb --source pop909
$P tokens build all "$TOKENS" --bpe 2000
$P train --preset small --data "$TOKENS" --out "$RUN"
SELECTOR=()
if $P selector --help >/dev/null 2>&1; then
  $P selector train "$TOKENS" --out "$DATA/runs/partita-small-selector"
  SELECTOR=(--selector "$DATA/runs/partita-small-selector")
fi
$P model ship "$RUN/model" partita-small "${SELECTOR[@]}"
