"""Writes the power-background fixture: what PSA/SEAM compute for the background channel, by numpy itself.

PSA and SEAM build the background as np.power(1 - np.max(v, axis=0), alpha) on float32 CAMs
(jiwoon-ahn/psa infer_cls.py _crf_with_alpha and infer_aff.py; jiwoon-ahn/SEAM infer_SEAM.py _crf_with_alpha),
then argmax over [bg; v] with ties to the first index. numpy's float32 power loop calls C powf, except that
numpy >= 1.22 built with SVML dispatches it to SVML's powf16 on AVX512_SKX CPUs, which differs from powf by one
unit in the last place on about a fifth of the values. This script turns that dispatch off, so the fixture holds
what numpy computes on every CPU without AVX512 (and checks that this is C powf, value for value).

Run with Debian's numpy:  /usr/bin/python3 make_power_background.py   (in this folder)
Writes cams.npy (C, H, W) float32 and, per alpha A in ALPHAS, bg_A.npy (H, W) float32 and labels_A.npy (H, W)
uint8 (argmax index over [bg; cams]: 0 = background, c + 1 = channel c).
"""
import os

os.environ["NPY_DISABLE_CPU_FEATURES"] = "AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"
import ctypes  # noqa: E402

import numpy as np  # noqa: E402

ALPHAS = [4, 16, 24, 32, 2.5]
C, W = 3, 64
RANDOM_ROWS = 40


def name(alpha):
    return str(alpha).replace(".", "p")


def square_and_multiply(base, e):
    result = np.ones_like(base)
    while e:
        if e & 1:
            result = result * base
        base = base * base
        e >>= 1
    return result


def near_fixed_point(alpha, count):
    """float32 maxima m around the root of m = (1 - m)^alpha, where the label decision is closest to a tie."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (1 - mid) ** alpha > mid else (lo, mid)
    start = np.float32(lo)
    values = [start]
    up, down = start, start
    for _ in range(count // 2):
        up = np.nextafter(up, np.float32(1))
        down = np.nextafter(down, np.float32(0))
        values += [up, down]
    return np.array(sorted(values)[:count], dtype=np.float32)


rng = np.random.default_rng(20240531)
cams = rng.random((C, RANDOM_ROWS, W), dtype=np.float32)
# Rows of maxima at each alpha's near-tie point: channel (row % C) holds m, the others less.
tie_rows = []
TIE_ROWS = 8
for alpha in ALPHAS:
    maxima = near_fixed_point(alpha, TIE_ROWS * W).reshape(TIE_ROWS, W)
    for m in maxima:
        row = rng.random((C, W), dtype=np.float32) * m * np.float32(0.9)
        row[len(tie_rows) % C] = m
        tie_rows.append(row)
cams = np.concatenate([cams, np.stack(tie_rows, axis=1)], axis=1)
cams[:, 0, :4] = np.float32(0)  # an all-zero pixel: bg = 1
cams[:, 1, :4] = np.float32(1)  # max 1: bg = 0 (alpha > 0)
np.save("cams.npy", cams)

libm = ctypes.CDLL("libm.so.6")
libm.powf.restype = ctypes.c_float
libm.powf.argtypes = [ctypes.c_float, ctypes.c_float]
for alpha in ALPHAS:
    base = 1 - np.max(cams, 0)
    bg = np.power(base, alpha)
    assert bg.dtype == np.float32
    powf = np.array([libm.powf(float(b), float(np.float32(alpha))) for b in base.ravel()], dtype=np.float32)
    assert (bg.ravel().view(np.uint32) == powf.view(np.uint32)).all(), "numpy did not call powf"
    if float(alpha).is_integer():
        differ = (square_and_multiply(base, int(alpha)) != bg).sum()
        print(f"alpha {alpha}: square-and-multiply differs from powf on {differ} of {bg.size} pixels")
    labels = np.argmax(np.concatenate([bg[None], cams]), 0).astype(np.uint8)
    np.save(f"bg_{name(alpha)}.npy", bg)
    np.save(f"labels_{name(alpha)}.npy", labels)
