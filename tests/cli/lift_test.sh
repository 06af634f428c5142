#!/usr/bin/env bash
# crossmf lift end to end: campaign outcomes planted on a trained output's audiences
# (tests/tools/campaign_outcomes.py: per product a control rate p0 and a contacted rate p0 + delta,
# plus rows lift must count and skip) give
#  - on one seed, under mpirun with 1, 2 and 3 ranks, HDF5 and CSV whose every number equals an
#    independent numpy computation; the same from TSV without a header but with a time column,
#    and from an output whose ids are strings;
#  - over 100 seeds, with each product's p0 and delta those generate planted in /truth/campaign
#    (the conversions drawn anew each seed), 95% intervals that cover the planted uplift 90-99% of
#    the time, per product on average and overall;
#  - tools/campaign_outcomes.py, the analysts' version, writing every member's outcome;
#  - for bad input, its exit code, a message naming the file (and line), and no output written.
source "$(dirname "$0")/lib.sh"
run() { timeout 120 mpirun --oversubscribe --bind-to none -np "$@"; }
tool="$CROSSMF_TESTS/tools/campaign_outcomes.py"

"$CROSSMF" generate --output "$work/in.h5" --users 1500 --items 300 --ratings 30000 --seed 5 --log-level warn
"$CROSSMF" train --input "$work/in.h5" --output "$work/out.h5" --factors 8 --iterations 5 --audience-size 150 \
  --control-fraction 0.2 --segments 4 --threads 1 --log-level warn

echo "== one seed, 1, 2 and 3 ranks"
"$PY" "$tool" plant "$work/out.h5" "$work/outcomes.csv" 7
for np in 1 2 3; do
  run "$np" "$CROSSMF" lift --audiences "$work/out.h5" --outcomes "$work/outcomes.csv" --output "$work/lift$np.h5" \
    --log-level warn
  "$PY" "$tool" check "$work/out.h5" 7 "$work/lift$np.h5" "$work/lift$np.csv"
done
echo "== TSV, no header, a time column; --csv elsewhere"
"$PY" "$tool" plant "$work/out.h5" "$work/outcomes.tsv" 7 --tsv
run 2 "$CROSSMF" lift --audiences "$work/out.h5" --outcomes "$work/outcomes.tsv" --output "$work/tsv.h5" \
  --csv "$work/tsv-table.csv" --log-level warn
"$PY" "$tool" check "$work/out.h5" 7 "$work/tsv.h5" "$work/tsv-table.csv"
[ ! -e "$work/tsv.csv" ] || { echo "FAILED: --csv given, yet tsv.csv written"; exit 1; }
echo "== string ids"
"$PY" - "$work/out.h5" "$work/strings.h5" <<'PY'
import shutil, sys, h5py, numpy as np
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    for name, prefix in (("users/id", "u"), ("items/id", "prod,")):  # a comma: the CSV must quote it
        ids = [f"{prefix}{v}".encode() for v in f[name][()]]
        del f[name]
        f.create_dataset(name, data=np.array(ids, dtype=h5py.string_dtype("utf-8", 16)))
PY
"$PY" "$tool" plant "$work/strings.h5" "$work/strings.csv" 8
run 3 "$CROSSMF" lift --audiences "$work/strings.h5" --outcomes "$work/strings.csv" --output "$work/slift.h5" --log-level warn
"$PY" "$tool" check "$work/strings.h5" 8 "$work/slift.h5" "$work/slift.csv"

echo "== integer ids written as a spreadsheet may write them (007, +7) match by value"
"$PY" - "$work/outcomes.csv" "$work/padded-outcomes.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(rows[0])
    for k, r in enumerate(rows[1:]):
        pad = lambda v: ("00" + v) if k % 2 == 0 else ("+" + v)
        w.writerow([pad(r[0]) if r[0].isdigit() else r[0], pad(r[1]) if r[1].isdigit() else r[1]] + r[2:])
PY
run 2 "$CROSSMF" lift --audiences "$work/out.h5" --outcomes "$work/padded-outcomes.csv" --output "$work/padded.h5" --log-level warn
"$PY" "$tool" check "$work/out.h5" 7 "$work/padded.h5" "$work/padded.csv"

echo "== one seed with generate's planted rates"
"$PY" "$tool" plant "$work/out.h5" "$work/planted-outcomes.csv" 9 --truth "$work/in.h5"
run 2 "$CROSSMF" lift --audiences "$work/out.h5" --outcomes "$work/planted-outcomes.csv" --output "$work/planted.h5" --log-level warn
"$PY" "$tool" check "$work/out.h5" 9 "$work/planted.h5" "$work/planted.csv" --truth "$work/in.h5"

echo "== coverage over 100 seeds of generate's planted uplift"
"$PY" "$tool" coverage "$work/out.h5" "$CROSSMF" 100 "$work" --truth "$work/in.h5"

echo "== the analysts' tools/campaign_outcomes.py"
"$PY" "$CROSSMF_TESTS/../tools/campaign_outcomes.py" "$work/in.h5" "$work/out.h5" "$work/members.csv" --seed 3
run 2 "$CROSSMF" lift --audiences "$work/out.h5" --outcomes "$work/members.csv" --output "$work/members-lift.h5" --log-level warn
"$PY" - "$work/out.h5" "$work/members.csv" "$work/members-lift.h5" <<'PY'
import csv, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
members = sum(int((f[f"audiences/{d}/users"][()] >= 0).sum()) for d in f["audiences"])
rows = list(csv.DictReader(open(sys.argv[2])))
g = h5py.File(sys.argv[3], "r")["lift"]
seen = int(g["products/contacted"][()].sum() + g["products/control"][()].sum())
ok = len(rows) == members == seen and g.attrs["outside_audiences"] == 0 and g.attrs["unknown_users"] == 0
print(("ok   " if ok else "FAIL ") + f"one row per member ({len(rows)} rows, {members} members, {seen} counted by lift)")
sys.exit(0 if ok else 1)
PY

echo "== bad input: exit code, message, nothing written"
printf 'keep' >"$work/kept.h5"
printf 'keep' >"$work/kept.csv"
bad() {  # EXPECTED_CODE MESSAGE ARGS...: lift fails with the code, prints MESSAGE, leaves kept.* as they were
  local want=$1 msg=$2 code=0
  shift 2
  run 2 "$CROSSMF" lift --output "$work/kept.h5" "$@" >"$work/log" 2>&1 || code=$?
  [ "$code" = "$want" ] || { echo "FAILED: exit $code, not $want: $*"; cat "$work/log"; exit 1; }
  grep -qF -- "$msg" "$work/log" || { echo "FAILED: no '$msg' in:"; cat "$work/log"; exit 1; }
  [ "$(cat "$work/kept.h5")$(cat "$work/kept.csv")" = keepkeep ] || { echo "FAILED: output changed: $*"; exit 1; }
  [ -z "$(ls -A "$work" | grep '\.tmp\.')" ] || { echo "FAILED: temporary file left: $*"; exit 1; }
  echo "ok   exit $want: $msg"
}
good=(--audiences "$work/out.h5")
"$PY" - "$work/out.h5" "$work/noaud.h5" <<'PY'
import shutil, sys, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    del f["audiences"]
PY
bad 2 "has no audiences" --audiences "$work/noaud.h5" --outcomes "$work/outcomes.csv"
bad 2 "is not a crossmf output" --audiences "$work/in.h5" --outcomes "$work/outcomes.csv"
bad 2 "--outcomes is required" "${good[@]}"
bad 2 "--audiences is required" --outcomes "$work/outcomes.csv"
bad 4 "$work/missing.csv" "${good[@]}" --outcomes "$work/missing.csv"
head -3 "$work/outcomes.csv" >"$work/b1.csv" && echo "$(sed -n 2p "$work/outcomes.csv" | cut -d, -f1,2),yes" >>"$work/b1.csv"
bad 3 "$work/b1.csv:4: converted 'yes' is not 0 or 1" "${good[@]}" --outcomes "$work/b1.csv"
head -3 "$work/outcomes.csv" >"$work/b2.csv" && sed -n 2p "$work/outcomes.csv" | cut -d, -f1,2 >>"$work/b2.csv"
bad 3 "$work/b2.csv:4:" "${good[@]}" --outcomes "$work/b2.csv"
{ echo "customer,sku,bought"; sed -n 2,4p "$work/outcomes.csv"; } >"$work/b3.csv"
bad 3 "$work/b3.csv:1: unknown header: column 1 is 'customer'" "${good[@]}" --outcomes "$work/b3.csv"
sed -n 2,4p "$work/outcomes.csv" | sed 's/$/,1,2/' >"$work/b4.csv"
bad 3 "$work/b4.csv:1: 5 columns" "${good[@]}" --outcomes "$work/b4.csv"
: >"$work/b5.csv"
bad 3 "$work/b5.csv: no rows" "${good[@]}" --outcomes "$work/b5.csv"
echo "lift: all checks passed"
