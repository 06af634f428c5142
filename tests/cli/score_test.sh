#!/usr/bin/env bash
# crossmf score: every 5th user of a generated platform is withheld from training and scored
# afterwards (tests/tools/fold_in_inputs.py). On 1, 2 and 3 ranks, for each objective (explicit
# ALS, BMF and SGD, implicit ALS), every scored user's factors equal a dense solve of their
# half-step (tests/tools/fold_in_check.py); their held-out RMSE / NDCG@10 is within 2% of the same
# users trained in (fold_in_quality.py); recommendations, audiences and risk equal brute force
# (check_outputs.py --scored); an input with the items shuffled and new ones mixed in scores the
# known users exactly as the in-order input does. Errors: exit codes, messages, nothing written.
source "$(dirname "$0")/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
run() { local np=$1; shift; timeout 120 mpirun --oversubscribe --bind-to none -np "$np" "$CROSSMF" "$@"; }
fail() { echo "FAILED: $*"; exit 1; }

for feedback in explicit implicit; do
  d="$work/$feedback"; mkdir -p "$d"
  run 2 generate --output "$d/g.h5" --users 1500 --items 300 --ratings 60000 --seed 3 --feedback $feedback >/dev/null 2>&1
  $PY "$CROSSMF_TESTS/tools/fold_in_inputs.py" "$d/g.h5" "$d"
done

scored() {  # FEEDBACK ALGORITHM: train, score on 1-3 ranks, check each
  local d="$work/$1" a=$2
  run 2 train --input "$d/trained.h5" --output "$d/model-$a.h5" --algorithm "$a" --factors 16 --iterations 20 \
    >"$work/log" 2>&1 || { cat "$work/log"; fail "train $1 $a"; }
  for np in 1 2 3; do
    run "$np" score --model "$d/model-$a.h5" --input "$d/new.h5" --output "$d/s-$a-$np.h5" >"$work/log" 2>&1 ||
      { cat "$work/log"; fail "score $1 $a np $np"; }
    grep -q "new items: 3 items of .* placed from their 6 features" "$work/log" || { cat "$work/log"; fail "the 3 new items not placed"; }
    $PY "$CROSSMF_TESTS/tools/fold_in_check.py" "$d/model-$a.h5" "$d/s-$a-$np.h5" "$d/new.h5" || fail "$1 $a np $np: dense solve"
  done
}
scored explicit als
run 2 score --model "$work/explicit/model-als.h5" --input "$work/explicit/new-nofeat.h5" --output "$work/nofeat.h5" \
  >"$work/log" 2>&1 || { cat "$work/log"; fail "score without item features"; }
grep -Eq "3 of 303 items of .* are not in --model .* \([0-9]+, [0-9]+, [0-9]+\): their 9 ratings are left out" "$work/log" ||
  { cat "$work/log"; fail "no warning naming the 3 new items"; }
scored explicit sgd
scored explicit bmf
scored implicit als

# Held-out quality against the same users trained in, with the same options.
for case in "explicit bmf" "implicit als"; do
  set -- $case
  run 2 train --input "$work/$1/full.h5" --output "$work/$1/full.h5.out" --algorithm "$2" --factors 16 --iterations 20 \
    >/dev/null 2>&1 || fail "train $1 full"
  $PY "$CROSSMF_TESTS/tools/fold_in_quality.py" "$work/$1/full.h5.out" "$work/$1/full.h5" "$work/$1/s-$2-2.h5" \
    "$work/$1/new.h5" || fail "$1 $2: quality"
done

# Brute force on the in-order input; the shuffled input with new items scores the same.
d="$work/explicit"
for np in 1 3; do
  run "$np" score --model "$d/model-bmf.h5" --input "$d/inorder.h5" --output "$d/io-$np.h5" >/dev/null 2>&1 || fail "inorder np $np"
  $PY "$CROSSMF_TESTS/tools/check_outputs.py" "$d/inorder.h5" "$d/io-$np.h5" --scored || fail "brute force np $np"
  $PY "$CROSSMF_TESTS/tools/check_explain.py" "$d/inorder.h5" "$d/io-$np.h5" --scored || fail "reasons and segments np $np"
done
# (new-nofeat.h5: the new items cannot be placed, so only the known ones count, as in order)
run 2 score --model "$d/model-bmf.h5" --input "$d/new-nofeat.h5" --output "$d/shuffled.h5" >/dev/null 2>&1 || fail "shuffled"
$PY - "$d/io-1.h5" "$d/shuffled.h5" <<'PY' || fail "the shuffled input does not score as the in-order one"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert np.array_equal(a["users/id"][()], b["users/id"][()])
for name in ("model/user_factors", "model/user_bias", "risk/score", "profiles/segment"):
    assert np.allclose(a[name][()], b[name][()], rtol=1e-5, atol=1e-6), name
ia, ib = a["items/id"][()], b["items/id"][()]
for name in ("all", "content", "finance"):
    ra, rb = a[f"recommendations/{name}/items"][()], b[f"recommendations/{name}/items"][()]
    assert np.array_equal(np.where(ra >= 0, ia[ra], -1), np.where(rb >= 0, ib[rb], -1)), name
assert a.attrs["model_fingerprint"] == b.attrs["model_fingerprint"] and "input_fingerprint" in a.attrs
print("ok   shuffled items and new ones: the same factors, risk, segments and recommendations by id")
PY

# --users: every third user of the input and two ids it does not have; the chosen users score
# exactly as in the run over every user, in the input's order, and no one else is written.
$PY - "$d/new.h5" "$d/users.txt" <<'PY'
import sys, h5py
ids = h5py.File(sys.argv[1], "r")["users/id"][()]
with open(sys.argv[2], "w") as f:
    f.write("# chosen users\n" + "".join(f"{x}\n" for x in ids[::-3]) + "123456789012\n\n-5\n")
PY
for np in 1 2 3; do
  run "$np" score --model "$d/model-bmf.h5" --input "$d/new.h5" --output "$d/some-$np.h5" --users "$d/users.txt" \
    >"$work/log" 2>&1 || { cat "$work/log"; fail "--users np $np"; }
  grep -q -- "--users .*: 2 of its 102 ids are not users of" "$work/log" || { cat "$work/log"; fail "no warning of the 2 unknown ids"; }
  $PY - "$d/some-$np.h5" "$d/s-bmf-2.h5" <<'PY' || fail "--users np $np: not the same as the run over every user"
import sys, h5py, numpy as np
some, every = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
ids, all_ids = some["users/id"][()], every["users/id"][()]
rows = np.array([np.nonzero(all_ids == x)[0][0] for x in ids])
assert len(ids) == 100 and np.all(np.diff(rows) > 0), "the chosen users, in the input's order"
for name in ("model/user_factors", "model/user_bias", "risk/score", "risk/reasons", "profiles/segment",
             "profiles/activity", "recommendations/all/items", "recommendations/finance/items"):
    assert np.allclose(some[name][()], every[name][()][rows], rtol=1e-5, atol=1e-6), name
print("ok   --users: the 100 chosen users score as in the run over every user")
PY
done

refused() {  # CODE EXPECTED_TEXT ARGS...: the exit code, the text on stderr, no output
  local code=$1 want=$2; shift 2
  set +e; run 2 score --output "$work/refused.h5" "$@" >"$work/log" 2>&1; local got=$?; set -e
  [ "$got" = "$code" ] || { cat "$work/log"; fail "exit $got, not $code, for: $*"; }
  grep -qF -- "$want" "$work/log" || { cat "$work/log"; fail "no '$want' for: $*"; }
  [ ! -e "$work/refused.h5" ] || fail "an output was written for: $*"
}
$PY - "$d" <<'PY'
import sys, h5py, shutil
d = sys.argv[1]
shutil.copy(f"{d}/model-als.h5", f"{d}/newer.h5")
with h5py.File(f"{d}/newer.h5", "a") as f:
    f.attrs["format_version"] = 99
with h5py.File(f"{d}/new.h5", "r") as f, h5py.File(f"{d}/noids.h5", "w") as g:
    f.copy("ratings", g); g.attrs.update(f.attrs)
shutil.copy(f"{d}/new.h5", f"{d}/otherids.h5")
with h5py.File(f"{d}/otherids.h5", "a") as f:
    ids = f["items/id"][()] + 10**9
    del f["items/id"]; f["items/id"] = ids
PY
m="$d/model-als.h5"
refused 2 "newer than this crossmf reads" --model "$d/newer.h5" --input "$d/new.h5"
refused 2 "has 16 factors, not --factors 32" --model "$m" --input "$d/new.h5" --factors 32
refused 2 "has no /users/id" --model "$m" --input "$d/noids.h5"
refused 2 "has no rating of an item --model" --model "$m" --input "$d/otherids.h5"
refused 2 "is not a crossmf output" --model "$d/new.h5" --input "$d/new.h5"
refused 2 "holds explicit feedback but --model" --model "$work/implicit/model-als.h5" --input "$d/new.h5"
refused 2 "--model is required" --input "$d/new.h5"
printf '42\n' >"$work/none.txt"
refused 2 "none of its 1 ids is a user of --input" --model "$m" --input "$d/new.h5" --users "$work/none.txt"
printf '7\nseven\n' >"$work/words.txt"
refused 3 "words.txt:2: 'seven' is not an integer" --model "$m" --input "$d/new.h5" --users "$work/words.txt"
# Each rank reads its share of the list; a bad line in the second rank's share is named by its
# line in the whole file.
$PY - "$d/new.h5" "$work/deep.txt" <<'PY'
import sys, h5py
lines = [str(x) for x in h5py.File(sys.argv[1], "r")["users/id"][()][:300]]
lines[249] = "x250"
open(sys.argv[2], "w").write("# chosen users\n" + "\n".join(lines) + "\n")
PY
refused 3 "deep.txt:251: 'x250' is not an integer" --model "$m" --input "$d/new.h5" --users "$work/deep.txt"
run 2 train --input "$work/implicit/trained.h5" --output "$work/bpr.h5" --algorithm sgd --iterations 2 >/dev/null 2>&1
refused 2 "has no user half-step" --model "$work/bpr.h5" --input "$work/implicit/new.h5"
echo "score: all checks passed"
