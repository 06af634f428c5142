#!/usr/bin/python3
"""Tables the held-out metrics of a sweep's crossmf outputs and names the best configuration.

usage: /usr/bin/python3 tools/collect_sweep.py SWEEP_DIR [--csv FILE] [--hdf5 FILE]
                                               [--expect N] [--metric NAME] [--goal min|max]

Reads every crossmf output file (root attribute format = "crossmf-output") in SWEEP_DIR: the
options it was trained with from its `config` attribute and the final held-out metrics from
the attributes of /metrics. The metric that ranks the runs is rmse (lower is better) for
explicit feedback and ndcg_at_k (higher is better) for implicit, unless --metric and --goal
say otherwise. Writes one row per run, sorted by factors, lambda and alpha:
  --csv    a CSV table with a header line
  --hdf5   /runs/<column> datasets, one per column, and root attributes format =
           "crossmf-sweep", format_version, metric, goal, best_index, best_file and
           best_<option> for each swept option
Both are written to a temporary name and renamed, so a reader never sees half a table.
Prints the table and the best configuration. Exit 1 if --expect N is given and there are not
exactly N runs (a task that wrote nothing), or if there is no run at all.
Needs Debian's python3-h5py and python3-numpy (call /usr/bin/python3 explicitly).
"""
import argparse
import csv
import glob
import os
import sys

import h5py
import numpy as np

FORMAT_VERSION = 1
SWEPT = ["factors", "lambda", "alpha"]  # the options a sweep varies, in sort order
DESCRIBED = ["algorithm", "feedback", "iterations", "seed"]  # carried along for the reader
DEFAULT_GOAL = {"rmse": "min", "mae": "min"}  # every other crossmf metric: higher is better


def options(config_text):
    """The `key = value` lines of crossmf's resolved-options INI text."""
    out = {}
    for line in config_text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def read_run(path):
    """(options, metrics) of one crossmf output file, or None if it is not one."""
    try:
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
            if isinstance(fmt, bytes):
                fmt = fmt.decode()
            if fmt != "crossmf-output" or "metrics" not in f:
                return None
            config = f.attrs.get("config", "")
            if isinstance(config, bytes):
                config = config.decode()
            metrics = {k: float(v) for k, v in f["metrics"].attrs.items() if np.ndim(v) == 0}
            return options(config), metrics
    except OSError:
        return None


def write_csv(path, columns, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(columns)
        for r in rows:
            w.writerow([f"{r[c]:.9g}" if isinstance(r[c], float) else r[c] for c in columns])
    os.replace(tmp, path)


def write_hdf5(path, columns, rows, attrs):
    tmp = path + ".tmp"
    text = h5py.string_dtype("utf-8")
    with h5py.File(tmp, "w") as f:
        g = f.create_group("runs")
        for c in columns:
            values = [r[c] for r in rows]
            if all(isinstance(v, float) for v in values):
                g.create_dataset(c, data=np.array(values, dtype=np.float64))
            else:
                g.create_dataset(c, data=np.array([str(v) for v in values], dtype=object), dtype=text)
        for k, v in attrs.items():
            f.attrs[k] = v
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("sweep_dir")
    p.add_argument("--csv", help="write the table as CSV")
    p.add_argument("--hdf5", help="write the table as HDF5")
    p.add_argument("--expect", type=int, help="the number of runs there must be")
    p.add_argument("--metric", help="the held-out metric that ranks the runs")
    p.add_argument("--goal", choices=["min", "max"], help="whether lower or higher is better")
    a = p.parse_args()

    rows = []
    for path in sorted(glob.glob(os.path.join(a.sweep_dir, "*.h5"))):
        run = read_run(path)
        if run is None:
            continue
        opts, metrics = run
        row = {"file": os.path.basename(path)}
        row.update({k: number(opts.get(k)) for k in SWEPT})
        row.update({k: opts.get(k, "") for k in DESCRIBED})
        row.update(metrics)
        rows.append(row)
    if not rows:
        sys.exit(f"collect_sweep: no crossmf output file in {a.sweep_dir}")
    if a.expect is not None and len(rows) != a.expect:
        sys.exit(f"collect_sweep: {len(rows)} runs in {a.sweep_dir}, expected {a.expect}: "
                 "a task failed or wrote elsewhere (see its log)")

    metric_names = sorted(set().union(*(set(r) for r in rows)) - {"file", *SWEPT, *DESCRIBED})
    metric = a.metric or ("rmse" if "rmse" in metric_names else "ndcg_at_k")
    if any(metric not in r for r in rows):
        sys.exit(f"collect_sweep: not every run has the held-out metric {metric!r} "
                 f"(runs have {', '.join(metric_names)}); choose one with --metric")
    goal = a.goal or DEFAULT_GOAL.get(metric, "max")
    for r in rows:
        for m in metric_names:
            r.setdefault(m, float("nan"))
    rows.sort(key=lambda r: tuple(r[k] for k in SWEPT) + (r["file"],))
    values = np.array([r[metric] for r in rows])
    if np.all(np.isnan(values)):
        sys.exit(f"collect_sweep: every run's {metric} is NaN")
    best = int(np.nanargmin(values) if goal == "min" else np.nanargmax(values))

    columns = ["file", *SWEPT, *DESCRIBED, *metric_names]
    attrs = {"format": "crossmf-sweep", "format_version": FORMAT_VERSION, "metric": metric,
             "goal": goal, "best_index": best, "best_file": rows[best]["file"],
             f"best_{metric}": rows[best][metric]}
    attrs.update({f"best_{k}": rows[best][k] for k in SWEPT})
    if a.csv:
        write_csv(a.csv, columns, rows)
    if a.hdf5:
        write_hdf5(a.hdf5, columns, rows, attrs)

    shown = ["file", *SWEPT, metric]
    print("  ".join(f"{c:>14}" for c in shown))
    for i, r in enumerate(rows):
        cells = [f"{r[c]:14.6g}" if isinstance(r[c], float) else f"{r[c]:>14}" for c in shown]
        print("  ".join(cells) + ("  <- best" if i == best else ""))
    b = rows[best]
    print(f"best ({goal} {metric}): factors {b['factors']:g}, lambda {b['lambda']:g}, "
          f"alpha {b['alpha']:g}: {metric} {b[metric]:.6g}  ({b['file']})")
    for path in (a.csv, a.hdf5):
        if path:
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
