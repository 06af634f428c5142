#!/usr/bin/python3
"""Runs the cases of tests/tools/fuzz_cases.py, each under real mpirun with a hard timeout, and
checks what CONTRACT.md promises:
  - every rank exits with the case's code (each rank's code is recorded by a wrapper around it);
  - exactly one "crossmf: error:" line, matching the case's pattern and saying how to fix it;
  - no crash text (aborts, HDF5 error stacks, segfaults, internal errors) from any rank or mpirun;
  - done in under 30 s, with no crossmf process left behind;
  - every file the case names or holds byte-identical afterwards (inputs, config, an existing output,
    a checkpoint; devices stay devices), except those the case may write; no temporary file left;
  - a stopped run has a checkpoint exactly when training had started (and --checkpoint was given);
  - a successful run wrote a readable crossmf file.

usage: fuzz_run.py CASES.json DATA WORK [--only REGEX]
env: CROSSMF (the binary), MPIEXEC (mpirun)
"""
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time

import h5py

TIMEOUT = 30
CRASH = re.compile(r"unrecoverable|MPI_ABORT|HDF5-DIAG|[Ss]egmentation|core dumped|terminate called|Signal: |Aborted"
                   r"|internal error|MPI_ERR|Process received signal|exited on signal|ORTE_ERROR_LOG")

# Each rank through a wrapper that records its exit code and its stderr. The wrapper ignores the
# stop signals (its child gets them from mpirun's process group or from the runner) and waits.
WRAPPER = r"""
trap : TERM INT HUP USR1
codes=$1; shift
r=${OMPI_COMM_WORLD_RANK:-0}
"$@" >"$codes/out.$r" 2>"$codes/err.$r" &
p=$!
echo "$p" >"$codes/pid.$r"
while kill -0 "$p" 2>/dev/null; do wait "$p"; done
wait "$p"; rc=$?
echo "$rc" >"$codes/rank.$r"
exit "$rc"
"""


def session_pids(sid):
    """Processes of session `sid` (the case's mpirun and everything it started), found in /proc."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            text = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2:].split()
        if int(fields[3]) == sid and int(d) != sid:
            out.append(int(d))
    return out


def crossmf_pids(codes, np_):
    pids = []
    for r in range(np_):
        try:
            pids.append(int(open(f"{codes}/pid.{r}").read()))
        except (OSError, ValueError):
            pass
    return pids


def snapshot(paths):
    """path -> ("file", sha256) / ("special", mode) / ("folder",) of every path and what is below."""
    out = {}

    def one(p):
        try:
            st = os.lstat(p)
        except OSError:
            return
        if stat.S_ISLNK(st.st_mode):
            out[p] = ("link", os.readlink(p))
        elif stat.S_ISREG(st.st_mode):
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            out[p] = ("file", h.hexdigest())
        elif stat.S_ISDIR(st.st_mode):
            out[p] = ("folder",)
            for name in os.listdir(p):
                one(os.path.join(p, name))
        else:
            out[p] = ("special", stat.S_IFMT(st.st_mode))
    for p in paths:
        one(p)
    return out


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def setup(case_dir, ops, subst):
    for op, *args in ops:
        args = [subst(a) for a in args]
        if op == "copy":
            shutil.copyfile(args[0], args[1])
        elif op == "symlink":
            os.symlink(args[0], args[1])
        elif op == "hardlink":
            os.link(args[0], args[1])
        elif op == "mkdir":
            os.makedirs(args[0], exist_ok=True)
        elif op == "mkfifo":
            os.mkfifo(args[0])
        elif op == "write":
            with open(args[0], "w", encoding="utf-8") as f:
                f.write(args[1])
        elif op == "stale":  # a temporary file of crossmf's pattern, left by an earlier run
            with open(args[0], "wb") as f:
                f.write(b"\x89HDF\r\n\x1a\n partial")
            old = time.time() - 3600
            os.utime(args[0], (old, old))
        else:
            raise ValueError(op)


def checkpoint_ok(path):
    try:
        with h5py.File(path, "r") as f:
            fmt = f.attrs["format"]
            fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
            return fmt == "crossmf-checkpoint" and int(f.attrs["iteration"]) >= 1
    except (OSError, KeyError):
        return False


def output_format(path):
    try:
        with h5py.File(path, "r") as f:
            fmt = f.attrs["format"]
            return fmt.decode() if isinstance(fmt, bytes) else fmt
    except (OSError, KeyError):
        return None


def run_case(case, data, work, crossmf, mpiexec, host):
    name, np_ = case["name"], case["np"]
    case_dir = os.path.join(work, name)
    codes = os.path.join(work, name + ".codes")
    shutil.rmtree(case_dir, ignore_errors=True)
    shutil.rmtree(codes, ignore_errors=True)
    os.makedirs(case_dir)
    os.makedirs(codes)
    shutil.copyfile(os.path.join(data, "prev.h5"), os.path.join(case_dir, "out.h5"))
    pid = str(dead_pid())

    def subst(s):
        return s.replace("{data}", data).replace("{case}", case_dir).replace("{deadpid}", pid).replace("{host}", host)
    setup(case_dir, case["setup"], subst)
    args = [subst(a) for a in case["args"]]
    written = {os.path.join(case_dir, subst(w)) for w in case["written"]}
    named = [a for a in args if a.startswith("/") and os.path.lexists(a)]
    before = snapshot([case_dir] + named)
    env = dict(os.environ, **case.get("env", {}))
    cmd = [mpiexec, "--oversubscribe", "--bind-to", "none", "--mca", "orte_abort_on_non_zero_status", "0", "-np",
           str(np_), "bash", os.path.join(work, "rank.sh"), codes, crossmf] + args
    problems = []
    start = time.monotonic()
    with open(os.path.join(codes, "mpirun.out"), "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        sig = case.get("signal")
        if sig:
            send_signal(proc, sig, codes, np_, start, problems)
        try:
            proc.wait(timeout=max(1, TIMEOUT - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            problems.append(f"no exit within {TIMEOUT} s (a hang?)")
    seconds = time.monotonic() - start
    # Nothing of the case may outlive mpirun for long.
    deadline = time.monotonic() + 5
    while session_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = session_pids(proc.pid)
    if left:
        problems.append(f"{len(left)} processes still running after mpirun")
        for p in left + [proc.pid]:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        proc.wait()
    if seconds > TIMEOUT:
        problems.append(f"took {seconds:.1f} s")

    # Exit codes of the ranks.
    recorded = {}
    for r in range(np_):
        try:
            recorded[r] = int(open(f"{codes}/rank.{r}").read())
        except (OSError, ValueError):
            pass
    want = case["code"]
    # mpirun terminated with SIGTERM or SIGINT kills the other ranks as soon as one has exited: the
    # wrappers of the others may die before they record what their rank did.
    killed_by_mpirun = sig and sig["to"] == "mpirun" and sig["sig"] in ("TERM", "INT")
    if want is not None:
        for r in range(np_):
            if r in recorded and recorded[r] != want:
                problems.append(f"rank {r} exited with {recorded[r]}, expected {want}")
            elif r not in recorded and not killed_by_mpirun:
                problems.append(f"rank {r} did not exit by itself")
        if killed_by_mpirun and not recorded:
            problems.append("no rank recorded its exit code")

    # Messages.
    text = ""
    for r in range(np_):
        try:
            text += open(f"{codes}/err.{r}", errors="replace").read()
        except OSError:
            pass
    mpirun_text = open(os.path.join(codes, "mpirun.out"), errors="replace").read()
    errors = [line for line in text.splitlines() if line.startswith("crossmf: error:")]
    if want not in (0, None):
        if len(errors) != 1:
            problems.append(f"{len(errors)} 'crossmf: error:' lines, expected 1: {errors[:3]}")
        elif not re.search(case["pattern"], errors[0]):
            problems.append(f"message does not match /{case['pattern']}/: {errors[0]}")
        elif not re.search(case["fix_verb"], errors[0], re.I):
            problems.append(f"message says no fix: {errors[0]}")
    elif want == 0 and errors:
        problems.append(f"error on success: {errors[0]}")
    crash = CRASH.search(text) or CRASH.search(mpirun_text)
    if crash:
        line = next(l for l in (text + "\n" + mpirun_text).splitlines() if CRASH.search(l))
        problems.append(f"crash text: {line.strip()[:200]}")

    # Files.
    after = snapshot([case_dir] + named)
    for p, was in before.items():
        if p in written:
            continue
        now = after.get(p)
        if now != was:
            problems.append(f"{os.path.relpath(p, work) if p.startswith(work) else p} changed ({was[0]} -> "
                            f"{now[0] if now else 'gone'})")
    # A follow-up run (after a kill that no handler could see) must succeed and clear what is left.
    if case.get("then"):
        second = os.path.join(work, name + ".then")
        shutil.rmtree(second, ignore_errors=True)
        os.makedirs(second)
        cmd2 = cmd[: cmd.index(codes)] + [second, crossmf] + [subst(a) for a in case["then"]]
        with open(os.path.join(second, "mpirun.out"), "wb") as log:
            rc = subprocess.run(cmd2, stdout=log, stderr=subprocess.STDOUT, env=env, timeout=TIMEOUT).returncode
        if rc != 0:
            problems.append(f"the run after it exited with {rc}")
        shutil.rmtree(second, ignore_errors=True)
        after = snapshot([case_dir] + named)
    for p in after:
        base = os.path.basename(p)
        if ".tmp." in base and p not in before:
            problems.append(f"temporary file left: {base}")
        elif p not in before and p not in written and not p.startswith(codes):
            problems.append(f"unexpected new file: {os.path.relpath(p, work)}")
    for ds, ids in case.get("expect_ids", {}).items():
        try:
            with h5py.File(os.path.join(case_dir, "out.h5"), "r") as f:
                got = sorted(x.decode() if isinstance(x, bytes) else str(x) for x in f[ds][()])
        except (OSError, KeyError) as e:
            got = [f"<{e}>"]
        if got != sorted(ids):
            problems.append(f"{ds} holds {got}, expected {sorted(ids)}")
    for folder in (data, os.path.join(data, "cases")):
        for base in os.listdir(folder):
            if ".tmp." in base:
                problems.append(f"temporary file left beside the inputs: {base}")
                os.unlink(os.path.join(folder, base))
    for gone in case.get("gone", []):
        if os.path.lexists(subst(gone)):
            problems.append(f"{gone} should have been removed")

    # What a stop leaves: a checkpoint exactly when training had started.
    ck = os.path.join(case_dir, "ck.h5")
    if sig and "--checkpoint" in args and want is not None:
        trained = re.search(r"\] \[info\] iter +\d+/", text) is not None
        message = errors[0] if errors else ""
        before_training = re.search(r"while (opening|reading|partitioning|choosing|preparing)", message) is not None
        if before_training and os.path.exists(ck):
            problems.append("a checkpoint was written though training had not started")
        if trained and not before_training and not checkpoint_ok(ck):
            problems.append("training had started but no valid checkpoint is there")
    if want == 0 and "out.h5" in case["written"]:
        expected = {"train": "crossmf-output", "generate": "crossmf-input", "import": "crossmf-input"}.get(args[0])
        if expected and output_format(os.path.join(case_dir, "out.h5")) != expected:
            problems.append("no readable output was written")
    if sig and sig.get("twice") is None and want == 143 and os.path.exists(ck) and not checkpoint_ok(ck):
        problems.append("the checkpoint left is not a valid checkpoint")
    if not problems:
        shutil.rmtree(case_dir, ignore_errors=True)
        shutil.rmtree(codes, ignore_errors=True)
    return problems, seconds, recorded


def send_signal(proc, sig, codes, np_, start, problems):
    number = getattr(signal, "SIG" + sig["sig"])
    err0 = os.path.join(codes, "err.0")
    pattern = re.compile(sig["after"]) if sig["after"] else None
    while True:
        if proc.poll() is not None:
            problems.append(f"exited before the signal could be sent (no line /{sig['after']}/)")
            return
        if time.monotonic() - start > TIMEOUT:
            return
        if pattern is None:
            if time.monotonic() - start > 0.5:
                break
        else:
            try:
                if pattern.search(open(err0, errors="replace").read()):
                    break
            except OSError:
                pass
        time.sleep(0.01)
    targets = [proc.pid] if sig["to"] == "mpirun" else crossmf_pids(codes, np_)
    for p in targets:
        try:
            os.kill(p, number)
        except OSError:
            pass
    if sig.get("twice"):
        time.sleep(0.2)
        try:
            os.kill(proc.pid, number)
        except OSError:
            pass


def main():
    cases_file, data, work = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    only = re.compile(sys.argv[sys.argv.index("--only") + 1]) if "--only" in sys.argv else None
    crossmf = os.environ["CROSSMF"]
    mpiexec = os.environ.get("MPIEXEC", "mpirun")
    host = socket.gethostname()
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "rank.sh"), "w") as f:
        f.write(WRAPPER)
    cases = json.load(open(cases_file))
    data_before = snapshot([os.path.join(data, n) for n in sorted(os.listdir(data)) if n != "cases"])
    failed, by_class = [], {}
    t0 = time.monotonic()
    for case in cases:
        if only and not only.search(case["name"]):
            continue
        problems, seconds, recorded = run_case(case, data, work, crossmf, mpiexec, host)
        cls = by_class.setdefault(case["class"], [0, 0, set()])
        cls[0] += 1
        cls[2].add(case["np"])
        codes = ",".join(str(recorded.get(r, "-")) for r in range(case["np"]))
        if problems:
            cls[1] += 1
            failed.append(case["name"])
            print(f"FAIL {case['name']} [np={case['np']}, codes {codes}, {seconds:.1f} s] {case['target']}")
            for p in problems:
                print(f"       {p}")
        else:
            print(f"ok   {case['name']} [np={case['np']}, codes {codes}, {seconds:.1f} s]")
        sys.stdout.flush()
    if snapshot([os.path.join(data, n) for n in sorted(os.listdir(data)) if n != "cases"]) != data_before:
        failed.append("the shared inputs changed")
        print("FAIL the shared inputs (base.h5, prev.h5, checkpoints, texts) changed")
    print(f"\n{'class':<32} cases failed ranks")
    for cls, (n, bad, nps) in sorted(by_class.items()):
        print(f"{cls:<32} {n:5} {bad:6} {','.join(map(str, sorted(nps)))}")
    print(f"{sum(v[0] for v in by_class.values())} cases, {len(failed)} failed, {time.monotonic() - t0:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
