#!/usr/bin/env bash
# New items: items whose every interaction is hidden from training, but whose attributes are in
# /items/features, are placed in the latent space by the feature map and must rank their true
# fans (the hidden interactions) far above chance. Run on 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/in.h5" --implicit --users 1500 --items 300 --rank 4 --density 0.06 \
  --item-features 8 --new-items 30
for np in 1 3; do
  timeout 120 mpirun --oversubscribe --bind-to none -np $np "$CROSSMF" train --input "$work/in.h5" \
    --output "$work/out$np.h5" --factors 4 --iterations 10 --lambda 0.1 --log-level warn
done
"$PY" - "$work" <<'PY'
import os, sys, h5py, numpy as np
w = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish
fi = h5py.File(f"{w}/in.h5")
hu, hi = fi["truth/hidden/user"][()], fi["truth/hidden/item"][()]
for np_ in (1, 3):
    fo = h5py.File(f"{w}/out{np_}.h5")
    X, Y = fo["model/user_factors"][()], fo["model/item_factors"][()]
    placed = fo["model/item_from_features"][()]
    new = np.unique(hi)
    check(set(np.nonzero(placed)[0]) == set(new), f"{np_} ranks: exactly the {len(new)} items without interactions placed from features")
    aucs = []
    for item in new:
        fans = np.zeros(X.shape[0], bool)
        fans[hu[hi == item]] = True
        if fans.sum() == 0 or fans.all():
            continue
        s = X @ Y[item]
        pos, neg = s[fans], s[~fans]
        aucs.append((np.sum(pos[:, None] > neg[None, :]) + 0.5 * np.sum(pos[:, None] == neg[None, :])) / (len(pos) * len(neg)))
    auc = float(np.mean(aucs))
    print(f"new-item fan AUC on {np_} ranks: {auc:.4f} over {len(aucs)} items (chance 0.5)")
    check(auc > 0.75, f"{np_} ranks: new items rank their true fans far above chance (AUC {auc:.3f} > 0.75)")
    recommended = np.isin(fo["recommendations/all/items"][()], new).any()
    check(recommended, f"{np_} ranks: new items appear in recommendations")
finish()
PY
