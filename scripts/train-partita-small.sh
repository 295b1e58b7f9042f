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
# music21:all minus its few very large scores (beethoven, trecento, schubert, schumann, luca, beach, weber:
# ~145 items that take minutes each to parse), which one session could not afford; add them when it can
M21=(airdsAirs bach essenFolksong oneills1850 ryansMammoth palestrina monteverdi josquin miscFolk leadSheet
     nottingham-dataset chopin handel haydn mozart verdi joplin schoenberg webern lusitano liliuokalani johnson_j_r
     ciconia cpebach corelli)
$P corpus build all "${M21[@]/#/--source=music21:}" --source jsb --source pop909
$P tokens build all "$TOKENS" --bpe 2000
# two 1-thread processes (DDP, gloo) train faster than one 2-thread process on 2 cores
.venv/bin/python -m torch.distributed.run --standalone --nproc_per_node=2 -m partita.cli.main \
  train --preset small --data "$TOKENS" --out "$RUN"
# stage 2 (a later session): continue from stage 1 with the learning rate re-warmed, bf16 autocast
.venv/bin/python -m torch.distributed.run --standalone --nproc_per_node=2 -m partita.cli.main \
  train --preset small-continue --data "$TOKENS" --out "$RUN-2" --init-from "$RUN/model"
# stage 3 (a later session, on the CPU): four augmented copies in the stage-2 model's own vocabulary (the
# folder a GPU bundle is made from), the learning rate re-warmed to half
$P tokens build all "$DATA/tokens/base" --tokenizer "$RUN-2/model" --copies 4
.venv/bin/python -m partita.cli.main train --preset small-stage3 --data "$DATA/tokens/base" --out "$RUN-3" \
  --init-from "$RUN-2/model"
SELECTOR=()
if $P selector --help >/dev/null 2>&1; then
  # the shipped classifier's settings (docs/MODEL.md § Selector: chosen on valid among three runs)
  $P selector train "$TOKENS" --out "$DATA/runs/partita-small-selector" --threads 1 --steps 3000 \
    --n-layers 5 --dilations 1,2,4,8,16
  SELECTOR=(--selector "$DATA/runs/partita-small-selector")
fi
$P model ship "$RUN-3/model" partita-small "${SELECTOR[@]}"
$P model samples partita-small -o "$DATA/samples/partita-small" --card
