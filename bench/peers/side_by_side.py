#!/usr/bin/python3
"""Prints the ours-vs-peers ratio table from one machine's outputs of run_side_by_side.sh:
peers.jsonl (peers.py), BenchmarkDotNet JSON reports (--exporters json) and a `wsss bench --json` report.
pydensecrf cannot be installed here, so the peer CRF figures are our earlier measured ones (bench/RESULTS.md)."""
import glob, json, statistics, sys

PX = 500 * 375
N = 1464
# our earlier measurement (bench/RESULTS.md), pydensecrf (2723c7f, gcc -O2), one core, 500x375, 10 iterations
PYDENSECRF_PRESENT, PYDENSECRF_21 = 0.297, 0.729


def load_peers(path):
    rows = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            rows.setdefault((r["job"], r["variant"]), []).append(r)
    return rows


def peer(rows, job, prefix):
    hits = [r for (j, v), rs in rows.items() if j == job and v.startswith(prefix) for r in rs]
    return statistics.median(r["seconds"] for r in hits) if hits else None, hits


def load_bdn(folder):
    out = {}
    for f in glob.glob(f"{folder}/**/*.json", recursive=True):
        try:
            doc = json.load(open(f))
        except (ValueError, OSError):
            continue
        for b in doc.get("Benchmarks", []):
            stats = b.get("Statistics") or {}
            if "Median" in stats:
                out[(b.get("Type"), b.get("Method"), b.get("Parameters", ""))] = stats["Median"] / 1e9
    return out


def bdn(res, type_, method, params=""):
    for (t, m, p), s in res.items():
        if t == type_ and m == method and all(x in p for x in params.split("&") if x):
            return s
    return None


def fmt(s):
    if s is None: return "-"
    return f"{s:.4g} s" if s < 100 else f"{s:,.0f} s"


def main():
    peers_file, bdn_folder, wsss_json = sys.argv[1:4]
    pr = load_peers(peers_file)
    br = load_bdn(bdn_folder)
    ours = {}
    try:
        rep = json.load(open(wsss_json))
        cpu = next(d for d in rep["devices"] if d["backend"] == "cpu")
        ours = {s["stage"]: s["ms_per_image"] / 1000 for s in cpu["stages"]}
    except (OSError, StopIteration, ValueError, KeyError):
        pass

    rows = []  # (job, peer variant, peer s, ours variant, ours s, target text, met)
    conf_peer, _ = peer(pr, "confusion", "chainercv")
    conf_ours = bdn(br, "EvalBenchmarks", "Confusion")
    mpx = N * PX / conf_ours / 1e6 if conf_ours else None
    rows.append(("confusion, 1464 pairs", "chainercv bincount (numpy)", conf_peer, "EvalBenchmarks.Confusion (BDN)", conf_ours,
                 f">= 1,500 Mpx/s (ours {mpx:,.0f} Mpx/s)" if mpx else ">= 1,500 Mpx/s", mpx is not None and mpx >= 1500))

    irn_hits = peer(pr, "sweep60", "IRN eval_cam")[1]
    irn_sweep = None
    if irn_hits:
        h = irn_hits[-1]; irn_sweep = h["seconds"] * N / h["items"]
    short_sweep, _ = peer(pr, "sweep60", "shortcut")
    sweep_ours = bdn(br, "EvalBenchmarks", "Sweep60")
    rows.append(("sweep 60 thr x 1464", "IRN eval_cam + chainercv" + (" (extrapolated)" if irn_hits and irn_hits[-1]["items"] != N else ""),
                 irn_sweep, "EvalBenchmarks.Sweep60 (BDN)", sweep_ours, "<= 3 s", sweep_ours is not None and sweep_ours <= 3))
    rows.append(("sweep 60 thr x 1464", "numpy max/argmax shortcut", short_sweep, "EvalBenchmarks.Sweep60 (BDN)", sweep_ours, "<= 3 s",
                 sweep_ours is not None and sweep_ours <= 3))

    sparse4, _ = peer(pr, "rw_sparse", "scipy CSR 256 x (x <- xT), 4 ch")
    sparse21, _ = peer(pr, "rw_sparse", "scipy CSR 256 x (x <- xT), 21 ch")
    stencil4, _ = peer(pr, "rw_stencil", "torch 69-tap stencil (addcmul_), 4 ch")
    dense_hits = peer(pr, "rw_dense", "IRN dense: one squaring")[1]
    dense_build, _ = peer(pr, "rw_dense", "IRN dense: build")
    dense = 8 * dense_hits[-1]["seconds"] + (dense_build or 0) if dense_hits else None
    rw_ours = bdn(br, "RandomWalkBenchmarks", "RefineIrnCpu", "Channels=4&DoubleAccumulation=False")
    rw_prop = bdn(br, "RandomWalkBenchmarks", "PropagateCpu", "Channels=4&DoubleAccumulation=False")
    ok = rw_ours is not None and rw_ours <= 0.3
    rows.append(("random walk / image (4 ch)", "IRN dense T^256 (8 squarings, extrapolated)", dense, "RefineIrnCpu 4 ch (BDN)", rw_ours, "<= 0.3 s", ok))
    rows.append(("random walk / image (4 ch)", "scipy CSR 256 steps", sparse4, "RefineIrnCpu 4 ch (BDN)", rw_ours, "<= 0.3 s", ok))
    rows.append(("random walk / image (4 ch)", "torch 69-tap stencil", stencil4, "PropagateCpu 4 ch (BDN)", rw_prop, "<= 0.3 s",
                 rw_prop is not None and rw_prop <= 0.3))
    rows.append(("random walk / image (21 ch)", "scipy CSR 256 steps", sparse21, "-", None, "", None))

    crf4 = bdn(br, "CrfBenchmarks", "FullCrf", "Labels=4")
    crf21 = bdn(br, "CrfBenchmarks", "FullCrf", "Labels=21")
    rows.append(("CRF / image, 4 labels", "pydensecrf (earlier measurement)", PYDENSECRF_PRESENT, "CrfBenchmarks.FullCrf (BDN)", crf4, "<= 0.15 s",
                 crf4 is not None and crf4 <= 0.15))
    rows.append(("CRF / image, 21 labels", "pydensecrf (earlier measurement)", PYDENSECRF_21, "CrfBenchmarks.FullCrf (BDN)", crf21, "<= 0.35 s",
                 crf21 is not None and crf21 <= 0.35))

    # Whole pipeline per image: the peers' recipe is sweep share + RW + CRF (present classes) + confusion share.
    if ours.get("pipeline"):
        share = ((irn_sweep or 0) + (conf_peer or 0)) / N
        ours_total = ours["pipeline"] * N
        for name, rw in (("IRN recipe (dense RW)", dense), ("tuned peers (scipy sparse RW)", sparse4)):
            if rw is None: continue
            peer_total = (share + rw + PYDENSECRF_PRESENT) * N
            rows.append((f"pipeline x 1464", name, peer_total, "wsss bench pipeline x 1464", ours_total, ">= 20x",
                         peer_total / ours_total >= 20))

    print(f"| Job | Peer recipe | Peer | Ours | Ours measured by | Ratio (peer/ours) | Target | Met |")
    print(f"|---|---|---|---|---|---|---|---|")
    for job, pv, ps, ov, os_, target, met in rows:
        ratio = f"{ps / os_:,.1f}x" if ps and os_ else "-"
        verdict = "" if met is None or os_ is None else "yes" if met else "no"
        print(f"| {job} | {pv} | {fmt(ps)} | {fmt(os_)} | {ov} | {ratio} | {target} | {verdict} |")
    if ours:
        print()
        print("wsss bench (CPU, ms per image): " + ", ".join(f"{k} {v * 1000:.1f}" for k, v in ours.items()))


if __name__ == "__main__":
    main()
