"""Top-10 ranking metrics shared by bench/accuracy's independent scripts: every item not
rated in training is a candidate, ties broken by the smaller item row."""
import numpy as np


def ranking_metrics(scores, train_u, train_i, test_u, test_i, k, batch=512):
    """scores(rows) -> a [len(rows), items] array. Returns mean precision, recall and NDCG at k
    over the users with a test positive (recall: hits / their test positives)."""
    users = np.unique(test_u)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    prec = rec = ndcg = 0.0
    order = np.argsort(train_u, kind="stable")
    train_u, train_i = train_u[order], train_i[order]
    order = np.argsort(test_u, kind="stable")
    test_u, test_i = test_u[order], test_i[order]
    for b in range(0, len(users), batch):
        rows = users[b:b + batch]
        s = scores(rows)
        lo, hi = np.searchsorted(train_u, rows), np.searchsorted(train_u, rows, side="right")
        for j in range(len(rows)):
            s[j, train_i[lo[j]:hi[j]]] = -np.inf
        top = np.argsort(-s, axis=1, kind="stable")[:, :k]
        lo, hi = np.searchsorted(test_u, rows), np.searchsorted(test_u, rows, side="right")
        for j in range(len(rows)):
            positives = set(test_i[lo[j]:hi[j]].tolist())
            hits = np.array([t in positives for t in top[j]], dtype=float)
            prec += hits.sum() / k
            rec += hits.sum() / len(positives)
            ndcg += (hits * discount).sum() / discount[:min(k, len(positives))].sum()
    n = len(users)
    return prec / n, rec / n, ndcg / n
