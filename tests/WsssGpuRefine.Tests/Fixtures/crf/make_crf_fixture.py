#!/usr/bin/python3
"""Writes crf_fixture.json: small CRF cases with two numpy references.

pydensecrf is not installable here, so this script carries its own numpy rendering of what
pydensecrf computes (densecrf/src/permutohedral.cpp, pairwise.cpp, densecrf.cpp, utils.py as read
from lucasb-eyer/pydensecrf; written from the algorithm, not copied):

* ``lattice``: the permutohedral lattice in float32 -- elevation with scale sqrt(2/3)(d+1), the
  nearest remainder-0 point by round-half-even, simplex rank, barycentric weights, vertices keyed
  by their first d coordinates in order of first appearance; serial scatter splat, one
  [0.5, 1, 0.5] blur per axis 0..d (missing neighbours are zero), slice with alpha = 1/(1+2^-d).
  Symmetric normalisation norm = 1/sqrt(K.1 + 1e-20) before and after, Potts: logits are
  -U + sum_k w_k * Knorm_k Q.  The C# CRF must match this to float rounding.
* ``exact``: the same mean field with exact Gaussian kernels over all pairs in float64, which the
  lattice only approximates.

Run: /usr/bin/python3 make_crf_fixture.py   (numpy only; deterministic)
"""
import json
import os

import numpy as np


def elevate_and_corners(features):
    n, d = features.shape
    d1 = d + 1
    inv_std = np.float32(np.sqrt(2.0 / 3.0) * d1)
    scale = np.array([np.float32(1.0 / np.sqrt((i + 2) * (i + 1)) * inv_std) for i in range(d)], np.float32)
    keys = np.zeros((n, d1, d), np.int64)
    bary_all = np.zeros((n, d1), np.float32)
    down = np.float32(1.0) / np.float32(d1)
    for p in range(n):
        f = features[p]
        elevated = np.zeros(d1, np.float32)
        sm = np.float32(0)
        for j in range(d, 0, -1):
            cf = np.float32(f[j - 1] * scale[j - 1])
            elevated[j] = np.float32(sm - np.float32(j) * cf)
            sm = np.float32(sm + cf)
        elevated[0] = sm
        v = np.round(down * elevated).astype(np.float32)  # numpy rounds half to even
        rem0 = (v * d1).astype(np.float32)
        s = int(v.sum())
        rank = np.zeros(d1, np.int64)
        for i in range(d):
            di = elevated[i] - rem0[i]
            for j in range(i + 1, d1):
                if di < elevated[j] - rem0[j]:
                    rank[i] += 1
                else:
                    rank[j] += 1
        for i in range(d1):
            rank[i] += s
            if rank[i] < 0:
                rank[i] += d1
                rem0[i] += d1
            elif rank[i] > d:
                rank[i] -= d1
                rem0[i] -= d1
        bary = np.zeros(d + 2, np.float32)
        for i in range(d1):
            t = np.float32((elevated[i] - rem0[i]) * down)
            bary[d - rank[i]] += t
            bary[d - rank[i] + 1] -= t
        bary[0] += np.float32(1.0) + bary[d + 1]
        for r in range(d1):
            for i in range(d):
                canonical = r if rank[i] <= d - r else r - d1
                keys[p, r, i] = int(rem0[i]) + canonical
            bary_all[p, r] = bary[r]
    return keys, bary_all


class Lattice:
    def __init__(self, features):
        features = np.asarray(features, np.float32)
        self.n, self.d = features.shape
        keys, self.bary = elevate_and_corners(features)
        ids = {}
        self.offsets = np.zeros((self.n, self.d + 1), np.int64)
        for p in range(self.n):
            for r in range(self.d + 1):
                k = tuple(keys[p, r])
                if k not in ids:
                    ids[k] = len(ids)
                self.offsets[p, r] = ids[k]
        self.m = len(ids)
        d = self.d
        self.neighbours = np.full((d + 1, self.m, 2), self.m, np.int64)
        for k, v in ids.items():
            for j in range(d + 1):
                n1 = [c - 1 for c in k]
                n2 = [c + 1 for c in k]
                if j < d:
                    n1[j] = k[j] + d
                    n2[j] = k[j] - d
                self.neighbours[j, v, 0] = ids.get(tuple(n1), self.m)
                self.neighbours[j, v, 1] = ids.get(tuple(n2), self.m)
        self.alpha = np.float32(1.0) / np.float32(1.0 + 2.0 ** (-d))

    def filter(self, values):
        values = np.asarray(values, np.float32)
        v = values.shape[1]
        buf = np.zeros((self.m + 1, v), np.float32)
        for r in range(self.d + 1):
            np.add.at(buf, self.offsets[:, r], self.bary[:, r:r + 1] * values)
        for j in range(self.d + 1):
            new = buf.copy()
            new[:self.m] = buf[:self.m] + np.float32(0.5) * (buf[self.neighbours[j, :, 0]] + buf[self.neighbours[j, :, 1]])
            new[self.m] = 0
            buf = new
        out = np.zeros_like(values)
        for r in range(self.d + 1):
            out += self.bary[:, r:r + 1] * self.alpha * buf[self.offsets[:, r]]
        return out


def features(image, sxy, srgb):
    h, w, _ = image.shape
    y, x = np.mgrid[0:h, 0:w]
    f = [x.ravel() / np.float32(sxy), y.ravel() / np.float32(sxy)]
    if srgb is not None:
        for c in range(3):
            f.append(image[:, :, c].ravel() / np.float32(srgb))
    return np.stack(f, 1).astype(np.float32)


def softmax_cols(logits):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def kernels_of(image, params):
    ks = []
    if params["gauss"] is not None:
        sxy, w = params["gauss"]
        ks.append((features(image, sxy, None), w))
    if params["bilateral"] is not None:
        sxy, srgb, w = params["bilateral"]
        ks.append((features(image, sxy, srgb), w))
    return ks


def crf_lattice(image, unary, params):
    q = softmax_cols(-unary).astype(np.float32)
    filters = []
    for f, w in kernels_of(image, params):
        lat = Lattice(f)
        norm = (1.0 / np.sqrt(lat.filter(np.ones((lat.n, 1), np.float32))[:, 0].astype(np.float64) + 1e-20)).astype(np.float32)
        filters.append((lat, norm, np.float32(w)))
    for _ in range(params["iters"]):
        logits = -unary.copy()
        for lat, norm, w in filters:
            msg = lat.filter((q * norm[None, :]).T).T * norm[None, :]
            logits = logits + w * msg
        q = softmax_cols(logits.astype(np.float32)).astype(np.float32)
    return q


def crf_exact(image, unary, params):
    q = softmax_cols(-unary.astype(np.float64))
    mats = []
    for f, w in kernels_of(image, params):
        f = f.astype(np.float64)
        d2 = ((f[:, None, :] - f[None, :, :]) ** 2).sum(-1)
        k = np.exp(-0.5 * d2)
        norm = 1.0 / np.sqrt(k.sum(1) + 1e-20)
        mats.append((k * norm[:, None] * norm[None, :], w))
    for _ in range(params["iters"]):
        logits = -unary.astype(np.float64)
        for k, w in mats:
            logits = logits + w * (q @ k.T)
        q = softmax_cols(logits)
    return q


def scene(h, w, labels, seed, colour_noise):
    rng = np.random.RandomState(seed)
    palette = rng.randint(20, 236, size=(labels, 3))
    yy, xx = np.mgrid[0:h, 0:w]
    band = np.minimum(labels - 1, (xx + yy // 3) * labels // (w + h // 3))
    image = np.clip(palette[band] + rng.randint(-colour_noise, colour_noise + 1, size=(h, w, 3)), 0, 255).astype(np.uint8)
    scores = np.where(np.arange(labels)[:, None, None] == band[None], 0.55, 0.2) + 0.35 * rng.rand(labels, h, w)
    return image, np.minimum(scores, 1.0).astype(np.float32)


def floats(a):
    # float32 needs 9 significant digits to round-trip.
    return [float("%.9g" % x) for x in np.asarray(a).ravel()]


def param_text(p):
    g = "off" if p["gauss"] is None else "%g,%g" % tuple(p["gauss"])
    b = "off" if p["bilateral"] is None else "%g,%g,%g" % tuple(p["bilateral"])
    return "gauss=%s;bilateral=%s;iters=%d;unary=%s" % (g, b, p["iters"], p["unary"])


def main():
    cases = []
    specs = [
        ("psa-like scores", 20, 24, 3, 1, 4, dict(gauss=(3, 3), bilateral=(80, 13, 10), iters=10, unary="scores")),
        ("mild scores", 20, 24, 3, 2, 4, dict(gauss=(3, 1), bilateral=(80, 13, 2), iters=5, unary="scores")),
        ("irn-like labels", 18, 22, 4, 3, 8, dict(gauss=(3, 3), bilateral=(50, 5, 10), iters=10, unary="labels:0.7")),
        ("gaussian only", 15, 17, 2, 4, 4, dict(gauss=(1, 3), bilateral=None, iters=3, unary="scores")),
        ("bilateral only", 16, 16, 5, 5, 6, dict(gauss=None, bilateral=(30, 10, 1.5), iters=6, unary="scores")),
        # Larger, lattice reference only (the exact kernels would need N^2 memory).
        ("medium mild", 60, 70, 2, 6, 20, dict(gauss=(3, 1), bilateral=(50, 10, 2), iters=5, unary="scores")),
    ]
    for name, h, w, labels, seed, noise, params in specs:
        image, scores = scene(h, w, labels, seed, noise)
        flat = scores.reshape(labels, -1)
        if params["unary"] == "scores":
            unary = -np.log(np.clip(flat, 1e-5, 1.0)).astype(np.float32)
        else:
            gt = float(params["unary"].split(":")[1])
            lab = flat.argmax(0)
            unary = np.full(flat.shape, -np.log((1.0 - gt) / (labels - 1)), np.float32)
            unary[lab, np.arange(flat.shape[1])] = -np.log(gt)
        q_lat = crf_lattice(image, unary, params)
        q_exact = crf_exact(image, unary, params) if h * w <= 1000 else None
        cases.append(dict(
            name=name, height=h, width=w, labels=labels, params=param_text(params),
            image=image.ravel().tolist(), scores=floats(flat),
            unary=floats(unary),
            lattice_marginals=floats(q_lat),
            exact_marginals=None if q_exact is None else floats(q_exact),
        ))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "crf_fixture.json")
    with open(out, "w") as fh:
        json.dump(dict(generator="make_crf_fixture.py", cases=cases), fh)
    for c in cases:
        if c["exact_marginals"] is None:
            continue
        ql = np.array(c["lattice_marginals"]).reshape(c["labels"], -1)
        qe = np.array(c["exact_marginals"]).reshape(c["labels"], -1)
        print("%-16s lattice vs exact: labels agree %.4f, max |dQ| %.4f" % (
            c["name"], (ql.argmax(0) == qe.argmax(0)).mean(), np.abs(ql - qe).max()))


if __name__ == "__main__":
    main()
