#!/usr/bin/env bash
# Cross-domain recommendation (issue 5): users whose finance and insurance interactions are
# hidden from training, scored on them; model against a popularity baseline.
# usage: bash bench/cross_domain.sh [SEED]   (the generated platform's seed; 30 by default)
source "$(dirname "$0")/common.sh"
seed=${1:-30}
dataset "$DATA/platform-implicit-$seed.h5" --users 20000 --items 2000 --ratings 1000000 --feedback implicit --seed "$seed"
"$PY" bench/cross_domain.py hide "$DATA/platform-implicit-$seed.h5" "$DATA/cross-hidden.h5" --fraction 0.2
run 2 train --input "$DATA/cross-hidden.h5" --output "$DATA/cross-out.h5" --factors 32 --iterations 10 --log-level warn \
  --risk-threshold 1 --threads 1
"$PY" bench/cross_domain.py score "$DATA/cross-hidden.h5" "$DATA/cross-out.h5" --k 10
