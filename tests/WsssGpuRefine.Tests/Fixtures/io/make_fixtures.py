#!/usr/bin/python3
"""Writes the I/O test fixtures with real numpy 1.24 / torch 1.13 / PIL 9.4, exactly as the seed methods
write their dumps, plus expected.json holding the decoded values the C# readers must reproduce.

  npy/     plain arrays: every dtype in both byte orders, Fortran order, 0-d, empty, v2/v3 headers, a
           hand-written header with another key order and spacing
  npz/     np.savez and np.savez_compressed
  dumps/   CAM dicts A-E as the methods write them (torch strided views and storage offsets, pickle
           protocols 2/3/4, numpy 2 module names), ICD and SSDD plain arrays, NaN and key mismatch,
           torch Parameter and _rebuild_tensor_v3
  labels/  cls_labels.npy with int32-scalar and str keys (protocol 2)
  bad/     hostile pickles (os.system, eval, subprocess, _frombuffer, INST/OBJ/NEWOBJ/NEWOBJ_EX,
           persistent ids, unknown opcodes) and truncated or corrupt files
  png/     PIL-written palette/grayscale label PNGs, hand-made PNGs covering every row filter and Adam7,
           RGB PNG, JPEGs (4:2:0/4:2:2/4:4:4/gray/progressive, restart markers) with PIL's decode

Run from anywhere:  /usr/bin/python3 tests/WsssGpuRefine.Tests/Fixtures/io/make_fixtures.py
The output is deterministic (fixed seeds), so re-running it leaves the committed files unchanged
apart from torch's storage keys (memory addresses) inside the legacy storage streams.
"""
import collections
import copyreg
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = "/tmp/wsss_pwned"
rng = np.random.default_rng(20240611)
torch.manual_seed(7)

expected = {"plain": {}, "npz": {}, "dumps": {}, "labels": {}, "png": {}, "icd": {}, "torch": {}}


def path(*parts):
    p = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def flat(a):
    a = np.asarray(a)
    if a.dtype == np.bool_:
        return [int(v) for v in a.ravel(order="C")]
    if a.dtype.kind in "iu":
        return [int(v) for v in a.ravel(order="C")]
    return [float(v) for v in a.astype(np.float64).ravel(order="C")]


def progressive_jpegs():
    """More progressive JPEGs (4:2:2 and grayscale), from their own generator so they can be added without
    rewriting the fixtures above; run alone with `python3 make_fixtures.py --progressive-only`."""
    from PIL import Image
    prng = np.random.default_rng(7)
    py, px = np.mgrid[0:29, 0:43]
    img = np.stack([120 + 90 * np.cos(px / 6.0), 128 + 80 * np.sin(py / 4.0), 110 + 70 * np.cos((px - py) / 8.0)], axis=-1)
    img = np.clip(img + prng.normal(0, 15, img.shape), 0, 255).astype(np.uint8)
    for pname, pimg, pkwargs in [
        ("jpeg_progressive_422_q90", img, {"quality": 90, "subsampling": 1, "progressive": True}),
        ("jpeg_progressive_gray_q85", img[..., 2], {"quality": 85, "progressive": True}),
    ]:
        Image.fromarray(pimg).save(path("png", pname + ".jpg"), **pkwargs)
        decoded = np.array(Image.open(path("png", pname + ".jpg")).convert("RGB"))
        expected["png"][pname] = {"height": int(decoded.shape[0]), "width": int(decoded.shape[1]), "values": flat(decoded)}


if "--progressive-only" in sys.argv:
    with open(path("expected.json")) as f:
        expected = json.load(f)
    progressive_jpegs()
    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    sys.exit(0)


# ---------------------------------------------------------------- plain arrays
def plain(name, arr, version=None):
    p = path("npy", name + ".npy")
    with open(p, "wb") as f:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=False)
    expected["plain"][name] = {"shape": list(arr.shape), "values": flat(arr)}


shape = (3, 4, 5)
base = rng.standard_normal(shape) * 100
for code in ["<f4", "<f8", "<f2", "<i8", "<i4", "<i2", "|i1", "|u1", "<u2", "<u4", "|b1",
             ">f4", ">f8", ">f2", ">i8", ">i4", ">i2", ">u2", ">u4"]:
    dt = np.dtype(code)
    if dt.kind == "b":
        arr = (base > 0)
    elif dt.kind == "u":
        arr = np.abs(base).astype(dt)
    elif dt.kind == "i":
        arr = base.astype(dt)
    else:
        arr = base.astype(dt)
    arr = arr.astype(dt)
    if dt.kind in "iu" and dt.itemsize == 8:
        arr.flat[0] = -(2 ** 62) + 3 if dt.kind == "i" else 2 ** 40 + 1
    name = "plain_" + code.replace("<", "le_").replace(">", "be_").replace("|", "na_")
    plain(name, arr)

plain("fortran_f4", np.asfortranarray(base.astype("<f4")))
plain("fortran_i8_2d", np.asfortranarray(np.arange(12, dtype="<i8").reshape(3, 4) * 7 - 30))
plain("fortran_be_f8", np.asfortranarray(base.astype(">f8")))
plain("scalar_f8", np.array(3.25, dtype="<f8"))
plain("empty_f4", np.zeros((0, 4), dtype="<f4"))
plain("vec_i4", np.arange(-3, 7, dtype="<i4"))
plain("rank4_u1", np.arange(2 * 3 * 2 * 2, dtype="|u1").reshape(2, 3, 2, 2))
plain("v2_f4", base.astype("<f4"), version=(2, 0))
plain("v3_f4", base.astype("<f4"), version=(3, 0))

# A header written by hand: keys in another order, odd spacing, older 16-byte alignment.
hand = base[:2, :3, :2].astype("<f4")
hdr = "{ 'shape':(2,3,2) ,'fortran_order' : False,'descr':'<f4' }"
hdr_b = hdr.encode("latin1")
total = 10 + len(hdr_b) + 1
hdr_b += b" " * ((16 - total % 16) % 16) + b"\n"
with open(path("npy", "hand_header.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(hdr_b).to_bytes(2, "little") + hdr_b + hand.tobytes())
expected["plain"]["hand_header"] = {"shape": [2, 3, 2], "values": flat(hand)}

a1 = base.astype("<f4")
a2 = np.arange(10, dtype="<i8")
np.savez(path("npz", "pair.npz"), cams=a1, keys=a2)
np.savez_compressed(path("npz", "pair_compressed.npz"), cams=a1, keys=a2)
expected["npz"] = {"cams": {"shape": list(a1.shape), "values": flat(a1)},
                   "keys": {"shape": list(a2.shape), "values": flat(a2)}}


# ---------------------------------------------------------------- dict dumps
def npy_object_header(f):
    np.lib.format.write_array_header_1_0(f, {"descr": "|O", "fortran_order": False, "shape": ()})


def save_pickled(p, obj, protocol, pickler_cls=pickle.Pickler):
    """What np.save does for an object array, with a chosen pickle protocol and pickler."""
    arr = np.empty((), dtype=object)
    arr[()] = obj
    with open(p, "wb") as f:
        npy_object_header(f)
        pickler_cls(f, protocol=protocol).dump(arr)


def maxnorm(x):
    x = np.maximum(x, 0)
    return (x / (x.max(axis=(1, 2), keepdims=True) + 1e-5)).astype(np.float32)


H, W = 7, 9
h4, w4 = (H + 3) // 4, (W + 3) // 4
fg = [2, 7, 14]                 # 0-based fg classes present
C = len(fg)
label20 = torch.zeros(20)
label20[fg] = 1
high = maxnorm(rng.standard_normal((C, H, W)).astype(np.float32))
low = maxnorm(rng.standard_normal((C, h4, w4)).astype(np.float32))
voc_ids = [0] + [c + 1 for c in fg]


def record(name, fmt, labels, hi, lo=None, extra=None):
    e = {"format": fmt, "labelIds": labels, "channels": int(hi.shape[0]), "height": int(hi.shape[1]),
         "width": int(hi.shape[2]), "high": flat(hi)}
    if lo is not None:
        e.update({"lowHeight": int(lo.shape[1]), "lowWidth": int(lo.shape[2]), "low": flat(lo)})
    if extra:
        e.update(extra)
    expected["dumps"][name] = e


# Variant A exactly as IRN's make_cam: keys = torch.nonzero(label)[:, 0], torch cam, numpy high_res.
irn_keys = torch.nonzero(label20)[:, 0]
np.save(path("dumps", "a_irn.npy"), {"keys": irn_keys, "cam": torch.from_numpy(low.copy()), "high_res": high})
record("a_irn", "A", [c + 1 for c in fg], high, low)

# Variant A with a genuinely strided keys view (stride 2, offset 1) and a cam that is a view with a
# storage offset, then one with permuted (non-contiguous) strides; protocols 2 and 4 as well.
pairs = torch.stack([torch.full((C,), 99, dtype=torch.int64), torch.tensor(fg)], dim=1)
strided_keys = pairs[:, 1]
assert strided_keys.stride() == (2,) and strided_keys.storage_offset() == 1
big = torch.cat([torch.full((1, h4, w4), -5.0), torch.from_numpy(low.copy())])
cam_view = big[1:]
assert cam_view.storage_offset() == h4 * w4
obj = {"keys": strided_keys, "cam": cam_view, "high_res": high}
for proto in (2, 3, 4):
    save_pickled(path("dumps", f"a_strided_p{proto}.npy"), obj, proto)
    record(f"a_strided_p{proto}", "A", [c + 1 for c in fg], high, low)
permuted = torch.from_numpy(np.ascontiguousarray(low.transpose(2, 1, 0))).permute(2, 1, 0)
assert not permuted.is_contiguous()
np.save(path("dumps", "a_permuted.npy"), {"keys": irn_keys, "cam": permuted, "high_res": high})
record("a_permuted", "A", [c + 1 for c in fg], high, low)

# Variant B (Puzzle-CAM): numpy keys with bg prepended as VOC ids, torch cam, numpy hr_cam; RW output.
pz_keys = np.pad(np.array(fg, dtype=np.int64) + 1, (1, 0), mode="constant")
np.save(path("dumps", "b_puzzle.npy"), {"keys": pz_keys, "cam": torch.from_numpy(low.copy()), "hr_cam": high})
record("b_puzzle", "B", [c + 1 for c in fg], high, low)
rw = np.concatenate([np.full((1, H, W), 0.3, np.float32), high]) / 1.7
rw = rw.astype(np.float32)
np.save(path("dumps", "b_puzzle_rw.npy"), {"keys": pz_keys, "rw": rw})
record("b_puzzle_rw", "B", voc_ids, rw)

# Variant C (VWE): all numpy.
np.save(path("dumps", "c_vwe.npy"), {"keys": np.array(fg, dtype=np.int64), "cam": low, "high_res": high})
record("c_vwe", "C", [c + 1 for c in fg], high, low)

# Variant D (PSA family): {python int c -> (H, W) float32}.
np.save(path("dumps", "d_psa.npy"), {c: high[i] for i, c in enumerate(fg)})
record("d_psa", "D", [c + 1 for c in fg], high)
sccam = np.where(high > 0.15, 255.0, 0.0).astype(np.float32)
np.save(path("dumps", "d_sccam.npy"), {c: sccam[i] for i, c in enumerate(fg)})
record("d_sccam", "D", [c + 1 for c in fg], sccam, extra={"binary": flat((sccam > 0).astype(np.float32))})
seam = ((high - 0.3) * 1.1).astype(np.float32)
seam[0, 0, 0] = np.float32(-1e-6)   # SEAM's tiny negatives stay as stored
np.save(path("dumps", "d_seam.npy"), {c: seam[i] for i, c in enumerate(fg)})
record("d_seam", "D", [c + 1 for c in fg], seam)

# Variant E: {0: bg, c+1: fg}.
bg = (1 - high.max(axis=0)).astype(np.float32)
e_maps = np.concatenate([bg[None], high])
np.save(path("dumps", "e_bgfg.npy"), {0: bg, **{c + 1: high[i] for i, c in enumerate(fg)}})
record("e_bgfg", "E", voc_ids, e_maps)

# Ambiguous int keys: {2, 7, 14} could be D for fg {2,7,14} or E-minus-bg; E needs key 0.
# Also a D dump whose key set is {0, 3, 8, 15} wrongly: detection must use the image labels.
np.save(path("dumps", "d_zero_class.npy"), {0: high[0], 4: high[1]})
record("d_zero_class", "D", [1, 5], high[:2])

# NaN inside a CAM.
nan_high = high.copy()
nan_high[1, 3, 4] = np.nan
np.save(path("dumps", "nan_vwe.npy"), {"keys": np.array(fg, dtype=np.int64), "cam": low, "high_res": nan_high})

# Keys / channel count mismatch.
np.save(path("dumps", "mismatch_vwe.npy"), {"keys": np.array(fg[:2], dtype=np.int64), "cam": low, "high_res": high})


# numpy 2.x module names (numpy._core.multiarray.*), which numpy 1.24 cannot write by itself: a
# Pickler whose reducer_override swaps the reconstruction callables for stand-ins registered under the
# numpy 2 module path, so pickle writes the numpy 2 globals through its normal machinery.
def _install_numpy2_names():
    core = types.ModuleType("numpy._core")
    multi = types.ModuleType("numpy._core.multiarray")

    def _reconstruct(*a):
        return np.core.multiarray._reconstruct(*a)

    def scalar(*a):
        return np.core.multiarray.scalar(*a)

    for fn in (_reconstruct, scalar):
        fn.__module__ = "numpy._core.multiarray"
        fn.__qualname__ = fn.__name__
        setattr(multi, fn.__name__, fn)
    core.multiarray = multi
    sys.modules["numpy._core"] = core
    sys.modules["numpy._core.multiarray"] = multi
    return multi


_np2 = _install_numpy2_names()


class Numpy2Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray):
            fn, args, state = obj.__reduce__()
            assert fn is np.core.multiarray._reconstruct
            return (_np2._reconstruct, args, state)
        if isinstance(obj, np.generic):
            fn, args = obj.__reduce__()
            assert fn is np.core.multiarray.scalar
            return (_np2.scalar, args)
        return NotImplemented


save_pickled(path("dumps", "c_vwe_numpy2.npy"), {"keys": np.array(fg, dtype=np.int64), "cam": low, "high_res": high},
             4, Numpy2Pickler)
record("c_vwe_numpy2", "C", [c + 1 for c in fg], high, low)
with open(path("dumps", "c_vwe_numpy2.npy"), "rb") as f:
    assert b"numpy._core.multiarray" in f.read()


# torch.nn.Parameter pickles through torch._utils._rebuild_parameter; torch 2.x writes
# _rebuild_tensor_v3 (explicit dtype), which torch 1.13 lacks, so a stand-in registered under that name
# lets pickle write the real global (the storage still goes through _load_from_bytes).
param_values = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8
save_pickled(path("dumps", "torch_parameter.npy"), {"p": torch.nn.Parameter(param_values.clone())}, 3)


def _rebuild_tensor_v3(*a):
    raise AssertionError("only written, never called")


_rebuild_tensor_v3.__module__ = "torch._utils"
torch._utils._rebuild_tensor_v3 = _rebuild_tensor_v3


class TorchV3Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, torch.Tensor) and not isinstance(obj, torch.nn.Parameter):
            return (_rebuild_tensor_v3, (obj.storage(), obj.storage_offset(), tuple(obj.size()), obj.stride(),
                                         False, collections.OrderedDict(), obj.dtype))
        return NotImplemented


v3_tensor = torch.arange(20, dtype=torch.int64)[3:15].reshape(3, 4)[:, 1:3]
save_pickled(path("dumps", "torch_v3.npy"), {"t": v3_tensor}, 4, TorchV3Pickler)
with open(path("dumps", "torch_v3.npy"), "rb") as f:
    assert b"_rebuild_tensor_v3" in f.read()
expected["torch"] = {"p": {"shape": [3, 4], "values": flat(param_values.numpy())},
                     "t": {"shape": list(v3_tensor.shape), "values": flat(v3_tensor.numpy())}}


# ---------------------------------------------------------------- ICD plain (C, m, m) + SSDD plain
def cv2_linear_resize(src, size):
    """cv2.resize(..., INTER_LINEAR) for float32 maps, written out (cv2 is not installed here):
    half-pixel centres, clamped at the borders, horizontal pass then vertical pass in float32."""
    sh, sw = src.shape

    def coeffs(dst, srcn):
        scale = 1.0 / (dst / srcn)   # cv2 keeps the inverse scale
        idx0 = np.zeros(dst, np.int64)
        idx1 = np.zeros(dst, np.int64)
        w = np.zeros(dst, np.float32)
        for d in range(dst):
            f = np.float32((d + 0.5) * scale - 0.5)
            s = int(np.floor(f))
            f = np.float32(f - s)
            if s < 0:
                s, f = 0, np.float32(0)
            if s >= srcn - 1:
                s, f = srcn - 1, np.float32(0)
            idx0[d], idx1[d], w[d] = s, min(s + 1, srcn - 1), f
        return idx0, idx1, w

    x0, x1, fx = coeffs(size, sw)
    y0, y1, fy = coeffs(size, sh)
    horiz = (src[:, x0] * (np.float32(1) - fx)[None, :] + src[:, x1] * fx[None, :]).astype(np.float32)
    out = (horiz[y0, :] * (np.float32(1) - fy)[:, None] + horiz[y1, :] * fy[:, None]).astype(np.float32)
    return out


m = 5
canvas = 8 * (m - 1) + 1
icd = (rng.standard_normal((2, m, m)) * 3).astype(np.float32)
np.save(path("dumps", "icd_scores.npy"), icd)
ih, iw = 30, 25
resized = np.stack([cv2_linear_resize(x, canvas)[:ih, :iw] for x in icd])
expected["icd"] = {"file": "icd_scores.npy", "canvas": canvas, "height": ih, "width": iw,
                   "labelIds": [3, 12], "values": flat(resized)}
ssdd = np.concatenate([bg[None], high]).astype(np.float32)
np.save(path("dumps", "ssdd_aff_crf.npy"), ssdd)
record("ssdd_aff_crf", "plain", voc_ids, ssdd)


# ---------------------------------------------------------------- cls_labels.npy, protocol 2
ids = ["2007_000032", "2007_000039", "2011_003276"]
vecs = {}
for i, s in enumerate(ids):
    v = np.zeros(20, np.float32)
    v[[(i * 3) % 20, (i * 7 + 5) % 20]] = 1
    vecs[s] = v
save_pickled(path("labels", "cls_labels_int.npy"), {np.int32(int(s.replace("_", ""))): vecs[s] for s in ids}, 2)
save_pickled(path("labels", "cls_labels_str.npy"), {s: vecs[s] for s in ids}, 2)
save_pickled(path("labels", "cls_labels_int_numpy2.npy"),
             {np.int32(int(s.replace("_", ""))): vecs[s] for s in ids}, 2, Numpy2Pickler)
expected["labels"] = {s: [int(c) for c in np.nonzero(vecs[s])[0]] for s in ids}


# ---------------------------------------------------------------- hostile and broken files
class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


if os.path.exists(MARKER):
    os.remove(MARKER)
save_pickled(path("bad", "evil_system_p3.npy"), {"keys": Reduce(os.system, ("touch " + MARKER,))}, 3)
save_pickled(path("bad", "evil_eval_p4.npy"),
             {"cam": Reduce(eval, ("__import__('os').system('touch %s')" % MARKER,))}, 4)
save_pickled(path("bad", "evil_subprocess_p3.npy"), {"rw": Reduce(subprocess.call, (["touch", MARKER],))}, 3)
# Protocol 2 writes Python 2 module names (fix_imports): builtins.eval becomes __builtin__.eval.
save_pickled(path("bad", "evil_eval_p2.npy"), {"rw": Reduce(eval, ("__import__('os').system('touch %s')" % MARKER,))}, 2)
assert not os.path.exists(MARKER)


def raw_pickle(name, body):
    with open(path("bad", name + ".npy"), "wb") as f:
        npy_object_header(f)
        f.write(body)


raw_pickle("evil_os_system_global", b"\x80\x02cos\nsystem\nX\x1e\x00\x00\x00touch " + MARKER.encode() + b"\x85R.")
raw_pickle("frombuffer", b"\x80\x02cnumpy.core.numeric\n_frombuffer\n)R.")
raw_pickle("inst", b"(icollections\nOrderedDict\n.")
raw_pickle("obj", b"(ccollections\nOrderedDict\no.")
raw_pickle("newobj", b"\x80\x02ccollections\nOrderedDict\n)\x81.")
raw_pickle("newobj_ex", b"\x80\x04\x8c\x0bcollections\x8c\x0bOrderedDict\x93)}\x92.")
raw_pickle("persid", b"\x80\x02X\x03\x00\x00\x00abcQ.")
raw_pickle("unknown_opcode", b"\x80\x02\xff.")
raw_pickle("reduce_dtype_on_string", b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00f4\x85RX\x02\x00\x00\x00f4\x85R.")
raw_pickle("build_on_dict", b"\x80\x02}K\x01b.")
raw_pickle("no_stop", b"\x80\x02}")
raw_pickle("not_a_dict", b"\x80\x02K\x05.")

with open(path("dumps", "a_irn.npy"), "rb") as f:
    good = f.read()
with open(path("bad", "truncated_dump.npy"), "wb") as f:
    f.write(good[: len(good) * 6 // 10])
with open(path("npy", "plain_le_f4.npy"), "rb") as f:
    good = f.read()
with open(path("bad", "truncated_plain.npy"), "wb") as f:
    f.write(good[:-7])
with open(path("bad", "bad_magic.npy"), "wb") as f:
    f.write(b"\x93NUMPZ" + good[6:])
with open(path("bad", "bad_header.npy"), "wb") as f:
    h = b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 5), __import__: 1}"
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    f.write(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + good[128:])
with open(path("bad", "complex_dtype.npy"), "wb") as f:
    np.lib.format.write_array(f, np.zeros(3, np.complex64))
with open(path("bad", "empty_file.npy"), "wb") as f:
    pass
with open(path("bad", "rank2_plain.npy"), "wb") as f:
    np.lib.format.write_array(f, np.zeros((4, 5), np.float32))


# ---------------------------------------------------------------- PNGs written by PIL
from PIL import Image  # noqa: E402


def voc_cmap():
    cmap = np.zeros((256, 3), np.uint8)
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap[i] = (r, g, b)
    return cmap


ph, pw = 13, 17
idx = rng.integers(0, 21, size=(ph, pw)).astype(np.uint8)
idx[0, :5] = 255
idx[-1, -3:] = 255
img = Image.fromarray(idx, mode="P")
img.putpalette(voc_cmap().ravel().tolist())
img.save(path("png", "palette_voc.png"))
expected["png"]["palette_voc"] = {"height": ph, "width": pw, "values": flat(idx)}

# A palette whose entries repeat one colour: only reading indices recovers the labels.
dup = Image.fromarray(idx, mode="P")
dup.putpalette([0, 0, 0] * 256)
dup.save(path("png", "palette_all_black.png"))
expected["png"]["palette_all_black"] = {"height": ph, "width": pw, "values": flat(idx)}

# A short palette (PIL trims it to the used entries with optimize) and a 4-bit palette image.
small_idx = (idx % 6).astype(np.uint8)
s = Image.fromarray(small_idx, mode="P")
s.putpalette(voc_cmap()[:6].ravel().tolist())
s.save(path("png", "palette_4bit.png"), bits=4)
expected["png"]["palette_4bit"] = {"height": ph, "width": pw, "values": flat(small_idx)}

gray = rng.integers(0, 256, size=(ph + 4, pw + 9)).astype(np.uint8)
Image.fromarray(gray, mode="L").save(path("png", "gray_l.png"))
expected["png"]["gray_l"] = {"height": ph + 4, "width": pw + 9, "values": flat(gray)}
big_gray = rng.integers(0, 21, size=(61, 83)).astype(np.uint8)
Image.fromarray(big_gray, mode="L").save(path("png", "gray_big.png"), compress_level=9)
expected["png"]["gray_big"] = {"height": 61, "width": 83, "values": flat(big_gray)}

rgb = rng.integers(0, 256, size=(5, 6, 3)).astype(np.uint8)
Image.fromarray(rgb, mode="RGB").save(path("png", "rgb.png"))
expected["png"]["rgb"] = {"height": 5, "width": 6, "values": flat(rgb)}
yy, xx = np.mgrid[0:16, 0:24]
smooth = np.stack([xx * 8, yy * 12, 100 + xx * 2 + yy * 3], axis=-1).astype(np.uint8)
Image.fromarray(smooth, mode="RGB").save(path("png", "rgb_smooth.jpg"), quality=95)
expected["png"]["rgb_smooth"] = {"height": 16, "width": 24, "values": flat(smooth)}


def handmade_png(name, values, bit_depth, color_type, interlace, palette=None):
    """A PNG written from scratch so every row filter (None, Sub, Up, Average, Paeth, in turn) and
    Adam7 interlacing are exercised; PIL's encoder picks one filter and never interlaces."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    def pack_rows(img):
        rows = []
        for r in img:
            if bit_depth == 8:
                rows.append(bytes(int(v) for v in r))
            else:
                per = 8 // bit_depth
                out = bytearray((len(r) * bit_depth + 7) // 8)
                for x, v in enumerate(r):
                    out[x // per] |= int(v) << (8 - bit_depth * (x % per + 1))
                rows.append(bytes(out))
        return rows

    def filtered(rows, first_filter):
        out = bytearray()
        prev = bytes(len(rows[0])) if rows else b""
        for i, row in enumerate(rows):
            ft = (first_filter + i) % 5
            line = bytearray()
            for j, v in enumerate(row):
                a = row[j - 1] if j >= 1 else 0
                b = prev[j]
                c = prev[j - 1] if j >= 1 else 0
                if ft == 0:
                    pred = 0
                elif ft == 1:
                    pred = a
                elif ft == 2:
                    pred = b
                elif ft == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line.append((v - pred) & 0xFF)
            out.append(ft)
            out += line
            prev = row
        return bytes(out)

    h, w = values.shape
    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        raw = b""
        for k, (x0, y0, dx, dy) in enumerate(passes):
            sub = values[y0::dy, x0::dx]
            if sub.size:
                raw += filtered(pack_rows(sub), k)
    else:
        raw = filtered(pack_rows(values), 0)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, interlace)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette is not None:
        data += chunk(b"PLTE", bytes(palette))
    comp = zlib.compress(raw, 9)
    data += chunk(b"IDAT", comp[: len(comp) // 2]) + chunk(b"IDAT", comp[len(comp) // 2:]) + chunk(b"IEND", b"")
    with open(path("png", name + ".png"), "wb") as f:
        f.write(data)
    back = np.array(Image.open(path("png", name + ".png")))
    assert (back == values).all(), name   # PIL agrees with what was meant
    expected["png"][name] = {"height": h, "width": w, "values": flat(values)}


hv = rng.integers(0, 256, size=(11, 21)).astype(np.uint8)
handmade_png("hand_gray_filters", hv, 8, 0, 0)
handmade_png("hand_gray_adam7", hv, 8, 0, 1)
pv = rng.integers(0, 21, size=(9, 13)).astype(np.uint8)
pv[0, 0] = 255
handmade_png("hand_palette_adam7", pv, 8, 3, 1, voc_cmap().ravel().tolist())
p2 = rng.integers(0, 4, size=(7, 10)).astype(np.uint8)
handmade_png("hand_palette_2bit_adam7", p2, 2, 3, 1, voc_cmap()[:4].ravel().tolist())
p1 = rng.integers(0, 2, size=(5, 9)).astype(np.uint8)
handmade_png("hand_palette_1bit", p1, 1, 3, 0, voc_cmap()[:2].ravel().tolist())

# Photo-like JPEGs and PIL's (libjpeg's) decode of each: what the seed methods' CRFs saw. Odd sizes so
# that partial MCUs and the chroma edge replication are exercised.
yy, xx = np.mgrid[0:37, 0:53]
photo = np.stack([128 + 100 * np.sin(xx / 7.0), 128 + 90 * np.cos(yy / 5.0), 128 + 80 * np.sin((xx + yy) / 9.0)], axis=-1)
photo = np.clip(photo + rng.normal(0, 12, photo.shape), 0, 255).astype(np.uint8)
for jname, img, kwargs in [
    ("jpeg_420_q75", photo, {"quality": 75, "subsampling": 2}),
    ("jpeg_420_q95", photo, {"quality": 95, "subsampling": 2}),
    ("jpeg_422_q75", photo, {"quality": 75, "subsampling": 1}),
    ("jpeg_444_q75", photo, {"quality": 75, "subsampling": 0}),
    ("jpeg_gray_q80", photo[..., 1], {"quality": 80}),
    ("jpeg_progressive_q75", photo, {"quality": 75, "subsampling": 2, "progressive": True}),
    ("jpeg_optimized_q60", photo[:16, :17], {"quality": 60, "subsampling": 2, "optimize": True}),
]:
    Image.fromarray(img).save(path("png", jname + ".jpg"), **kwargs)
    decoded = np.array(Image.open(path("png", jname + ".jpg")).convert("RGB"))
    expected["png"][jname] = {"height": int(decoded.shape[0]), "width": int(decoded.shape[1]), "values": flat(decoded)}


progressive_jpegs()



def jpeg_with_restarts(name, rgb, interval, gray=False):
    """A small baseline JPEG encoder (PIL cannot write restart markers): DCT, quantisation, canonical
    Huffman tables with fixed code lengths, byte stuffing and an RSTn marker every `interval` MCUs.
    PIL's decode of the result is the expected value, so only the decoder under test matters."""
    import struct

    h, w = rgb.shape[:2]
    rgbf = rgb.astype(np.float64)
    if gray:
        planes = [rgbf if rgbf.ndim == 2 else rgbf[..., 1]]
        samp = [(1, 1)]
    else:
        r, g, b = rgbf[..., 0], rgbf[..., 1], rgbf[..., 2]
        y = 0.299 * r + 0.587 * g + 0.114 * b
        cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
        cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
        planes = [y, cb, cr]
        samp = [(2, 2), (1, 1), (1, 1)]
    hmax = max(sv[0] for sv in samp)
    vmax = max(sv[1] for sv in samp)
    mcux, mcuy = -(-w // (8 * hmax)), -(-h // (8 * vmax))
    comps = []
    for plane, (hs, vs) in zip(planes, samp):
        full = np.pad(plane, ((0, mcuy * 8 * vmax - h), (0, mcux * 8 * hmax - w)), mode="edge")
        fy, fx = vmax // vs, hmax // hs
        sub = full.reshape(full.shape[0] // fy, fy, full.shape[1] // fx, fx).mean(axis=(1, 3))
        comps.append(sub - 128)
    k = np.arange(8)
    basis = np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16) * np.where(k == 0, np.sqrt(1 / 8), np.sqrt(2 / 8))[:, None]
    qt = [np.full((8, 8), 6, np.int64) + np.add.outer(k, k), np.full((8, 8), 9, np.int64) + 2 * np.add.outer(k, k)]
    zz = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
          28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
          54, 47, 55, 62, 63]

    def block_symbols(block, q, pred):
        coef = np.round((basis @ block @ basis.T) / q).astype(np.int64).ravel()[zz]
        out = []
        diff = int(coef[0]) - pred
        out.append(("dc", diff))
        run = 0
        for i in range(1, 64):
            v = int(coef[i])
            if v == 0:
                run += 1
                continue
            while run > 15:
                out.append(("ac", (15, 0)))
                run -= 16
            out.append(("ac", (run, v)))
            run = 0
        if run:
            out.append(("ac", "eob"))
        return out, int(coef[0])

    def size(v):
        return 0 if v == 0 else int(abs(v)).bit_length()

    # Entropy symbols per MCU, then fixed-length canonical tables (4-bit DC codes, 8-bit AC codes).
    mcus = []
    preds = [0] * len(comps)
    for my in range(mcuy):
        for mx in range(mcux):
            if interval and (my * mcux + mx) % interval == 0:
                preds = [0] * len(comps)
            items = []
            for ci, ((hs, vs), c) in enumerate(zip(samp, comps)):
                for by in range(vs):
                    for bx in range(hs):
                        y0, x0 = (my * vs + by) * 8, (mx * hs + bx) * 8
                        syms, preds[ci] = block_symbols(c[y0:y0 + 8, x0:x0 + 8], qt[min(ci, 1)], preds[ci])
                        items.append((min(ci, 1), syms))
            mcus.append(items)
    dc_syms = [sorted({size(v) for items in mcus for t, syms in items if t == tb for kind, v in syms if kind == "dc"}) for tb in (0, 1)]
    ac_syms = [sorted({0 if v == "eob" else (v[0] << 4) | size(v[1]) if v[1] else 0xF0
                       for items in mcus for t, syms in items if t == tb for kind, v in syms if kind == "ac"}) for tb in (0, 1)]
    tables = len(comps) > 1 and 2 or 1

    class Bits:
        def __init__(self):
            self.out, self.acc, self.n = bytearray(), 0, 0

        def put(self, value, n):
            for i in range(n - 1, -1, -1):
                self.acc = (self.acc << 1) | ((value >> i) & 1)
                self.n += 1
                if self.n == 8:
                    self.out.append(self.acc)
                    if self.acc == 0xFF:
                        self.out.append(0)
                    self.acc, self.n = 0, 0

        def flush(self):
            if self.n:
                self.put((1 << (8 - self.n)) - 1, 8 - self.n)

    bits = Bits()
    for m, items in enumerate(mcus):
        if interval and m and m % interval == 0:
            bits.flush()
            bits.out += bytes([0xFF, 0xD0 + ((m // interval - 1) % 8)])
        for tb, syms in items:
            for kind, v in syms:
                if kind == "dc":
                    s_ = size(v)
                    bits.put(dc_syms[tb].index(s_), 4)
                    bits.put(v if v >= 0 else v + (1 << s_) - 1, s_)
                elif v == "eob":
                    bits.put(ac_syms[tb].index(0), 8)
                elif v[1] == 0:
                    bits.put(ac_syms[tb].index(0xF0), 8)
                else:
                    s_ = size(v[1])
                    bits.put(ac_syms[tb].index((v[0] << 4) | s_), 8)
                    bits.put(v[1] if v[1] >= 0 else v[1] + (1 << s_) - 1, s_)
    bits.flush()

    def seg(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    out = b"\xff\xd8"
    for t in range(tables):
        out += seg(0xDB, bytes([t]) + bytes(int(qt[t].ravel()[i]) for i in zz))
    out += seg(0xC0, struct.pack(">BHHB", 8, h, w, len(comps)) +
               b"".join(bytes([i + 1, (hs << 4) | vs, min(i, 1)]) for i, (hs, vs) in enumerate(samp)))
    for t in range(tables):
        for cls, syms, length in ((0, dc_syms[t], 4), (1, ac_syms[t], 8)):
            counts = [0] * 16
            counts[length - 1] = len(syms)
            out += seg(0xC4, bytes([(cls << 4) | t]) + bytes(counts) + bytes(syms))
    if interval:
        out += seg(0xDD, struct.pack(">H", interval))
    out += seg(0xDA, bytes([len(comps)]) + b"".join(bytes([i + 1, (min(i, 1) << 4) | min(i, 1)]) for i in range(len(comps)))
               + bytes([0, 63, 0]))
    out += bytes(bits.out) + b"\xff\xd9"
    with open(path("png", name + ".jpg"), "wb") as f:
        f.write(out)
    decoded = np.array(Image.open(path("png", name + ".jpg")).convert("RGB"))
    assert decoded.shape[:2] == (h, w)
    assert np.abs(decoded.astype(int) - (rgb if rgb.ndim == 3 else rgb[..., None]).astype(int)).mean() < 12, name
    expected["png"][name] = {"height": int(h), "width": int(w), "values": flat(decoded)}


jpeg_with_restarts("jpeg_420_restart3", photo, 3)
jpeg_with_restarts("jpeg_gray_restart5", photo[..., 0], 5, gray=True)

with open(path("png", "truncated.png"), "wb") as f:
    f.write(open(path("png", "gray_big.png"), "rb").read()[:60])

with open(path("expected.json"), "w") as f:
    json.dump(expected, f, separators=(",", ":"))
print("fixtures written to", HERE)
