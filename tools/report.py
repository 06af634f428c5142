#!/usr/bin/python3
"""Turns a crossmf output file into a few PNG charts a manager would look at.

usage: /usr/bin/python3 tools/report.py OUTPUT.h5 [FOLDER]     (default folder: report/)

Writes convergence.png, segments.png, risk.png and audiences.png, and prints what it wrote.
Needs Debian's python3-h5py and python3-matplotlib (call /usr/bin/python3 explicitly).
"""
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def convergence(f, out):
    h = f["metrics/history"]
    it = h["iteration"][()]
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].plot(it, h["loss"][()], marker="o")
    ax[0].set(title="Training objective", xlabel="iteration", ylabel="loss", yscale="log")
    metric = [c for c in ("rmse", "ndcg_at_k", "auc") if c in h]
    for c in metric:
        ax[1].plot(it, h[c][()], marker="o", label=c.replace("_", " "))
    if "train_rmse" in h:
        ax[1].plot(it, h["train_rmse"][()], marker=".", linestyle="--", label="train rmse")
    ax[1].set(title="Held-out quality per iteration", xlabel="iteration")
    ax[1].legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def segment_names(f, n):
    """Each segment's number and, when the output has them, its generated label."""
    if "profiles/segments/label" not in f:
        return [str(s) for s in range(n)]
    return [f"{s}: {v.decode() if isinstance(v, bytes) else v}" for s, v in enumerate(f["profiles/segments/label"][()])]


def segments(f, out):
    size = f["profiles/segments/size"][()]
    names_x = segment_names(f, len(size))
    fig, ax = plt.subplots(1, 2, figsize=(12, 5))
    ax[0].bar(np.arange(len(size)), size)
    ax[0].set(title="Users per segment", xlabel="segment", ylabel="users")
    if "profiles/segments/domain_mix" in f:
        mix = f["profiles/segments/domain_mix"][()]
        names = list(f["profiles/segments/domain_mix"].attrs["names"])
        bottom = np.zeros(len(size))
        for d, name in enumerate(names):
            ax[1].bar(np.arange(len(size)), mix[:, d], bottom=bottom, label=name)
            bottom += mix[:, d]
        ax[1].set(title="Domain mix of each segment's interactions", xlabel="segment", ylabel="share")
        ax[1].legend()
    for a in ax:
        a.set_xticks(np.arange(len(size)))
        a.set_xticklabels(names_x, rotation=30, ha="right", fontsize=7)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def risk(f, out):
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    if "risk/score" not in f:
        ax[0].text(0.5, 0.5, f["risk"].attrs.get("status", "no risk model"), ha="center")
    else:
        score = f["risk/score"][()]
        thr = f["risk"].attrs["threshold"]
        ax[0].hist(score, bins=40)
        ax[0].axvline(thr, color="red", label=f"threshold {thr:g}")
        ax[0].set(title=f"Risk scores ({np.mean(score >= thr):.1%} above threshold)", xlabel="probability", ylabel="users")
        ax[0].legend()
        pred, obs = f["risk/reliability/predicted"][()], f["risk/reliability/observed"][()]
        ax[1].plot([0, 1], [0, 1], color="grey", linestyle="--")
        ax[1].plot(pred, obs, marker="o")
        a = f["risk"].attrs
        ax[1].set(title=f"Calibration on held-out users (AUC {a['auc']:.3f}, Brier {a['brier']:.3f})",
                  xlabel="predicted", ylabel="observed")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def audiences(f, out):
    fig, ax = plt.subplots(figsize=(10, 4))
    if "audiences" not in f:
        ax.text(0.5, 0.5, "no finance or insurance products", ha="center")
    else:
        labels, target, control = [], [], []
        for d in f["audiences"]:
            users, ctrl = f[f"audiences/{d}/users"][()], f[f"audiences/{d}/control"][()]
            for p, item in enumerate(f[f"audiences/{d}/items"][()]):
                valid = users[p] >= 0
                labels.append(f"{d[:3]} {item}")
                target.append(np.sum(valid & (ctrl[p] == 0)))
                control.append(np.sum(valid & (ctrl[p] == 1)))
        x = np.arange(len(labels))
        ax.bar(x, target, label="to contact")
        ax.bar(x, control, bottom=target, label="control (hold out)")
        ax.set(title="Audience per product", ylabel="users")
        ax.set_xticks(x[:: max(1, len(x) // 20)])
        ax.set_xticklabels(labels[:: max(1, len(x) // 20)], rotation=60, fontsize=7)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path, folder = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "report"
    os.makedirs(folder, exist_ok=True)
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != "crossmf-output":
            sys.exit(f"{path}: not a crossmf output file")
        for name, chart in [("convergence", convergence), ("segments", segments), ("risk", risk), ("audiences", audiences)]:
            out = os.path.join(folder, name + ".png")
            chart(f, out)
            print("wrote", out)


if __name__ == "__main__":
    main()
