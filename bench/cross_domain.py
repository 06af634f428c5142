#!/usr/bin/python3
"""Cross-domain recommendation, measured: the latent space is shared across domains, so a user
seen only in content still gets finance and insurance recommendations.

  cross_domain.py hide INPUT.h5 HIDDEN.h5 [--fraction 0.2 --seed 1]
      copies INPUT without the finance and insurance interactions of a random fraction of users
      (those users must have some; the hidden ones are stored in /truth/cross_domain)
  cross_domain.py score HIDDEN.h5 OUTPUT.h5 [--k 10]
      recall@k of those users' finance / insurance recommendations against the hidden items,
      next to a popularity baseline (the k most interacted items of the domain, unseen by the user)
"""
import argparse

import h5py
import numpy as np


def hide(a):
    rng = np.random.default_rng(a.seed)
    with h5py.File(a.input, "r") as fi, h5py.File(a.output, "w") as fo:
        names = [n.decode() if isinstance(n, bytes) else n for n in fi["items/domain"].attrs["names"]]
        dom = fi["items/domain"][()]
        cross = np.isin(dom, [names.index(n) for n in ("finance", "insurance") if n in names])
        u, i = fi["ratings/user"][()], fi["ratings/item"][()]
        n_users = fi["ratings"].attrs["n_users"]
        has_cross = np.zeros(n_users, bool)
        has_cross[u[cross[i]]] = True
        has_content = np.zeros(n_users, bool)
        has_content[u[~cross[i]]] = True
        chosen = np.nonzero(has_cross & has_content & (rng.random(n_users) < a.fraction))[0]
        hidden = np.isin(u, chosen) & cross[i]
        for name, obj in fi.items():  # copy everything, then replace /ratings
            if name != "ratings":
                fi.copy(obj, fo, name)
        for k, v in fi.attrs.items():
            fo.attrs[k] = v
        g = fo.create_group("ratings")
        for k, v in fi["ratings"].attrs.items():
            g.attrs[k] = v
        for col in fi["ratings"]:
            g[col] = fi["ratings/" + col][()][~hidden]
        t = fo.require_group("truth").create_group("cross_domain")
        t["user"], t["item"] = u[hidden], i[hidden]
        print(f"hid {hidden.sum()} finance/insurance interactions of {len(chosen)} users")


def score(a):
    with h5py.File(a.input, "r") as fi, h5py.File(a.output, "r") as fo:
        names = [n.decode() if isinstance(n, bytes) else n for n in fi["items/domain"].attrs["names"]]
        dom = fi["items/domain"][()]
        hu, hi = fi["truth/cross_domain/user"][()], fi["truth/cross_domain/item"][()]
        u, i = fi["ratings/user"][()], fi["ratings/item"][()]
        popularity = np.bincount(i, minlength=len(dom))
        oracle = None
        if "truth/user_factors" in fi and "truth/item_popularity" in fi:
            # What the generator planted (src/model/platform.h): proposals by popularity, a
            # topic_share of them among the user's segment's topic, accepted with
            # sigmoid(accept_scale x.y + accept_shift) (and the domain mix, constant within a
            # domain): the best any recommender can rank by.
            t = fi["truth"]
            X, Y = fi["truth/user_factors"][()], fi["truth/item_factors"][()]
            scale, shift = t.attrs.get("accept_scale", 2.0), t.attrs.get("accept_shift", 0.0)
            if t.attrs.get("feedback", "implicit") == "explicit":
                scale = shift = 0.0  # explicit choices are not accepted by taste
            planted_pop = fi["truth/item_popularity"][()]
            share = t.attrs.get("topic_share", 0.0)
            topic = fi["truth/item_topic"][()] if share > 0 else np.zeros(len(dom), int)
            user_topic = fi["truth/segment_topic"][()][fi["truth/user_segment"][()]] if share > 0 else None
            topic_mass = np.bincount(topic, weights=planted_pop)
            def oracle(user):
                proposal = (1 - share) * planted_pop
                if share > 0:
                    a = user_topic[user]
                    proposal = proposal + share * planted_pop * (topic == a) / topic_mass[a]
                return np.log(proposal + 1e-30) - np.log1p(np.exp(-(scale * (Y @ X[user]) + shift)))
        for name in ("finance", "insurance"):
            if name not in names:
                continue
            d = names.index(name)
            recs = fo[f"recommendations/{name}/items"][()][:, : a.k]
            in_domain = dom[hi] == d
            users = np.unique(hu[in_domain])
            ranked = np.argsort(-popularity[dom == d], kind="stable")
            domain_items = np.nonzero(dom == d)[0][ranked]
            model, base, best = [], [], []
            for user in users:
                truth = set(hi[in_domain & (hu == user)])
                seen = set(i[u == user])
                pop = [x for x in domain_items if x not in seen][: a.k]
                model.append(len(truth & set(recs[user])) / len(truth))
                base.append(len(truth & set(pop)) / len(truth))
                if oracle is not None:
                    sc = oracle(user)
                    cand = [x for x in np.nonzero(dom == d)[0][np.argsort(-sc[dom == d], kind="stable")] if x not in seen][: a.k]
                    best.append(len(truth & set(cand)) / len(truth))
            print(f"{name}: {len(users)} users with hidden {name} interactions: recall@{a.k} "
                  f"model {np.mean(model):.4f}, popularity baseline {np.mean(base):.4f} "
                  f"({np.mean(model) / max(np.mean(base), 1e-12):.2f}x)"
                  + (f", planted-model oracle {np.mean(best):.4f}" if best else ""))


p = argparse.ArgumentParser()
sub = p.add_subparsers(dest="cmd", required=True)
h = sub.add_parser("hide")
h.add_argument("input")
h.add_argument("output")
h.add_argument("--fraction", type=float, default=0.2)
h.add_argument("--seed", type=int, default=1)
s = sub.add_parser("score")
s.add_argument("input")
s.add_argument("output")
s.add_argument("--k", type=int, default=10)
a = p.parse_args()
hide(a) if a.cmd == "hide" else score(a)
