#!/usr/bin/python3
"""Turns a crossmf output file into one self-contained HTML page a manager opens, and its charts.

usage: /usr/bin/python3 tools/report.py OUTPUT.h5 [FOLDER] [--lift LIFT.h5]   (default folder: report/)

Writes FOLDER/report.html (charts embedded as PNG, styles inline: nothing is fetched when it is
opened, so it can be mailed) and the charts beside it as convergence.png, segments.png,
recommendations.png, risk.png, audiences.png and, with --lift (a `crossmf lift` file), lift.png.
Every number on the page is read or computed from the files given. Parts the output lacks (no
risk model, no domains, no audiences) are said to be missing, not drawn.
Needs Debian's python3-h5py and python3-matplotlib (call /usr/bin/python3 explicitly).
"""
import argparse
import base64
import datetime
import html
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MISSING = "not in this output"


# ---------------------------------------------------------------- formatting

def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def num(x, digits=3):
    """A number for the page: integers with thousands separators, NaN as a dash."""
    if x is None:
        return "&ndash;"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    x = float(x)
    if np.isnan(x):
        return "&ndash;"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.{digits}g}"


def pct(x, digits=1):
    return "&ndash;" if x is None or np.isnan(x) else f"{100 * x:.{digits}f}%"


def fixed(x, digits=2):
    return "&ndash;" if np.isnan(x) else f"{x:.{digits}f}"


def p_value(x):
    return "&ndash;" if np.isnan(x) else "&lt; 0.0001" if x < 1e-4 else f"{x:.2g}"


def pp(x):
    """An absolute difference of two rates, in percentage points."""
    return "&ndash;" if np.isnan(x) else f"{100 * x:+.2f} pp"


def table(headers, rows, numeric_from=1):
    """An HTML table; cells are already HTML. Columns from `numeric_from` on are right-aligned."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td{" class=n" if k >= numeric_from else ""}>{c}</td>' for k, c in enumerate(r))
                   + "</tr>\n" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n"


def img(path, alt):
    with open(path, "rb") as fh:
        data = base64.b64encode(fh.read()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">\n'


def section(sid, title, body):
    return f'<section><h2 id="{sid}">{html.escape(title)}</h2>\n{body}</section>\n'


def missing(what):
    return f'<p class="missing">{html.escape(what)}: {MISSING}.</p>\n'


def save(fig, out):
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------- reading the output

def segment_names(f, n):
    """Each segment's number and, when the output has them, its generated label."""
    if "profiles/segments/label" not in f or len(f["profiles/segments/label"]) != n:
        return [str(s) for s in range(n)]
    return [f"{s}: {text(v)}" for s, v in enumerate(f["profiles/segments/label"][()])]


def domain_names(f):
    for path in ("profiles/domain_share", "items/domain"):
        if path in f and "names" in f[path].attrs:
            return [text(n) for n in f[path].attrs["names"]]
    return []


def item_ids(f):
    return [text(v) for v in f["items/id"][()]] if "items/id" in f else None


def counts(f):
    """Users and items of the model; held-out ratings and metrics from /metrics' attributes."""
    users = f["model/user_factors"].shape[0] if "model/user_factors" in f else len(f["profiles/activity"])
    items = f["model/item_factors"].shape[0] if "model/item_factors" in f else None
    m = dict(f["metrics"].attrs) if "metrics" in f else {}
    return users, items, m


def audience_members(f):
    """Per domain of /audiences: (products, members [P, A] or -1, control flags [P, A])."""
    if "audiences" not in f:
        return {}
    return {d: (f[f"audiences/{d}/items"][()], f[f"audiences/{d}/users"][()], f[f"audiences/{d}/control"][()] == 1)
            for d in f["audiences"]}


# ---------------------------------------------------------------- charts (PNG files)

def convergence(f, out):
    if "metrics/history" not in f:
        return False
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
    save(fig, out)
    return True


def segments(f, out):
    if "profiles/segments/size" not in f:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.text(0.5, 0.5, "no segments", ha="center")
        save(fig, out)
        return False
    size = f["profiles/segments/size"][()]
    names_x = segment_names(f, len(size))
    fig, ax = plt.subplots(1, 2, figsize=(12, 5))
    ax[0].bar(np.arange(len(size)), size)
    ax[0].set(title="Users per segment", xlabel="segment", ylabel="users")
    lift_path = "profiles/segments/domain_lift"
    if lift_path in f:  # lift against all users: a segment's difference shows, where shares look alike
        lift = f[lift_path][()]
        names = [text(n) for n in f[lift_path].attrs["names"]]
        width = 0.8 / len(names)
        for d, name in enumerate(names):  # bars start at 1 so that leaning towards or away shows
            ax[1].bar(np.arange(len(size)) + (d - (len(names) - 1) / 2) * width, lift[:, d] - 1, width, bottom=1,
                      label=name)
        ax[1].axhline(1, color="grey", linestyle="--")
        ax[1].set(title="Domain share against all users (1 = as everyone)", xlabel="segment", ylabel="lift")
        ax[1].legend()
    elif "profiles/segments/domain_mix" in f:
        mix = f["profiles/segments/domain_mix"][()]
        names = [text(n) for n in f["profiles/segments/domain_mix"].attrs["names"]]
        bottom = np.zeros(len(size))
        for d, name in enumerate(names):
            ax[1].bar(np.arange(len(size)), mix[:, d], bottom=bottom, label=name)
            bottom += mix[:, d]
        ax[1].set(title="Domain mix of each segment's interactions", xlabel="segment", ylabel="share")
        ax[1].legend()
    else:
        ax[1].set_axis_off()
    for a in ax:
        a.set_xticks(np.arange(len(size)))
        a.set_xticklabels(names_x, rotation=30, ha="right", fontsize=7)
    save(fig, out)
    return True


def recommendation_lists(f):
    """Per domain list of /recommendations, one list in memory at a time: which users have any
    recommendation [U], each user's best score [U] and the mean score. Fallback users' scores are
    left out: theirs are popularity counts, not predictions, and would swamp every mean."""
    if "recommendations" not in f:
        return {}
    g = f["recommendations"]
    fallback = g["fallback"][()] == 1 if "fallback" in g else np.zeros(0, bool)
    lists = {}
    for name in g:
        if isinstance(g[name], h5py.Group) and name != "all":
            scores = g[f"{name}/scores"][()]
            scores[fallback] = np.nan
            mean = np.nanmean(scores, dtype=np.float64) if not np.isnan(scores).all() else np.nan
            lists[name] = ((g[f"{name}/items"][()] >= 0).any(axis=1), scores[:, 0].copy(), mean)
    return lists


def recommendations(f, lists, out):
    if not lists:
        return False
    names = list(lists)
    reached = [np.sum(has) for has, _, _ in lists.values()]
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    ax[0].bar(names, reached, color="tab:blue")
    ax[0].set(title="Users with recommendations, per domain", ylabel="users")
    tops = {name: top[~np.isnan(top)] for name, (_, top, _) in lists.items()}
    every = np.concatenate(list(tops.values()))
    span = np.percentile(every, [0.5, 99.5]) if len(every) else (0, 1)
    for name, top in tops.items():
        ax[1].hist(top, bins=40, range=span, histtype="step", linewidth=1.5, label=name)
    ax[1].set(title="Best predicted score per user (middle 99%)", xlabel="score", ylabel="users")
    ax[1].legend()
    save(fig, out)
    return True


def risk(f, out):
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    if "risk/score" not in f:
        ax[0].text(0.5, 0.5, f["risk"].attrs.get("status", "no risk model") if "risk" in f else "no risk model",
                   ha="center")
        save(fig, out)
        return False
    score = f["risk/score"][()]
    thr = f["risk"].attrs["threshold"]
    ax[0].hist(score, bins=40)
    ax[0].axvline(thr, color="red", label=f"threshold {thr:g}")
    ax[0].set(title=f"Risk scores ({np.mean(score >= thr):.1%} above threshold)", xlabel="probability", ylabel="users")
    ax[0].legend()
    pred, obs = f["risk/reliability/predicted"][()], f["risk/reliability/observed"][()]
    n = f["risk/reliability/count"][()]
    ax[1].plot([0, 1], [0, 1], color="grey", linestyle="--")
    ax[1].plot(pred, obs)
    # marker area by users in the bin: a bin of one user says little, and should look it
    ax[1].scatter(pred, obs, s=10 + 300 * n / max(1, n.max()), alpha=0.7, label="bins (area: users)")
    ax[1].legend(loc="upper left")
    a = f["risk"].attrs
    ax[1].set(title=f"Calibration on held-out users (AUC {a['auc']:.3f}, Brier {a['brier']:.3f})",
              xlabel="predicted", ylabel="observed")
    save(fig, out)
    return True


def offers_per_user(members, n_users):
    """Per user: offers to contact (audience places outside the control groups) and control places."""
    offers, held = np.zeros(n_users, np.int64), np.zeros(n_users, np.int64)
    for _, users, control in members.values():
        valid = users >= 0
        offers += np.bincount(users[valid & ~control], minlength=n_users)
        held += np.bincount(users[valid & control], minlength=n_users)
    return offers, held


def audiences(members, n_users, out):
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    if not members:
        ax[0].text(0.5, 0.5, "no finance or insurance products", ha="center")
        save(fig, out)
        return False
    offers, _ = offers_per_user(members, n_users)
    contacted = offers[offers > 0]
    top = contacted.max() if len(contacted) else 1
    ax[0].hist(contacted, bins=np.arange(1, top + 2) - 0.5 if top <= 60 else 60)
    ax[0].set(title=f"Offers per contacted user ({len(contacted):,} users)", xlabel="offers", ylabel="users")
    names = list(members)
    x = np.arange(len(names))
    slots = [np.sum((u >= 0) & ~c) for _, u, c in members.values()]
    ctrl = [np.sum((u >= 0) & c) for _, u, c in members.values()]
    distinct = [len(np.unique(u[(u >= 0) & ~c])) for _, u, c in members.values()]
    ax[1].bar(x - 0.27, slots, 0.27, label="offers to send")
    ax[1].bar(x, ctrl, 0.27, label="control places (not sent)")
    ax[1].bar(x + 0.27, distinct, 0.27, label="distinct users contacted")
    ax[1].set_xticks(x)
    ax[1].set_xticklabels(names)
    ax[1].set(title="Audiences per domain", ylabel="count", yscale="log")
    ax[1].legend(fontsize=8)
    save(fig, out)
    return True


def lift_chart(g, seg_labels, level, out):
    """Uplift with its intervals (`level`, e.g. "95%"): overall and each segment, then every product
    by size of uplift."""
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [1, 1.4]})
    rows = [("overall", g["overall"], 0)] + [(seg_labels[k], g["segments"], k) for k in range(len(g["segments"]["uplift"]))]
    y = np.arange(len(rows))[::-1]
    mid = np.array([grp["uplift"][k] for _, grp, k in rows])
    low = np.array([grp["uplift_low"][k] for _, grp, k in rows])
    high = np.array([grp["uplift_high"][k] for _, grp, k in rows])
    ax[0].errorbar(100 * mid, y, xerr=100 * np.abs(np.vstack([mid - low, high - mid])), fmt="o", capsize=3)
    ax[0].axvline(0, color="grey", linestyle="--")
    ax[0].set_yticks(y)
    ax[0].set_yticklabels([r[0] for r in rows], fontsize=8)
    ax[0].set(title=f"Uplift, contacted against control ({level} interval)", xlabel="percentage points")
    p = g["products"]
    order = np.argsort(p["uplift"])
    x = np.arange(len(order))
    ax[1].fill_between(x, 100 * p["uplift_low"][order], 100 * p["uplift_high"][order], alpha=0.3, label=f"{level} interval")
    ax[1].plot(x, 100 * p["uplift"][order], label="uplift")
    ax[1].axhline(0, color="grey", linestyle="--")
    ax[1].set(title=f"Uplift of each of {len(order)} products, smallest to largest", xlabel="product (ranked)",
              ylabel="percentage points")
    ax[1].legend()
    save(fig, out)


# ---------------------------------------------------------------- page sections

def kpis(f, members):
    users, items, m = counts(f)
    cards = [("users", num(users)), ("items", num(items))]
    if "profiles/activity" in f:
        cards.append(("ratings (training + held out)", num(int(f["profiles/activity"][()].sum()))))
    cards.append(("ratings held out", num(int(m["held_out_ratings"])) if "held_out_ratings" in m else MISSING))
    k = int(m["k"]) if "k" in m else None
    for name in ("rmse", "mae", "precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "auc"):
        if name in m:
            label = name.replace("_at_k", f"@{k}" if k else "@k").replace("_", " ")
            cards.append((f"held-out {label}", num(m[name])))
    cards.append(("risk AUC (held-out users)", num(f["risk"].attrs["auc"]) if "risk/score" in f else MISSING))
    n_products = sum(len(p) for p, _, _ in members.values())
    cards.append(("audiences (products)", num(n_products) if members else MISSING))
    if members:
        offers, _ = offers_per_user(members, users)
        cards.append(("users to contact", num(int(np.sum(offers > 0)))))
    body = '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{v}</div><div class="k">{html.escape(k)}</div></div>' for k, v in cards)
    return section("kpis", "Key figures", body + "</div>\n")


def segments_section(f, chart):
    if "profiles/segments/size" not in f:
        return section("segments", "Segments", missing("Segments"))
    g = f["profiles/segments"]
    size = g["size"][()]
    n = len(size)
    labels = [text(v) for v in g["label"][()]] if "label" in g else ["\u2013"] * n
    col = {c: g[c][()] for c in ("activity", "risk") if c in g}
    lift = g["domain_lift"][()] if "domain_lift" in g else None
    dnames = [text(v) for v in g["domain_lift"].attrs["names"]] if lift is not None else []
    ids = item_ids(f)
    headers = ["segment", "label", "users", "share"] + [c for c in ("activity", "risk") if c in col]
    headers += [f"{html.escape(d)} lift" for d in dnames] + (["top items"] if "top_items" in g and ids else [])
    rows = []
    for s in range(n):
        r = [str(s), html.escape(labels[s]), num(int(size[s])), pct(size[s] / max(1, size.sum()))]
        r += [num(col["activity"][s])] if "activity" in col else []
        r += [num(col["risk"][s])] if "risk" in col else []
        r += [fixed(lift[s, d]) for d in range(len(dnames))]
        if "top_items" in g and ids:
            r.append(html.escape(", ".join(ids[i] for i in g["top_items"][s][:5] if i >= 0)))
        rows.append(r)
    note = "<p>Activity: mean ratings per user" + ("; risk: mean risk score" if "risk" in col else "")
    note += ("; domain lift: the segment's share of interactions in a domain over that of all segmented users "
             "(above 1: leans to it)" if dnames else "") + ".</p>\n"
    return section("segments", "Segments", note + table(headers, rows, numeric_from=2)
                   + (img(chart, "segments") if chart else ""))


def config_value(f, key):
    """One option of the run, from the INI text in the root attribute `config`."""
    for line in text(f.attrs.get("config", "")).splitlines():
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.strip()
    return None


def recommendations_section(f, lists, chart):
    title = "Cross-domain recommendations"
    if not lists:
        return section("recommendations", title, missing("Recommendations per domain"))
    users = counts(f)[0]
    share = f["profiles/domain_share"][()] if "profiles/domain_share" in f else None
    dnames = domain_names(f)
    risky = f["risk/score"][()] >= f["risk"].attrs["threshold"] if "risk/score" in f else None
    rows = []
    for name, (has, top, mean) in lists.items():
        new = "&ndash;"
        if share is not None and name in dnames:  # users who never used the domain: the cross-sell
            new = num(int(np.sum(has & (share[:, dnames.index(name)] == 0))))
        rows.append([html.escape(name), num(int(has.sum())), pct(has.mean()), new, num(int(np.sum(~has))),
                     num(int(np.sum(~has & risky))) if risky is not None else "&ndash;",
                     num(mean), num(np.nanmean(top, dtype=np.float64)) if not np.isnan(top).all() else "&ndash;"])
    body = table(["domain list", "users with recommendations", "of all users", "of them new to the domain",
                  "users without", "of them at or above the risk threshold", "mean score", "mean best score"], rows)
    notes = []
    if "recommendations/fallback" in f:
        notes.append(f"{num(int(f['recommendations/fallback'][()].sum()))} of {num(users)} users have no training "
                     "ratings and get the most popular items; their scores (popularity) are left out of the means.")
    gating = config_value(f, "gating")
    if gating:
        notes.append(f"Risk gating of finance and insurance products in this run: <code>gating = {html.escape(gating)}</code>.")
    if "recommendations/gated" in f:
        notes.append(f"{num(int(f['recommendations/gated'][()].sum()))} users are flagged not to be offered finance "
                     "or insurance products.")
    body += "".join(f"<p>{n}</p>\n" for n in notes)
    body += ("<p class=\"missing\">Held-out quality per domain (recall against a popularity baseline): "
             f"{MISSING}; the output holds held-out metrics for all items together (Key figures). "
             "<code>bench/cross_domain.sh</code> measures it on hidden finance and insurance interactions.</p>\n")
    return section("recommendations", title, body + (img(chart, "recommendations") if chart else ""))


def audiences_section(f, members, chart):
    if not members:
        return section("audiences", "Audiences and offers per user", missing("Audiences"))
    users = counts(f)[0]
    score = f["risk/score"][()] if "risk/score" in f else None
    thr = f["risk"].attrs["threshold"] if score is not None else None
    rows = []
    for d, (products, u, c) in members.items():
        valid = u >= 0
        risky = num(int(np.sum(score[u[valid]] >= thr))) if score is not None else "&ndash;"
        rows.append([html.escape(d), num(len(products)), num(int(np.sum(valid & ~c))), num(int(np.sum(valid & c))),
                     pct(np.sum(valid & c) / max(1, valid.sum())), num(len(np.unique(u[valid & ~c]))), risky])
    offers, held = offers_per_user(members, users)
    contacted = offers[offers > 0]
    every = sum(np.sum(u >= 0) for _, u, _ in members.values())
    ctrl = sum(np.sum((u >= 0) & c) for _, u, c in members.values())
    rows.append(["all", num(sum(len(p) for p, _, _ in members.values())), num(int(offers.sum())), num(int(held.sum())),
                 pct(ctrl / max(1, every)), num(len(contacted)), "&ndash;"])
    body = table(["domain", "products", "offers to send", "control places", "control share", "distinct users contacted",
                  "members at or above the risk threshold"], rows)
    if len(contacted):
        body += (f"<p>{num(len(contacted))} of {num(users)} users ({pct(len(contacted) / users)}) get at least one offer; "
                 f"offers per contacted user: mean {fixed(contacted.mean(), 1)}, median {num(float(np.median(contacted)))}, "
                 f"most {num(int(contacted.max()))}. {num(int(np.sum((held > 0) & (offers == 0))))} users are only in "
                 "control groups.</p>\n")
    return section("audiences", "Audiences and offers per user", body + (img(chart, "audiences") if chart else ""))


def risk_section(f, chart):
    if "risk/score" not in f:
        status = text(f["risk"].attrs.get("status", "")) if "risk" in f else ""
        return section("risk", "Risk", missing("Risk scores") + (f"<p>Status: {html.escape(status)}</p>\n" if status else ""))
    a = f["risk"].attrs
    tier = f["risk/tier"][()]
    thr = float(a["threshold"])
    body = table(["model", "AUC", "KS", "Gini", "Brier", "users fitted on", "users held out"],
                 [[html.escape(text(a.get("status", ""))), num(a["auc"]), num(a["ks"]), num(a["gini"]), num(a["brier"]),
                   num(int(a["n_fit"])), num(int(a["n_held_out"]))]])
    bounds = {0: f"below {thr / 2:g}", 1: f"{thr / 2:g} to {thr:g}", 2: f"{thr:g} and above", -1: ""}
    names = [text(n) for n in f["risk/tier"].attrs.get("names", ["low", "medium", "high"])]
    rows = [[names[t] if 0 <= t < len(names) else str(t), bounds.get(t, ""), num(int(np.sum(tier == t))), pct(np.mean(tier == t))]
            for t in sorted(set(tier.tolist()))]
    body += "<h3>Tiers</h3>\n" + table(["tier", "score", "users", "share"], rows, numeric_from=2)
    r = f["risk/reliability"]
    rel = [[num(p), num(o), num(int(c))] for p, o, c in zip(r["predicted"][()], r["observed"][()], r["count"][()]) if c > 0]
    body += "<h3>Calibration on held-out users</h3>\n" + table(["mean predicted", "observed rate", "users"], rel, numeric_from=0)
    return section("risk", "Risk", body + (img(chart, "risk") if chart else ""))


def read_lift(path):
    with h5py.File(path, "r") as lf:
        if lf.attrs.get("format") != "crossmf-lift":
            sys.exit(f"{path}: not a crossmf lift file (format attribute is not crossmf-lift)")
        if lf.attrs.get("format_version") != 1:
            sys.exit(f"{path}: lift format_version {lf.attrs.get('format_version')} is not 1; update tools/report.py")
        g = {k: {c: lf[f"lift/{k}/{c}"][()] for c in lf[f"lift/{k}"]} for k in ("products", "segments", "overall")}
        g["attrs"] = {k: v for k, v in lf["lift"].attrs.items()}
    return g


def lift_rows(g, keys):
    return [[html.escape(key), num(int(g["contacted"][k])), pct(g["contacted_rate"][k], 2), num(int(g["control"][k])),
             pct(g["control_rate"][k], 2), pp(g["uplift"][k]),
             f"{pp(g['uplift_low'][k])} to {pp(g['uplift_high'][k])}", pct(g["relative_uplift"][k]), p_value(g["p_value"][k])]
            for k, key in keys]


def lift_section(f, output, lift, folder):
    title = "Campaign lift"
    if lift is None:
        return section("lift", title, (
            '<p class="missing">No lift file given. After the campaign, measure it against the control groups with '
            f"<code>crossmf lift --audiences {html.escape(output)} --outcomes OUTCOMES.csv --output LIFT.h5</code> "
            f"and run <code>tools/report.py {html.escape(output)} {html.escape(folder)} --lift LIFT.h5</code>.</p>\n"))
    path, g = lift
    a = g["attrs"]
    level = f"{100 * float(a['confidence']):g}%"
    seg_labels = segment_names(f, len(g["segments"]["uplift"]))
    chart = os.path.join(folder, "lift.png")
    lift_chart(g, seg_labels, level, chart)
    headers = ["group", "contacted", "conversion", "control", "conversion", "uplift", f"{level} interval", "relative",
               "p-value"]
    measured = text(a.get("audiences", ""))
    body = (f"<p>From <code>{html.escape(path)}</code>: outcomes <code>{html.escape(text(a.get('outcomes', '')))}</code> "
            f"against the audiences of <code>{html.escape(measured)}</code>; "
            f"{num(int(a.get('outcome_rows', 0)))} outcome rows.</p>\n")
    if os.path.realpath(measured) != os.path.realpath(output):  # a lift of another run has other segments
        body += (f'<p class="missing">The lift file measured <code>{html.escape(measured)}</code>, not this report\'s '
                 f"<code>{html.escape(output)}</code>: segment labels are this output's.</p>\n")
    body += table(headers, lift_rows(g["overall"], [(0, "overall")]) + lift_rows(g["segments"], enumerate(seg_labels)))
    p = g["products"]
    up, low, high = p["uplift"], p["uplift_low"], p["uplift_high"]
    body += (f"<p>{num(len(up))} products: {num(int(np.sum(low > 0)))} with an uplift whose {level} interval lies above zero, "
             f"{num(int(np.sum(high < 0)))} below zero, {num(int(np.sum(~(low > 0) & ~(high < 0))))} undecided.</p>\n")
    ids = [text(v) for v in p["id"]]
    domains = [text(v) for v in p["domain"]]
    best = list(np.argsort(-np.nan_to_num(up, nan=-np.inf))[:10])
    body += f"<h3>The {len(best)} largest product uplifts</h3>\n" + table(
        headers, lift_rows(p, [(k, f"{ids[k]} ({domains[k]})") for k in best]))
    return section("lift", title, body + img(chart, "campaign lift"))


# ---------------------------------------------------------------- the page

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 1200px;
       color: #222; padding: 0 1em; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #4a78b0; padding-bottom: 0.2em; margin-top: 2em; }
.meta { color: #666; font-size: 0.9em; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; }
.card { background: #f2f6fb; border-radius: 6px; padding: 0.8em 1.2em; min-width: 10em; }
.card .v { font-size: 1.5em; font-weight: 600; } .card .k { color: #555; font-size: 0.85em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; }
th { background: #f2f6fb; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; display: block; margin: 0.8em 0; }
.missing { color: #8a5a00; background: #fff6e0; padding: 0.5em 0.8em; border-radius: 4px; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


def page(f, output, folder, lift):
    charts = {}
    for name, draw in (("convergence", lambda o: convergence(f, o)), ("segments", lambda o: segments(f, o))):
        charts[name] = draw(os.path.join(folder, f"{name}.png"))
    lists = recommendation_lists(f)
    members = audience_members(f)
    charts["recommendations"] = recommendations(f, lists, os.path.join(folder, "recommendations.png"))
    charts["risk"] = risk(f, os.path.join(folder, "risk.png"))
    charts["audiences"] = audiences(members, counts(f)[0], os.path.join(folder, "audiences.png"))
    chart = {k: os.path.join(folder, f"{k}.png") if ok else None for k, ok in charts.items()}
    a = f.attrs
    head = (f"<h1>crossmf report</h1>\n<p class=\"meta\">Output <code>{html.escape(output)}</code>, written "
            f"{html.escape(text(a.get('created_utc', '?')))} by crossmf {html.escape(text(a.get('crossmf_version', '?')))} "
            f"on {num(int(a.get('n_ranks', 0)))} ranks; input {html.escape(text(a.get('input_fingerprint', '?')))}. "
            f"Report made {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.</p>\n")
    training = section("training", "Training", img(chart["convergence"], "convergence") if chart["convergence"]
                       else missing("Training history"))
    config = f"<details><summary>Run configuration</summary><pre>{html.escape(text(a.get('config', '')))}</pre></details>\n"
    body = (head + kpis(f, members) + segments_section(f, chart["segments"])
            + recommendations_section(f, lists, chart["recommendations"])
            + audiences_section(f, members, chart["audiences"]) + risk_section(f, chart["risk"])
            + lift_section(f, output, lift, folder) + training + config)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>crossmf report</title>\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"), [k for k, ok in charts.items()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output", metavar="OUTPUT.h5", help="a crossmf output file")
    ap.add_argument("folder", metavar="FOLDER", nargs="?", default="report", help="where to write (default: report)")
    ap.add_argument("--lift", metavar="LIFT.h5", help="a file written by crossmf lift on this output's audiences")
    args = ap.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    lift = (args.lift, read_lift(args.lift)) if args.lift else None
    with h5py.File(args.output, "r") as f:
        if f.attrs.get("format") != "crossmf-output":
            sys.exit(f"{args.output}: not a crossmf output file")
        text_, charts = page(f, args.output, args.folder, lift)
    for name in charts + (["lift"] if lift else []):
        print("wrote", os.path.join(args.folder, name + ".png"))
    out = os.path.join(args.folder, "report.html")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text_)
    print("wrote", out)


if __name__ == "__main__":
    main()
