#!/usr/bin/python3
"""The performance model of bench/scale.md, checked against bench/scale_bench.sh's runs, and its
prediction for a 10-billion-rating cluster job.

Per-unit costs come from this machine's limits measured in the same run (dd, mpi_bandwidth)
and from two calibration runs with a third of the ratings (1 rank); the 300 M runs are
predictions, never fitted.

usage: scale_model.py RUN_FOLDER RANKS...
"""
import math
import re
import statistics
import sys
from pathlib import Path

run = Path(sys.argv[1])
ranks = [int(p) for p in sys.argv[2:]] or [1, 2, 4]
CORES_HERE = 2
MB = 1e6


def number(text, pattern):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")


def parse(log):
    text = log.read_text()
    r = {
        "P": int(number(text, r"train: (\d+) ranks x")),
        "T": int(number(text, r"ranks x (\d+) threads")),
        "m": number(text, r": (\d+) users, "),
        "n": number(text, r"users, (\d+) items, "),
        "nnz": number(text, r"items, (\d+) ratings"),
        "N": number(text, r"partition: (\d+) training"),
        "k": number(text, r"factors = (\d+)"),
        "cg": number(text, r"cg-steps = (\d+)"),
        "out_bytes": number(text, r"wrote ([0-9.]+) MB in") * MB,
        "phases": {},
    }
    for m in re.finditer(r"phase (\w+)(?: / \d+)?:\s+([0-9.]+) s\s+([0-9.]+) MB sent per rank\s+peak\s+([0-9.]+) MB", text):
        r["phases"][m.group(1)] = tuple(float(x) for x in m.group(2, 3, 4))
    for what in ["write", "write-direct", "read"]:  # the disk measured right before this run, when the log has it
        m = re.search(rf"^disk-{what}: .*?([0-9.]+) ([GMk]?B)/s", text, re.M)
        if m:
            r[f"disk_{what.replace('-', '_')}"] = float(m.group(1)) * {"GB": 1e9, "MB": 1e6, "kB": 1e3, "B": 1}[m.group(2)]
    # Seconds of each training iteration (its log line), for a calibration robust to a hiccup.
    r["iterations"] = [float(x) for x in re.findall(r"\] iter +\d+/\d+ .*? ([0-9.]+)s +[0-9.]+ GFLOP/s", text)]
    files = re.findall(r"^file (\d+) (\S+)", text, re.M)
    r["out_file"] = float(files[1][0]) if len(files) > 1 else float("nan")
    return r


def rate(path):
    """dd's 'copied, X s, Y GB/s' line in bytes per second."""
    m = re.search(r"([0-9.]+) ([GMk]?B)/s", path.read_text())
    scale = {"GB": 1e9, "MB": 1e6, "kB": 1e3, "B": 1}[m.group(2)]
    return float(m.group(1)) * scale


disk_write = rate(run / "dd-write.txt")
# The job writes with O_DIRECT: the model charges that rate (older runs have only the flushed dd).
disk_write_direct = rate(run / "dd-write-direct.txt") if (run / "dd-write-direct.txt").exists() else disk_write
disk_read = rate(run / "dd-read.txt")
fresh = run / "fresh-memory.txt"
fresh_memory = number(fresh.read_text(), r"per_second ([0-9.]+)") * MB if fresh.exists() else float("nan")
gemm = number((run / "gemm.txt").read_text(), r"gemm_gflops ([0-9.]+)") * 1e9
net_shm = number((run / "mpi-shm.txt").read_text(), r"mpi_gbytes_per_second ([0-9.]+)") * 1e9
net_tcp = number((run / "mpi-tcp.txt").read_text(), r"mpi_gbytes_per_second ([0-9.]+)") * 1e9


def als_flops(r):
    """Implicit CG ALS, one iteration: both halves' row solves plus the two Gram matrices."""
    k, s = r["k"], r["cg"]
    return (s + 1) * (4 * 2 * r["N"] * k + 2 * k * k * (r["m"] + r["n"])) + k * k * (r["m"] + r["n"])


def held_out_per_user(r):
    return (r["nnz"] - r["N"]) / r["m"]


def eval_units(r, users):
    """Ranking `users` held-out users: a GEMM row and a top-k scan per item (k per pair), and one
    vectorised comparison per held-out item and item (the AUC counts)."""
    return (users * r["n"] * r["k"], users * held_out_per_user(r) * r["n"])


def work(r):
    """Units of work per phase for the whole job (divided among ranks by the model): one or two
    cost drivers per phase, each with its own core-seconds per unit."""
    return {
        "read": (r["nnz"], 0.0),                                  # ratings (disk-bound: other_time)
        # ratings scattered, exchanged, counting-sorted twice; each user's row sorted by item
        "partition": (r["nnz"], r["nnz"] * math.log2(max(r["nnz"] / r["m"], 2))),
        "train": (als_flops(r), 0.0),                             # flops per iteration (+ a sampled evaluation)
        "evaluate": eval_units(r, r["m"]),
        # top-N of every user against every item and every user against each finance and
        # insurance product (audiences); every item against every item (similar items)
        "score": (r["m"] * r["n"] * (1 + GATED) * r["k"], r["n"] * r["n"] * r["k"]),
        "write": (r["out_bytes"], 0.0),                           # bytes of output
    }


def other_owners(r, P):
    """Expected number of other ranks owning one of a user's items (ratings spread evenly)."""
    return (P - 1) * (1 - (1 - 1 / P) ** (r["N"] / r["m"]))


def routed_rows(r, P):
    """User rows an item owner receives: the users with at least one rating there."""
    return r["m"] * (1 - (1 - 1 / P) ** (r["N"] / r["m"]))


def sent(r, P):
    """Bytes each rank sends per phase (the bandwidth-optimal volumes Comm counts)."""
    k, f = r["k"], (P - 1) / P
    return {
        "read": 0.0,
        # 12-byte records to user owners, then to item owners
        "partition": 12 * (r["nnz"] + r["N"]) / P * f,
        # item blocks to everyone (ring allgather), each local user's row to the other ranks that
        # own one of its items, two k x k Grams
        "train": 4 * k * (r["n"] * f + r["m"] / P * other_owners(r, P)) + 2 * 2 * 4 * k * k * f,
        "evaluate": 0.0,
        # each rank's local top-A candidates (12 bytes) for every finance and insurance product, to
        # the product's owner
        "score": 12 * AUDIENCE * GATED * r["n"] * f,
        # output rows move to the rank that writes their slice of the file
        "write": r["out_bytes"] / P * f,
    }


AUDIENCE = 500  # --audience-size
EVAL_SAMPLE = 2000  # users evaluated after each iteration
GATED = 0.3  # finance and insurance share of the items (the generator's default domain shares)
# Share of the partition that does not use the rank's threads: the exchanges (one copy each on one
# rank) and first touches of fresh pages. Measured on 1 rank: 1 -> 2 threads took it from 16.9 s to
# 10.9 s at 100 M ratings (bench/scale.md, "Partition threads").
PARTITION_SERIAL = 0.28


# Phases whose disk time and core time overlap: the time is the larger, not the sum. The read's
# requests run on twice the rank's threads, so while some wait for the disk the others copy into
# the caller's fresh pages and check ratings. The write routes each piece of rows while the piece
# before goes to the disk (UserFileOrder::stream).
OVERLAPPED = {"read", "write"}


def cores_per_rank(r, P, T, phase):
    cores = min(T, CORES_HERE / P)  # every phase uses the rank's threads (read and write too)
    if phase == "partition" and cores > 1:  # Amdahl: the effective cores of the serial share
        return 1 / (PARTITION_SERIAL + (1 - PARTITION_SERIAL) / cores)
    return cores


def other_time(r, phase):
    """Time a phase spends on the disk, and (train) on the sampled evaluation after each iteration."""
    if phase == "read":
        return 12 * r["nnz"] / (read_efficiency * r.get("disk_read", disk_read))
    if phase == "write":
        return r["out_file"] / r.get("disk_write_direct", disk_write_direct)
    return 0.0


# Core-seconds per unit of work, from two 1-rank calibration runs with a third of the ratings:
# A with a third of the users too (same ratings per user), B with all the users (same working
# set). A phase with one cost driver takes it from B; one with two solves both from A and B.
# Disk time (this machine's measured bandwidths) is taken out first.
cal_a, cal_b = parse(run / "calibration-a.log"), parse(run / "calibration.log")
# The read is bound by the disk: its requests overlap the copies, and every run starts from warm
# memory (scale_bench.sh), so the cores keep up. It runs at the share of the disk's speed (the
# O_DIRECT dd just before) that the calibration reads reached, the mean of A's and B's: one dd
# is a noisy sample of a disk whose speed drifts (session 7's run 2: B at 70% of a dd of 1.4
# GB/s, A at 94% of 1.1 GB/s). It has no core term.
read_efficiency = sum(12 * c["nnz"] / c["phases"]["read"][0] / c.get("disk_read", disk_read) for c in (cal_a, cal_b)) / 2
unit = {"read": (0.0, 0.0)}
for phase in ["partition", "evaluate", "score", "write", "train"]:  # train needs evaluate's units
    def core_seconds(c):
        # The write overlaps the disk with its cores' work (OVERLAPPED), so its time is the
        # slower of the two: a calibration slower than the disk was bound by its cores.
        t = c["phases"][phase][0] - (0 if phase in OVERLAPPED else other_time(c, phase))
        if phase == "train":
            # The typical iteration, not the mean: on this shared VM one iteration of three can
            # stall (session 7's calibration B: 3.54, 5.74 and 3.64 s), and that is not a cost
            # of the work.
            if c["iterations"]:
                t *= statistics.median(c["iterations"]) / statistics.mean(c["iterations"])
            sample = eval_units(c, min(EVAL_SAMPLE, c["m"]))
            t -= sum(x * y for x, y in zip(sample, unit["evaluate"])) / cores_per_rank(c, 1, c["T"], "evaluate")
        return max(t, 0) * cores_per_rank(c, 1, c["T"], phase)
    (a1, a2), (b1, b2) = work(cal_a)[phase], work(cal_b)[phase]
    ta, tb = core_seconds(cal_a), core_seconds(cal_b)
    det = a1 * b2 - a2 * b1
    if a2 == 0 and b2 == 0 or abs(det) < 1e-9 * abs(a1 * b2):
        unit[phase] = (tb / b1, 0.0)
    else:
        unit[phase] = ((ta * b2 - tb * a2) / det, (a1 * tb - b1 * ta) / det)
        if min(unit[phase]) < 0:  # the two runs do not separate the drivers: the first alone, from B
            unit[phase] = (tb / b1, 0.0)


def predict_seconds(r, P, T, net):
    w, b = work(r), sent(r, P)
    out = {}
    for phase in w:
        core_seconds = sum(x * y for x, y in zip(w[phase], unit[phase]))
        t = core_seconds / P / cores_per_rank(r, P, T, phase)
        t = max(t, other_time(r, phase)) if phase in OVERLAPPED else t + other_time(r, phase)
        t += b[phase] / net
        if phase == "train":
            sample = eval_units(r, min(EVAL_SAMPLE, r["m"]))
            t += sum(x * y for x, y in zip(sample, unit["evaluate"])) / P / cores_per_rank(r, P, T, "evaluate")
        out[phase] = t
    return out


# Memory per rank: a fixed part (MPI, HDF5, code: calibration B's read-phase peak less its
# ratings) plus what each phase holds, in bytes per rating, per user and per item.
def predict_memory(r, P, base):
    k = r["k"]
    users, items, nnz, N = r["m"] / P, r["n"], r["nnz"] / P, r["N"] / P
    factors_items = 3 * 4 * k * items           # replicated item factors, their allgather, a copy
    train = 24 * N + 3 * 4 * k * users + 4 * k * routed_rows(r, P) + factors_items
    return {
        "read": base + 12 * nnz,  # 32-bit ids are read as stored, without staging
        "partition": base + 32 * nnz + 8 * users,
        "train": base + train,
        "evaluate": base + train,
        "score": base + train,
        "write": base + train,
    }


base = cal_b["phases"]["read"][2] * MB - 12 * cal_b["nnz"]

print(f"machine: disk write {disk_write / MB:.0f} MB/s flushed, {disk_write_direct / MB:.0f} MB/s O_DIRECT, read "
      f"{disk_read / MB:.0f} MB/s O_DIRECT; first touch of fresh memory {fresh_memory / MB:.0f} MB/s; GEMM {gemm / 1e9:.0f} GFLOP/s; "
      f"MPI {net_shm / 1e9:.2f} GB/s shared memory, {net_tcp / 1e9:.2f} GB/s TCP")
print(f"calibration (1 rank x {cal_b['T']} threads; A: {int(cal_a['nnz'])} ratings, {int(cal_a['m'])} users; "
      f"B: {int(cal_b['nnz'])} ratings, {int(cal_b['m'])} users): core-seconds per unit "
      + ", ".join(f"{p} {u[0]:.3g}" + (f" + {u[1]:.3g}" if u[1] else "") for p, u in unit.items() if p != "read")
      + f"; the read at {100 * read_efficiency:.0f}% of the disk")
print(f"fixed memory per rank: {base / MB:.0f} MB")

runs = {}
for P in ranks:
    f = run / f"ranks-{P}.log"
    if f.exists():
        runs[f"{P} ranks"] = (parse(f), net_shm)
if (run / "tcp-2.log").exists():
    runs["2 ranks TCP"] = (parse(run / "tcp-2.log"), net_tcp)

worst = worst_all = 0
one_rank_peak = None
for name, (r, net) in runs.items():
    P, T = r["P"], r["T"]
    ps, pm, b = predict_seconds(r, P, T, net), predict_memory(r, P, base), sent(r, P)
    print(f"\n{name} x {T} threads: {int(r['nnz'])} ratings, {int(r['m'])} users, {int(r['n'])} items, k={int(r['k'])}")
    print(f"  {'phase':<10} {'seconds':>8} {'model':>8} {'error':>7}   {'MB sent':>9} {'model':>9}   {'peak MB':>8} {'model':>8}")
    for phase, (sec, mb, peak) in r["phases"].items():
        err = (ps[phase] - sec) / sec if sec > 0 else 0
        worst_all = max(worst_all, abs(err))
        if sec >= 1:  # sub-second phases are the noisiest
            worst = max(worst, abs(err))
        print(f"  {phase:<10} {sec:8.2f} {ps[phase]:8.2f} {100 * err:+6.0f}%   {mb:9.1f} {b[phase] / MB:9.1f}   "
              f"{peak:8.0f} {pm[phase] / MB:8.0f}")
    read_bytes = 12 * r["nnz"]  # user, item, value as stored (32-bit each)
    dr, dw = r.get("disk_read", disk_read), r.get("disk_write", disk_write)
    dwd = r.get("disk_write_direct", disk_write_direct)
    wrote = r["out_file"] / r["phases"]["write"][0]
    print(f"  read {read_bytes / MB:.0f} MB of ratings at {read_bytes / r['phases']['read'][0] / MB:.0f} MB/s = "
          f"{100 * read_bytes / r['phases']['read'][0] / dr:.0f}% of the disk's {dr / MB:.0f} MB/s (dd O_DIRECT just before); "
          f"wrote {r['out_file'] / MB:.0f} MB at {wrote / MB:.0f} MB/s = {100 * wrote / dwd:.0f}% of its {dwd / MB:.0f} MB/s "
          f"(dd O_DIRECT just before), {100 * wrote / dw:.0f}% of {dw / MB:.0f} MB/s (dd flushed)")
    peak = max(p[2] for p in r["phases"].values())
    if P == 1 and "TCP" not in name:
        one_rank_peak = peak
    elif one_rank_peak:
        item_factors = 4 * r["k"] * r["n"] / MB
        print(f"  peak per rank {peak:.0f} MB = {peak / one_rank_peak:.3f} x the 1-rank peak "
              f"({(peak - item_factors) / one_rank_peak:.3f} x without the {item_factors:.0f} MB of item factors)")
print(f"\nlargest model error: {100 * worst:.0f}% on phases of 1 s or more, {100 * worst_all:.0f}% on all phases")

# The cluster: 10 billion ratings, 100 M users (100 each), 5 M items, k = 64, 64 nodes x 32
# cores, 100 Gb/s (12.5 GB/s) per node, a parallel file system at 20 GB/s. Output: factors,
# 4 top-10 lists (item + score), segment, risk per user.
big = {"m": 100e6, "n": 5e6, "nnz": 10e9, "N": 9e9, "k": 64, "cg": 3,
       "out_bytes": 100e6 * (64 * 4 + 4 * 10 * 8 + 16)}
big["out_file"] = big["out_bytes"]
net_cluster, disk_read, disk_write, disk_write_direct = 12.5e9, 20e9, 20e9, 20e9
print("\n10 billion ratings, 100 M users, 5 M items, k = 64, 64 nodes x 32 cores, 12.5 GB/s network per node,"
      " 20 GB/s parallel file system:")
for ranks_per_node, threads in [(1, 32), (4, 8), (32, 1)]:
    P = 64 * ranks_per_node
    CORES_HERE = 64 * 32
    # Network: a node's ranks share its link.
    ps, pm, b = predict_seconds(big, P, threads, net_cluster / ranks_per_node), predict_memory(big, P, base), sent(big, P)
    print(f"  {ranks_per_node} rank(s) x {threads} threads per node ({P} ranks):")
    for phase in ps:
        net = b[phase] / (net_cluster / ranks_per_node)
        print(f"    {phase:<10} {ps[phase]:9.1f} s (network {net:6.1f} s)   memory per rank {pm[phase] / 1e9:6.1f} GB, "
              f"per node {ranks_per_node * pm[phase] / 1e9:6.1f} GB")
