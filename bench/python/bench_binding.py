#!/usr/bin/python3
"""What the Python binding adds to the C# call it wraps (a benchmark, not a test; figures go to bench/RESULTS.md).

1. Per-call overhead: `wr.threshold` on a tiny (1, 1, 1) CAM from Python, minus the same C# call timed inside the
   library (`Engine._noop` is also shown: the bare ctypes round trip with the engine lookup and lock).
2. ir_label + CRF (IRN's recipe, irn preset) on 500x375 images: wall time of `engine.ir_label` from Python against
   the C# call inside the same export (inputs already managed arrays), per image, median of the repeats.

    wsss demo --generate-only --images 4 --size 500x375 --out /tmp/wsss-500
    /usr/bin/python3 bench/python/bench_binding.py --data /tmp/wsss-500 [--backend cpu] [--repeats 5]
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

import wsss_refine as wr
from wsss_refine import _native


def per_call(engine, calls):
    cams, keys = np.ones((1, 1, 1), np.float32), np.array([0])
    for _ in range(1000):
        engine.threshold(cams, keys, 0.15)
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            engine.threshold(cams, keys, 0.15)
        rounds.append((time.perf_counter() - start) / calls)
    python = min(rounds)
    _native.lib.wsss_bench_repeat(calls)
    engine.threshold(cams, keys, 0.15)
    csharp = _native.lib.wsss_bench_elapsed()
    _native.lib.wsss_bench_repeat(1)
    start = time.perf_counter()
    for _ in range(calls):
        engine._noop()
    noop = (time.perf_counter() - start) / calls
    return python, csharp, noop


def ir_label(engine, data, repeats):
    ids = [line.split()[0] for line in open(os.path.join(data, "train.txt")) if line.strip()]
    inputs = []
    for i in ids:
        d = wr.read_dump(os.path.join(data, "cams_irn", i + ".npy"))
        inputs.append((wr.read_image(os.path.join(data, "JPEGImages", i + ".jpg")), d["cams"], d["keys"]))
    engine.ir_label(*inputs[0])  # warm (Gaussian kernel cache, thread pool)
    python, csharp = [], []
    for _ in range(repeats):
        for image, cams, keys in inputs:
            start = time.perf_counter()
            engine.ir_label(image, cams, keys)
            python.append(time.perf_counter() - start)
            csharp.append(_native.lib.wsss_bench_elapsed())
    return inputs[0][0].shape, len(inputs), statistics.median(python), statistics.median(csharp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="a sample from `wsss demo --generate-only --size 500x375`")
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with wr.Engine(args.backend) as engine:
        print(f"python {sys.version.split()[0]}, numpy {np.__version__}, engine {engine.backend} ({engine.device})")
        python, csharp, noop = per_call(engine, args.calls)
        print(f"per call, threshold of a 1x1x1 CAM: python {python * 1e6:.2f} us, C# inside {csharp * 1e6:.2f} us, "
              f"binding overhead {(python - csharp) * 1e6:.2f} us; bare ctypes round trip {noop * 1e6:.2f} us")
        shape, images, py, cs = ir_label(engine, args.data, args.repeats)
        print(f"ir_label + CRF, {shape[1]}x{shape[0]}, {images} images x {args.repeats}: python {py * 1e3:.1f} ms, "
              f"C# inside {cs * 1e3:.1f} ms per image (median), python/C# = {py / cs:.4f} (+{(py - cs) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
