#!/usr/bin/python3
"""Our own re-implementations of the peers' recipes (chainercv confusion, IRN eval_cam sweep, IRN random walk in
its dense, scipy-sparse and torch-stencil forms) on synthetic VOC-size data shaped like VOC 2012 val (500x375, 21 classes), as in bench/RESULTS.md.
Each job prints one JSON line: {"job", "variant", "seconds", "items", "note"}. Written for this project; no
upstream code is copied. Run with Debian's /usr/bin/python3 (numpy 1.24, torch 1.13, python3-scipy)."""
import argparse, json, sys, time
import numpy as np

W, H, K, TRAIN = 500, 375, 21, 1464
GRID_H, GRID_W = 94, 125  # stride-4 grid of a 375x500 image


def emit(job, variant, seconds, items, note=""):
    print(json.dumps({"job": job, "variant": variant, "seconds": round(seconds, 4), "items": items, "note": note}), flush=True)


def one_item(rng):
    """GT boxes for 2-3 present classes, a 5-px void band where the label changes, CAMs = soft box + noise in [0,1]
    (the same construction as src/WsssGpuRefine.Tools/Benchmarking/VocSizeData.cs), predictions = GT shifted by 7 px + 2% noise."""
    present = rng.integers(2, 4)
    ids = np.sort(rng.permutation(np.arange(1, K))[:present])
    gt = np.zeros((H, W), np.uint8)
    boxes = []
    for cid in ids:
        y0, x0 = rng.integers(0, H // 2), rng.integers(0, W // 2)
        y1, x1 = rng.integers(H // 2, H), rng.integers(W // 2, W)
        gt[y0:y1, x0:x1] = cid
        boxes.append((y0, x0, y1, x1))
    band = gt.copy()
    right = np.zeros_like(gt, bool); right[:, :-5] = gt[:, 5:] != gt[:, :-5]
    down = np.zeros_like(gt, bool); down[:-5, :] = gt[5:, :] != gt[:-5, :]
    band[right | down] = 255
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    cams = np.empty((present, H, W), np.float32)
    for k, (y0, x0, y1, x1) in enumerate(boxes):
        dy = np.maximum(0, np.maximum(y0 - yy, yy - y1)); dx = np.maximum(0, np.maximum(x0 - xx, xx - x1))
        inside = np.exp(-(dy * dy + dx * dx) / 400.0)
        cams[k] = np.clip(0.8 * inside + 0.3 * (rng.random((H, W), dtype=np.float32) - 0.5), 0, 1)
    flat = gt.reshape(-1)
    pred = np.concatenate([np.repeat(flat[:1], 7), flat[:-7]]).copy()
    noise = rng.integers(0, 50, pred.shape) == 0
    pred[noise] = ids[0]
    return cams, ids, band, pred.reshape(H, W)


def pool(distinct, n, seed=1):
    rng = np.random.default_rng(seed)
    items = [one_item(rng) for _ in range(distinct)]
    return [items[i % distinct] for i in range(n)]


def confusion_chainercv(preds, gts):
    """chainercv calc_semantic_segmentation_confusion: int32 labels, -1 ignored, one bincount per pair."""
    conf = np.zeros((K, K), np.int64)
    for p, g in zip(preds, gts):
        p = p.flatten(); g = g.flatten()
        mask = g >= 0
        conf += np.bincount(K * g[mask].astype(int) + p[mask], minlength=K * K).reshape(K, K)
    return conf


def miou(conf):
    iou = np.diag(conf) / (conf.sum(0) + conf.sum(1) - np.diag(conf)).clip(1)
    return float(np.nanmean(iou))


def job_confusion(n):
    items = pool(24, n)
    preds_i32 = [it[3].astype(np.int32) for it in items]
    gts_i32 = []
    for it in items:
        g = it[2].astype(np.int32); g[g == 255] = -1; gts_i32.append(g)
    t = time.perf_counter(); c1 = confusion_chainercv(preds_i32, gts_i32); s = time.perf_counter() - t
    emit("confusion", "chainercv (int32, -1 ignore)", s, n)
    t = time.perf_counter()
    c2 = np.zeros(K * K, np.int64)
    for it in items:
        g = it[2].reshape(-1); p = it[3].reshape(-1); m = g != 255
        c2 += np.bincount(K * g[m].astype(np.int64) + p[m], minlength=K * K)
    s = time.perf_counter() - t
    assert (c1.reshape(-1) == c2).all()
    emit("confusion", "plain bincount uint8", s, n)


def job_sweep(n_full, n_irn):
    thresholds = np.arange(0, 0.595, 0.01)[:60]
    items = pool(24, n_full)
    gts_i32 = []
    for it in items:
        g = it[2].astype(np.int32); g[g == 255] = -1; gts_i32.append(g)
    # IRN eval_cam: per threshold, pad a constant background plane, argmax, map through keys, chainercv confusion.
    t = time.perf_counter()
    curve_irn = []
    for thr in thresholds:
        preds = []
        for cams, ids, _, _ in items[:n_irn]:
            padded = np.pad(cams, ((1, 0), (0, 0), (0, 0)), mode="constant", constant_values=thr)
            keys = np.pad(ids, (1, 0), mode="constant")
            preds.append(keys[np.argmax(padded, axis=0)])
        curve_irn.append(miou(confusion_chainercv(preds, gts_i32[:n_irn])))
    s = time.perf_counter() - t
    emit("sweep60", f"IRN eval_cam (pad+argmax+keys) + chainercv, {n_irn} images timed", s, n_irn,
         f"x{n_full / n_irn:.2f} -> {s * n_full / n_irn:.1f} s for {n_full}" if n_irn != n_full else "")
    # Exact shortcut: max/argmax once per image, then where(max > t) + bincount per threshold.
    t = time.perf_counter()
    confs = np.zeros((len(thresholds), K * K), np.int64)
    for cams, ids, gt, _ in items:
        mx = cams.max(0).reshape(-1); am = ids[cams.argmax(0)].reshape(-1).astype(np.int64)
        g = gt.reshape(-1); m = g != 255
        mx = mx[m]; am = am[m]; gk = K * g[m].astype(np.int64)
        for ti, thr in enumerate(thresholds):
            confs[ti] += np.bincount(gk + np.where(mx > thr, am, 0), minlength=K * K)
    s = time.perf_counter() - t
    emit("sweep60", "shortcut max/argmax once + where + bincount", s, n_full)
    if n_irn == n_full:
        curve_short = [miou(c.reshape(K, K)) for c in confs]
        assert np.allclose(curve_irn, curve_short), "sweep variants disagree"


# ---------------------------------------------------------------- random walk (IRN recipe, 94x125, r=5, beta=10)
def offsets(radius=5):
    """Half-disc of offsets (dy >= 0, and dx > 0 when dy == 0): 34 at radius 5, x2 directions + self = 69 taps."""
    out = []
    for dy in range(0, radius):
        for dx in range(-radius + 1, radius):
            if dy == 0 and dx <= 0: continue
            if dy * dy + dx * dx < radius * radius: out.append((dy, dx))
    return out


def boundary_map(seed=42):
    rng = np.random.default_rng(seed)
    return (rng.random((GRID_H, GRID_W)) ** 4).astype(np.float32)


def pair_affinities(b, beta=10.0):
    """For each offset, (1 - max boundary along the segment p..p+d)^beta, for all p whose partner is inside."""
    h, w = b.shape
    pairs = []
    for dy, dx in offsets():
        steps = max(abs(dy), abs(dx))
        ys = np.arange(h - dy); xs = np.arange(max(0, -dx), w - max(0, dx))
        m = np.zeros((len(ys), len(xs)), np.float32)
        for s in range(steps + 1):
            oy = int(round(dy * s / steps)); ox = int(round(dx * s / steps))
            m = np.maximum(m, b[ys[0] + oy: ys[-1] + oy + 1, xs[0] + ox: xs[-1] + ox + 1])
        aff = (1 - m) ** beta
        src = (ys[:, None] * w + xs[None, :]).reshape(-1)
        dst = src + dy * w + dx
        pairs.append((src, dst, aff.reshape(-1)))
    return pairs


def transition_sparse(b):
    import scipy.sparse as sp
    n = b.size
    pairs = pair_affinities(b)
    rows = np.concatenate([np.arange(n)] + [p[0] for p in pairs] + [p[1] for p in pairs])
    cols = np.concatenate([np.arange(n)] + [p[1] for p in pairs] + [p[0] for p in pairs])
    vals = np.concatenate([np.ones(n, np.float32)] + [p[2] for p in pairs] + [p[2] for p in pairs])
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    d = np.asarray(a.sum(axis=0)).reshape(-1)
    return sp.csr_matrix(a.multiply(1.0 / d[None, :]).astype(np.float32))  # column-normalised, as IRN's sum(dim=0)


def job_rw_dense(threads, probe):
    import torch
    torch.set_num_threads(threads)
    b = boundary_map()
    n = b.size
    t = time.perf_counter()
    tm = torch.from_numpy(transition_sparse(b).toarray())
    build = time.perf_counter() - t
    # One squaring of an N x N fp32 matrix is 2 N^3 flop; time a probe-size matmul on this BLAS, then extrapolate.
    x = torch.rand(probe, probe)
    torch.matmul(x, x)
    t = time.perf_counter(); torch.matmul(x, x); s = time.perf_counter() - t
    gflops = 2 * probe ** 3 / s / 1e9
    one = 2 * n ** 3 / (gflops * 1e9)
    emit("rw_dense", f"IRN dense: build A ({n}x{n})", build, 1)
    emit("rw_dense", f"IRN dense: one squaring extrapolated from {probe}^2 matmul at {gflops:.2f} GFLOP/s, {threads} threads",
         one, 1, f"8 squarings -> {8 * one:.1f} s/img + build {build:.2f} s")
    del tm


def job_rw_sparse(channels_list):
    b = boundary_map()
    n = b.size
    t = time.perf_counter(); tm = transition_sparse(b); build = time.perf_counter() - t
    emit("rw_sparse", "scipy CSR build T", build, 1, f"{tm.nnz / n:.1f} nnz per column")
    rng = np.random.default_rng(3)
    tt = tm.T.tocsr()  # x <- x T  ==  (T^T x^T)^T, rows of T^T are columns of T
    for c in channels_list:
        x = rng.random((n, c)).astype(np.float32)
        t = time.perf_counter()
        for _ in range(256):
            x = tt @ x
        s = time.perf_counter() - t
        emit("rw_sparse", f"scipy CSR 256 x (x <- xT), {c} ch", s + build, 1, f"steps {s:.3f} s + build {build:.3f} s")


def job_rw_stencil(channels_list, threads):
    import torch
    torch.set_num_threads(threads)
    b = boundary_map()
    h, w = b.shape
    pairs = pair_affinities(b)
    n = h * w
    # Column sums of the symmetric affinity (self = 1) give IRN's normalisation; fold it into per-tap weights.
    colsum = np.ones(n, np.float32)
    for src, dst, a in pairs:
        np.add.at(colsum, src, a); np.add.at(colsum, dst, a)
    taps = []  # (dy, dx, weight map over the destination grid): out[p] = sum_q x[q] * A[q,p] / colsum[p]
    for (dy, dx), (src, dst, a) in zip(offsets(), pairs):
        for sy, sx, frm, to in ((dy, dx, src, dst), (-dy, -dx, dst, src)):
            wmap = np.zeros(n, np.float32); wmap[to] = a / colsum[to]
            taps.append((sy, sx, torch.from_numpy(wmap.reshape(h, w))))
    selfw = torch.from_numpy((1 / colsum).reshape(h, w))
    rng = np.random.default_rng(3)
    for c in channels_list:
        x = torch.from_numpy(rng.random((c, h, w)).astype(np.float32))
        out = torch.empty_like(x)
        # destination p = q + (sy, sx): views built once, as a tuned script would
        bufs = [x, out]
        views = []
        for src_i in (0, 1):
            xs, os_ = bufs[src_i], bufs[1 - src_i]
            vs = []
            for sy, sx, wm in taps:
                dy0, dy1 = max(0, sy), h + min(0, sy); dx0, dx1 = max(0, sx), w + min(0, sx)
                vs.append((os_[:, dy0:dy1, dx0:dx1], xs[:, dy0 - sy:dy1 - sy, dx0 - sx:dx1 - sx], wm[dy0:dy1, dx0:dx1]))
            views.append((xs, os_, vs))
        t = time.perf_counter()
        for step in range(256):
            xs, os_, vs = views[step % 2]
            torch.mul(xs, selfw, out=os_)
            for o, i, wm in vs:
                o.addcmul_(i, wm)
        s = time.perf_counter() - t
        emit("rw_stencil", f"torch 69-tap stencil (addcmul_), {c} ch, {threads} threads", s, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("job", choices=["confusion", "sweep", "rw_dense", "rw_sparse", "rw_stencil", "all"])
    ap.add_argument("--images", type=int, default=TRAIN)
    ap.add_argument("--irn-sweep-images", type=int, default=TRAIN, help="time the IRN-style sweep on this many and extrapolate")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--probe", type=int, default=2048)
    a = ap.parse_args()
    jobs = ["confusion", "sweep", "rw_sparse", "rw_stencil", "rw_dense"] if a.job == "all" else [a.job]
    for j in jobs:
        if j == "confusion": job_confusion(a.images)
        if j == "sweep": job_sweep(a.images, min(a.irn_sweep_images, a.images))
        if j == "rw_dense": job_rw_dense(a.threads, a.probe)
        if j == "rw_sparse": job_rw_sparse([4, 21, 4, 21, 4, 21])
        if j == "rw_stencil": job_rw_stencil([4, 21, 4, 21, 4, 21], a.threads)


if __name__ == "__main__":
    main()
