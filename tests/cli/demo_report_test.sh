#!/usr/bin/env bash
# The Quick start's demo pipeline with its default sizes: generate on 2 ranks, train on 2 ranks,
# inspect, and the report tool turning the output into four PNG charts.
source "$(dirname "$0")/lib.sh"
timeout 120 mpirun --oversubscribe --bind-to none -np 2 "$CROSSMF" generate --output "$work/platform.h5" --log-level warn
timeout 300 mpirun --oversubscribe --bind-to none -np 2 "$CROSSMF" train --input "$work/platform.h5" --output "$work/out.h5" --log-level warn
"$CROSSMF" inspect "$work/out.h5" > "$work/inspect.txt"
grep -q "format: crossmf-output" "$work/inspect.txt"
"$PY" "$CROSSMF_TESTS/../tools/report.py" "$work/out.h5" "$work/report"
"$PY" - "$work" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish
w = sys.argv[1]
for name in ("convergence", "segments", "risk", "audiences"):
    path = f"{w}/report/{name}.png"
    data = open(path, "rb").read() if os.path.exists(path) else b""
    check(data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10000, f"report: {name}.png is a real chart ({len(data)} bytes)")
finish()
PY
