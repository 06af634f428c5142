#!/usr/bin/env bash
# The Quick start's demo pipeline with its default sizes: generate on 2 ranks, train on 2 ranks,
# inspect, and the report tool turning the output into charts and one self-contained HTML page
# (tests/tools/check_report.py: it parses, every section, embedded PNGs only, no external URL).
# Then the page again with a lift file (outcomes planted by tests/tools/campaign_outcomes.py), and
# for an output stripped of risk, domains and audiences, whose sections must say so.
source "$(dirname "$0")/lib.sh"
report="$PY $CROSSMF_TESTS/../tools/report.py"
check="$PY $CROSSMF_TESTS/tools/check_report.py"
timeout 120 mpirun --oversubscribe --bind-to none -np 2 "$CROSSMF" generate --output "$work/platform.h5" --log-level warn
timeout 300 mpirun --oversubscribe --bind-to none -np 2 "$CROSSMF" train --input "$work/platform.h5" --output "$work/out.h5" --log-level warn
"$CROSSMF" inspect "$work/out.h5" > "$work/inspect.txt"
grep -q "format: crossmf-output" "$work/inspect.txt"

echo "== the demo's report"
$report "$work/out.h5" "$work/report"
"$PY" - "$work" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish
w = sys.argv[1]
for name in ("convergence", "segments", "recommendations", "risk", "audiences"):
    path = f"{w}/report/{name}.png"
    data = open(path, "rb").read() if os.path.exists(path) else b""
    check(data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10000, f"report: {name}.png is a real chart ({len(data)} bytes)")
finish()
PY
$check "$work/report" "$work/out.h5"

echo "== with a lift file"
"$PY" "$CROSSMF_TESTS/tools/campaign_outcomes.py" plant "$work/out.h5" "$work/outcomes.csv" 7
"$CROSSMF" lift --audiences "$work/out.h5" --outcomes "$work/outcomes.csv" --output "$work/lift.h5" --log-level warn
$report "$work/out.h5" "$work/report-lift" --lift "$work/lift.h5"
$check "$work/report-lift" "$work/out.h5" --lift "$work/lift.h5"

echo "== an output without risk model, domains and audiences"
"$PY" - "$work/out.h5" "$work/bare.h5" <<'PY'
import shutil, sys, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    for name in ("audiences", "items/domain", "profiles/domain_share", "profiles/segments/domain_mix",
                 "profiles/segments/domain_lift", "profiles/segments/risk", "profiles/segments/label"):
        del f[name]
    for name in [n for n in f["recommendations"] if n not in ("all", "fallback")]:
        del f["recommendations"][name]
    for name in list(f["risk"]):  # what train writes without labels: the group and its status
        del f["risk"][name]
    for name in [a for a in f["risk"].attrs if a != "status"]:
        del f["risk"].attrs[name]
    f["risk"].attrs["status"] = "no labels"
PY
$report "$work/bare.h5" "$work/report-bare"
$check "$work/report-bare" "$work/bare.h5" --missing recommendations,audiences,risk
echo "demo report: all checks passed"
