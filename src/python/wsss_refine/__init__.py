"""wsss_refine: the WsssGpuRefine engine (the ``wsss`` CLI's C# code) called in-process from Python.

Arrays in and out are numpy arrays; anything with ``__array_interface__`` or DLPack is accepted, so a CPU
``torch.Tensor`` is read without a copy (a CUDA tensor raises: call ``.cpu()`` first). Names follow the CLI:

>>> import wsss_refine as wr
>>> d = wr.read_dump("cams/ID.npy")                 # {"keys": int64 (C,), "cams": float32 (C,H,W), "format": str, ...}
>>> labels = wr.threshold(d["cams"], d["keys"], 0.15)
>>> ev = wr.Evaluator(classes=21, metric="chainercv")
>>> ev.update(labels, gt)
>>> ev.miou()

Conventions:

* ``keys`` are 0-based foreground classes (IRN's ``keys``: 0 = aeroplane); labels are VOC ids (0 = background,
  key + 1 = class, 255 = ignore/unsure), ``uint8``.
* CAMs are ``(C, H, W)``; floating dtypes other than float32 are converted, integer ones refused (TypeError).
  NaN or Inf raise. Non-contiguous arrays (slices, transposes, Fortran order) are copied once into C order;
  contiguous float32/uint8 arrays are passed to the engine as they are.
* Bad input raises :class:`WsssInputError` (a ``ValueError``) carrying the one-line message the CLI prints after
  ``error:``; missing files ``FileNotFoundError``; backend failures :class:`WsssBackendError` (``RuntimeError``).

Threads: every call on one :class:`Engine` holds that engine's lock (the Vulkan backend is not thread-safe), and
the interpreter lock is released during the call, so other Python threads keep running. For parallel work on the
CPU backend give each thread its own ``Engine("cpu")``. The module-level functions share one default engine,
created on first use with ``backend="auto"`` (or ``WSSS_BACKEND``); :func:`set_default_engine` replaces it.
"""

import ctypes
import os
import threading
from collections import namedtuple

import numpy as np

from . import _native as n
from ._native import EngineClosedError, WsssBackendError, WsssInputError

__all__ = [
    "Engine", "Evaluator", "Sweep", "RandomWalkResult", "WsssInputError", "WsssBackendError", "EngineClosedError",
    "threshold", "power_background", "scores", "sweep", "confusion", "random_walk", "crf", "ir_label", "la_ha",
    "read_dump", "read_image", "read_labels", "write_labels", "default_engine", "set_default_engine", "METRICS",
]

METRICS = ("chainercv", "seam", "gt-present", "wsgcn", "icd")
_BACKENDS = {"auto": 0, "cpu": 1, "vulkan": 2}
_RULE_CONSTANT, _RULE_POWER = 0, 1
_AFFINITY = {"image": 0, "boundary": 1, "features": 2, "matrix": 3}

RandomWalkResult = namedtuple("RandomWalkResult", ["labels", "scores", "keys"])
RandomWalkResult.__doc__ = """labels: (H, W) uint8 VOC ids; scores: (C + 1, H, W) float32, the constant background
threshold first and then the walked maps (what ``crf(image, scores, keys)`` consumes, as ``wsss refine --rw ... --crf``);
keys: the foreground keys of the score channels after the background."""


class Engine:
    """One backend (``"auto"``: the best real GPU, else the CPU; ``"cpu"``; ``"vulkan"``: any Vulkan device, software
    ones included) kept warm across calls: device, pipelines and buffers are created once. Close it (or use ``with``)
    to release the device; any call after :meth:`close` raises :class:`EngineClosedError`."""

    def __init__(self, backend="auto"):
        if backend not in _BACKENDS:
            raise WsssInputError(f"backend must be one of {', '.join(_BACKENDS)}, not {backend!r}")
        self._requested = backend
        self._handle = None
        self._open()

    def _open(self):
        handle = ctypes.c_int64()
        n.check(n.lib.wsss_engine_open(_BACKENDS[self._requested], ctypes.byref(handle)))
        self._handle, self._generation = handle.value, _fork_generation
        buffer, length = ctypes.create_string_buffer(512), ctypes.c_int32()
        n.check(n.lib.wsss_engine_describe(self._handle, buffer, len(buffer), ctypes.byref(length)))
        self.backend, _, self.device = buffer.value.decode().partition("\t")

    def __repr__(self):
        state = "closed" if self.closed else f"{self.backend}, {self.device}"
        return f"Engine({state})"

    @property
    def closed(self):
        return self._handle is None

    def close(self):
        """Releases the backend (idempotent)."""
        handle, self._handle = self._handle, None
        # An engine inherited across fork() holds the parent's handle, whose threads do not exist in this process:
        # it is dropped here, never freed (freeing it would wait on them, and it is the parent's to free).
        if handle is not None and self._generation == _fork_generation:
            n.check(n.lib.wsss_engine_close(handle))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing to report to at interpreter shutdown
            pass

    def _h(self):
        handle = self._handle
        if handle is None:
            raise EngineClosedError("the engine is closed")
        if self._generation != _fork_generation:
            handle = self._reopen_after_fork()
        return handle

    def _reopen_after_fork(self):
        # A forked child (DataLoader workers, multiprocessing "fork") inherits the parent's engine, but not the
        # backend's worker threads: a call on the parent's handle would wait for them forever. The child gets a
        # fresh backend of the same kind, as Engine(backend) created in the worker would; the parent's is untouched.
        with _fork_lock:
            if self._generation != _fork_generation and self._handle is not None:
                self._open()
            handle = self._handle
        if handle is None:
            raise EngineClosedError("the engine is closed")
        return handle

    def _noop(self):
        """One call that does no work: the binding's own cost per call (bench/python/bench_binding.py)."""
        n.check(n.lib.wsss_engine_noop(self._h()))

    # ------------------------------------------------------------------------------------------ labels

    def _label(self, cams, keys, rule, value):
        cams = n.floats(cams, "cams", 3)
        ids = n.label_ids(keys, cams.shape[0])
        out = np.empty(cams.shape[1:], np.uint8)
        n.check(n.lib.wsss_threshold(self._h(), n.ptr(cams), *cams.shape, n.ptr(ids), rule, float(value), n.ptr(out)))
        return out

    def threshold(self, cams, keys, t):
        """``wsss eval --threshold T``: background = t (float32), argmax, ties to background (IRN's rule).
        Returns (H, W) uint8 VOC ids."""
        return self._label(cams, keys, _RULE_CONSTANT, t)

    def power_background(self, cams, keys, alpha):
        """``wsss eval --bg-power A``: background = (1 - max_c cam_c)^alpha (PSA/SEAM), argmax."""
        return self._label(cams, keys, _RULE_POWER, alpha)

    def scores(self, cams, keys, threshold=None, power=None):
        """The score stack [background; cams] (C + 1, H, W) a CRF consumes: a constant ``threshold`` background, or
        ``(1 - max)^power``. Give exactly one."""
        if (threshold is None) == (power is None):
            raise WsssInputError("scores: give exactly one of threshold= or power=")
        cams = n.floats(cams, "cams", 3)
        ids = n.label_ids(keys, cams.shape[0])
        out = np.empty((cams.shape[0] + 1,) + cams.shape[1:], np.float32)
        rule, value = (_RULE_CONSTANT, threshold) if threshold is not None else (_RULE_POWER, power)
        n.check(n.lib.wsss_scores(self._h(), n.ptr(cams), *cams.shape, n.ptr(ids), rule, float(value), n.ptr(out)))
        return out

    # ------------------------------------------------------------------------------------------ scoring

    def confusion(self, pred, gt, classes=21, metric="chainercv"):
        """The (classes, classes) int64 confusion matrix (rows = ground truth) of one image (H, W) or a batch (N, H, W),
        counted as ``metric`` counts, as the ``confusion`` key of ``wsss eval --json``: chainercv and gt-present count
        a predicted 255 as background, wsgcn and icd leave it out, seam leaves it out of the matrix but adds it to its
        ground-truth row's total (:attr:`Evaluator.ignored_predictions` keeps those)."""
        classes = _classes(classes)
        counts = np.zeros((classes, classes), np.int64)
        rule = _predicted_ignore(metric)
        self._confusion_into(counts, np.zeros(classes, np.int64) if rule == _GT_ROW_ONLY else None, pred, gt, classes, rule)
        return counts

    def _confusion_into(self, counts, ignored, pred, gt, classes, rule):
        pred = n.labels(pred, "pred", (2, 3))
        gt = n.labels(gt, "gt", (2, 3))
        if pred.shape != gt.shape:
            raise WsssInputError(f"prediction is {_wh(pred)} but ground truth is {_wh(gt)}"
                                 if pred.ndim == gt.ndim else f"pred has shape {pred.shape} but gt has shape {gt.shape}")
        batch = pred.reshape((-1,) + pred.shape[-2:])
        n.check(n.lib.wsss_confusion_v2(self._h(), n.ptr(pred), n.ptr(gt), batch.shape[0], batch.shape[1], batch.shape[2],
                                        int(classes), int(rule), n.ptr(counts), n.ptr(ignored)))

    def _sweep_into(self, counts, cams, keys, gt, thresholds, classes):
        cams = n.floats(cams, "cams", 3)
        ids = n.label_ids(keys, cams.shape[0])
        gt = n.labels(gt, "gt")
        if gt.shape != cams.shape[1:]:
            raise WsssInputError(f"cams: size {cams.shape[2]}x{cams.shape[1]} does not match the ground truth's {_wh(gt)}")
        n.check(n.lib.wsss_sweep(self._h(), n.ptr(cams), *cams.shape, n.ptr(ids), n.ptr(gt), n.ptr(thresholds),
                                 n.int32(len(thresholds), "thresholds"), int(classes), n.ptr(counts)))

    # ------------------------------------------------------------------------------------------ refinement

    def crf(self, image, scores_or_labels, keys=None, preset="irn", classes=21):
        """Dense CRF (``wsss refine --crf PRESET``; ``preset`` may also be a ``--crf-params`` string).

        * scores (C + 1, H, W) float, background channel first, with ``keys`` the C foreground keys: the unary the
          preset names (irn: labels from the argmax; psa: the scores). Returns VOC ids.
        * labels (H, W) uint8 VOC ids with a labels or icd preset (irn, bes, icd): ``classes`` labels. Returns VOC ids.
        """
        img = n.image(image)
        spec = n.text(preset, "preset")
        data = n.as_array(scores_or_labels, "scores_or_labels")
        out = np.empty(img.shape[:2], np.uint8)
        if data.dtype.kind == "f":
            data = n.floats(data, "scores", 3)
            if keys is None:
                raise WsssInputError("crf: score maps need keys= (the C foreground keys after the background channel)")
            ids = np.concatenate([[0], n.label_ids(keys, data.shape[0] - 1)]).astype(np.int32)
            n.same_size(img, data, "scores")
            n.check(n.lib.wsss_crf(self._h(), n.ptr(img), img.shape[0], img.shape[1], n.ptr(data), data.shape[0],
                                   n.ptr(ids), spec, n.ptr(out)))
        else:
            lab = n.labels(data, "labels")
            n.same_size(img, lab, "labels")
            n.check(n.lib.wsss_crf_labels(self._h(), n.ptr(img), img.shape[0], img.shape[1], n.ptr(lab), n.int32(classes, "classes"),
                                          spec, n.ptr(out)))
        return out

    def _recipe(self, fn, image, cams, keys, a, b, preset):
        img = n.image(image)
        cams = n.floats(cams, "cams", 3)
        ids = n.label_ids(keys, cams.shape[0])
        n.same_size(img, cams)
        out = np.empty(img.shape[:2], np.uint8)
        n.check(fn(self._h(), n.ptr(img), img.shape[0], img.shape[1], n.ptr(cams), cams.shape[0], n.ptr(ids),
                   float(a), float(b), n.text(preset, "preset"), n.ptr(out)))
        return out

    def ir_label(self, image, cams, keys, fg=0.30, bg=0.05, preset=None):
        """IRN's ir_label (``wsss refine --ir-label FG,BG --crf irn``): label CRFs at a high and a low constant
        background; 255 where they disagree. ``preset`` None keeps the recipe's own CRF (irn)."""
        return self._recipe(n.lib.wsss_ir_label, image, cams, keys, fg, bg, preset)

    def la_ha(self, image, cams, keys, low=4, high=32, preset=None):
        """PSA's la/ha labels (``wsss refine --la-ha LOW,HIGH``; SEAM uses 4, 24). ``preset`` None: psa."""
        return self._recipe(n.lib.wsss_la_ha, image, cams, keys, low, high, preset)

    def random_walk(self, cams, keys, image=None, boundary=None, features=None, matrix=None, size=None,
                    beta=10.0, exp_times=8, radius=5, bg_threshold=0.25):
        """IRN's random walk (``wsss refine --rw image|boundary:DIR|features:DIR|matrix:DIR``) of stride-4 CAMs
        (C, ceil(H/4), ceil(W/4)) (``read_dump(...)["cams_stride"]``). The affinity comes from exactly one of
        ``image`` (H, W, 3) uint8, ``boundary`` (h, w) float, ``features`` (K, h, w) float or ``matrix`` (h·w, h·w)
        float. ``size`` = (H, W), the full image size (taken from ``image`` when given). Returns
        :data:`RandomWalkResult` (labels, scores with background first, keys)."""
        cams = n.floats(cams, "cams", 3)
        ids = n.label_ids(keys, cams.shape[0])
        given = {k: v for k, v in (("image", image), ("boundary", boundary), ("features", features), ("matrix", matrix))
                 if v is not None}
        if len(given) != 1:
            raise WsssInputError("random_walk: give exactly one affinity source: image=, boundary=, features= or matrix=")
        (kind, source), = given.items()
        img = aff = None
        affinity_channels = 0
        if kind == "image":
            img = n.image(source)
            if size is not None and _size(size, "size") != img.shape[:2]:
                raise WsssInputError(f"random_walk: size {tuple(size)} differs from the image's {img.shape[:2]}")
            size = img.shape[:2]
        elif kind == "boundary":
            raw = n.as_array(source, "boundary")
            aff = n.floats(raw[0] if raw.ndim == 3 and raw.shape[0] == 1 else raw, "boundary", 2)
        elif kind == "features":
            raw = n.as_array(source, "features")
            aff = n.floats(raw[0] if raw.ndim == 4 and raw.shape[0] == 1 else raw, "features", 3)
            affinity_channels = aff.shape[0]
        else:
            aff = n.floats(source, "matrix", 2)
        if size is None:
            raise WsssInputError("random_walk: size=(H, W) is needed without image=")
        h, w = _size(size, "size")
        gh, gw = cams.shape[1:]
        if kind == "boundary" and aff.shape != (gh, gw) or kind == "features" and aff.shape[1:] != (gh, gw):
            raise WsssInputError(f"{kind}: the map is {aff.shape[-2]}x{aff.shape[-1]} (h x w) but the CAM grid is {gh}x{gw}")
        if kind == "matrix" and aff.shape != (gh * gw, gh * gw):
            raise WsssInputError(f"matrix: expected an ({gh * gw},{gh * gw}) matrix for the {gh}x{gw} grid, got {aff.shape}")
        labels_out = np.empty((h, w), np.uint8)
        scores_out = np.empty((cams.shape[0] + 1, h, w), np.float32)
        n.check(n.lib.wsss_random_walk(self._h(), n.ptr(cams), cams.shape[0], gh, gw, n.ptr(ids), _AFFINITY[kind],
                                       n.ptr(img), n.ptr(aff), affinity_channels, h, w, float(beta),
                                       n.int32(exp_times, "exp_times"), n.int32(radius, "radius"), float(bg_threshold),
                                       n.ptr(labels_out), n.ptr(scores_out)))
        return RandomWalkResult(labels_out, scores_out, (ids - 1).astype(np.int64))


def _size(size, name):
    """(H, W) as two positive integers the engine can take."""
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise WsssInputError(f"{name}: expected (H, W), two positive integers, got {size!r}") from None
    if h <= 0 or w <= 0 or h > n.INT32_MAX or w > n.INT32_MAX or h * w > n.MAX_ELEMENTS:
        raise WsssInputError(f"{name}: expected (H, W), two positive integers of at most {n.MAX_ELEMENTS} pixels in all, "
                             f"got {tuple(size)}")
    return h, w


def _wh(array):
    return f"{array.shape[-1]}x{array.shape[-2]}"


_GT_ROW_ONLY = 2  # the engine's PredictedIgnore rule code for SEAM (0 as background, 1 skipped); wsss_metric_v2 says which


def _classes(classes):
    value = int(classes)
    if not 1 <= value <= 255:
        raise WsssInputError(f"classes must be in 1..255 (got {classes})")
    return value


def _predicted_ignore(metric):
    """The engine's rule for a predicted 255 under ``metric`` (also checks the name)."""
    rule = ctypes.c_int32()
    n.check(n.lib.wsss_metric_v2(None, None, 0, n.text(metric, "metric"), ctypes.byref(rule), None, None))
    return rule.value


def _metric(counts, ignored, metric):
    classes = counts.shape[0]
    counts = np.ascontiguousarray(counts, np.int64)
    ignored = None if ignored is None else np.ascontiguousarray(ignored, np.int64)
    miou, rule = ctypes.c_double(), ctypes.c_int32()
    iou = np.empty(classes, np.float64)
    n.check(n.lib.wsss_metric_v2(n.ptr(counts), n.ptr(ignored), classes, n.text(metric, "metric"), ctypes.byref(rule),
                                 ctypes.byref(miou), n.ptr(iou)))
    return miou.value, iou


class Evaluator:
    """Accumulates a confusion matrix batch by batch, as ``wsss eval`` does over a list.

    ``update(pred, gt)`` takes one (H, W) pair or a batch (N, H, W); ground-truth 255 is never counted; the metric
    chosen here decides what a predicted 255 means, as in ``wsss eval --metric``: counted as background (chainercv,
    gt-present), left out (wsgcn, icd), or added to its ground-truth row's total only (seam, SEAM's evaluation.py;
    those pixels are in :attr:`ignored_predictions`, the JSON's ``"ignored_predictions"``).
    ``miou()`` is the fraction ``wsss eval --json`` writes as ``"miou"``."""

    def __init__(self, classes=21, metric="chainercv", engine=None):
        self.classes = _classes(classes)
        self.metric = metric
        self._rule = _predicted_ignore(metric)
        self._engine = engine
        self.confusion = np.zeros((self.classes, self.classes), np.int64)
        self.ignored_predictions = np.zeros(self.classes, np.int64)
        self.images = 0

    def update(self, pred, gt):
        engine = self._engine or default_engine()
        before, ignored_before = self.confusion.copy(), self.ignored_predictions.copy()
        try:
            engine._confusion_into(self.confusion, self.ignored_predictions, pred, gt, self.classes, self._rule)
        except Exception:
            self.confusion[...] = before  # a failed batch leaves the totals as they were
            self.ignored_predictions[...] = ignored_before
            raise
        self.images += 1 if np.ndim(pred) == 2 else int(np.shape(pred)[0])
        return self

    def _check_metric(self, metric):
        metric = metric or self.metric
        if _predicted_ignore(metric) != self._rule:
            raise WsssInputError(f"metric {metric!r} counts predicted 255 differently from {self.metric!r}; "
                                 f"use Evaluator(metric={metric!r})")
        return metric

    def miou(self, metric=None):
        """mIoU as a fraction under ``metric`` (default: the evaluator's); NaN when no class counts."""
        return _metric(self.confusion, self.ignored_predictions, self._check_metric(metric))[0]

    def iou(self, metric=None):
        """Per-class IoU (float64, NaN where undefined)."""
        return _metric(self.confusion, self.ignored_predictions, self._check_metric(metric))[1]

    def merge(self, other):
        """Adds another evaluator's counts (shards, data-loader workers), as ``wsss merge``."""
        if not isinstance(other, Evaluator) or other.classes != self.classes or other._rule != self._rule:
            raise WsssInputError("merge: the evaluators differ in classes or in how they count predicted 255")
        self.confusion += other.confusion
        self.ignored_predictions += other.ignored_predictions
        self.images += other.images
        return self

    def reset(self):
        self.confusion[...] = 0
        self.ignored_predictions[...] = 0
        self.images = 0


class Sweep:
    """The exact one-pass threshold sweep (``wsss eval --sweep``): every threshold's confusion matrix from one pass
    per image. ``update(cams, keys, gt)`` per image; ``miou()`` gives one mIoU per threshold."""

    def __init__(self, thresholds, classes=21, metric="chainercv", engine=None):
        self.thresholds = np.ascontiguousarray(np.asarray(thresholds, np.float64).reshape(-1))
        if self.thresholds.size == 0 or not np.isfinite(self.thresholds).all():
            raise WsssInputError("sweep: thresholds must be a non-empty list of finite numbers")
        classes = _classes(classes)
        _predicted_ignore(metric)  # checks the name; a thresholded CAM never predicts 255, so every metric applies
        self.classes, self.metric, self._engine = classes, metric, engine
        self.confusion = np.zeros((self.thresholds.size, self.classes, self.classes), np.int64)
        self.images = 0

    def update(self, cams, keys, gt):
        engine = self._engine or default_engine()
        part = np.zeros_like(self.confusion)
        engine._sweep_into(part, cams, keys, gt, self.thresholds, self.classes)
        self.confusion += part
        self.images += 1
        return self

    def miou(self, metric=None):
        return np.array([_metric(c, None, metric or self.metric)[0] for c in self.confusion])

    def best(self, metric=None):
        """(threshold, mIoU) of the best threshold (the first on ties)."""
        values = self.miou(metric)
        i = int(np.nanargmax(values))
        return float(self.thresholds[i]), float(values[i])

    def merge(self, other):
        if not isinstance(other, Sweep) or other.confusion.shape != self.confusion.shape \
                or not np.array_equal(other.thresholds, self.thresholds):
            raise WsssInputError("merge: the sweeps differ in thresholds or classes")
        self.confusion += other.confusion
        self.images += other.images
        return self


# ---------------------------------------------------------------------------------------------- files

def read_dump(path, format=None, present=None, image_size=None):
    """Reads any seed method's CAM dump with the safe reader (a pickle global outside the allowlist raises; nothing
    is executed). Returns ``{"keys": int64 (C,) 0-based foreground classes, "cams": float32 (C, H, W) full
    resolution, "format": str}`` plus ``"cams_stride"``/``"keys_stride"`` where the dump has IRN's stride-4 map.
    ``format``: a ``--format`` preset; ``present``: the image-level label as 0-based classes (tells PSA dicts from
    bg-fg ones, names plain arrays); ``image_size`` (H, W) crops ICD canvases."""
    present_arr = None
    if present is not None:
        classes = sorted(int(c) for c in present)
        if classes and (classes[0] < 0 or classes[-1] > n.MAX_KEY):
            raise WsssInputError(f"present: classes are 0-based foreground classes in 0..{n.MAX_KEY} "
                                 f"(got {classes[0]}..{classes[-1]})")
        present_arr = np.ascontiguousarray(np.asarray(classes, np.int32))
    h, w = (0, 0) if image_size is None else _size(image_size, "image_size")
    handle, dims = ctypes.c_int64(), np.zeros(6, np.int32)
    n.check(n.lib.wsss_read_dump(n.path(path), n.text(format, "format"), n.ptr(present_arr),
                                 -1 if present_arr is None else present_arr.size, h, w, ctypes.byref(handle), n.ptr(dims)))
    try:
        c, hh, ww, sc, sh, sw = (int(v) for v in dims)
        ids, cams = np.empty(c, np.int32), np.empty((c, hh, ww), np.float32)
        sids = np.empty(sc, np.int32) if sc else None
        scams = np.empty((sc, sh, sw), np.float32) if sc else None
        fmt = ctypes.create_string_buffer(256)
        n.check(n.lib.wsss_dump_copy(handle.value, n.ptr(ids), n.ptr(cams), n.ptr(sids), n.ptr(scams), fmt, len(fmt)))
    finally:
        n.lib.wsss_free(handle.value)
    result = {"keys": (ids - 1).astype(np.int64), "cams": cams, "format": fmt.value.decode()}
    if scams is not None:
        result["cams_stride"], result["keys_stride"] = scams, (sids - 1).astype(np.int64)
    return result


def _read_bytes(path, as_labels):
    handle, dims = ctypes.c_int64(), np.zeros(3, np.int32)
    n.check(n.lib.wsss_read_image(n.path(path), int(as_labels), ctypes.byref(handle), n.ptr(dims)))
    try:
        h, w, c = (int(v) for v in dims)
        out = np.empty((h, w, c) if c > 1 else (h, w), np.uint8)
        n.check(n.lib.wsss_bytes_copy(handle.value, n.ptr(out), out.size))
    finally:
        n.lib.wsss_free(handle.value)
    return out


def read_image(path):
    """(H, W, 3) uint8 RGB, decoded as the CLI decodes it (baseline JPEGs bit-exact with libjpeg, as PIL/cv2)."""
    return _read_bytes(path, False)


def read_labels(path):
    """(H, W) uint8 label PNG, by palette index (never by colour) or grey value; 255 = ignore."""
    return _read_bytes(path, True)


def write_labels(path, labels, png="gray"):
    """Writes (H, W) uint8 labels as a PNG: ``"gray"`` (SegmentationClassAug style) or ``"palette"`` (VOC colours,
    what ``wsss refine`` writes). Written atomically (temporary file, then rename)."""
    lab = n.labels(labels, "labels")
    n.check(n.lib.wsss_write_labels(n.path(path), n.ptr(lab), lab.shape[0], lab.shape[1], n.text(png, "png")))


# ---------------------------------------------------------------------------------------------- default engine

_default = None
_default_lock = threading.Lock()
_fork_lock = threading.Lock()
_fork_generation = 0  # bumped in every forked child: engines opened in an earlier generation reopen on first use


def _after_fork_in_child():
    global _fork_generation, _default_lock, _fork_lock
    _fork_generation += 1
    # Another parent thread may have held these at fork(); in the child that thread is gone.
    _default_lock, _fork_lock = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def default_engine():
    """The engine the module-level functions use (created on first use: ``WSSS_BACKEND`` or ``"auto"``)."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = Engine(os.environ.get("WSSS_BACKEND", "auto"))
        return _default


def set_default_engine(engine):
    """Makes ``engine`` (an :class:`Engine`, or a backend name) the module-level functions' engine; returns it."""
    global _default
    if not isinstance(engine, Engine):
        engine = Engine(engine)
    with _default_lock:
        _default = engine
    return engine


def threshold(cams, keys, t):
    return default_engine().threshold(cams, keys, t)


def power_background(cams, keys, alpha):
    return default_engine().power_background(cams, keys, alpha)


def scores(cams, keys, threshold=None, power=None):
    return default_engine().scores(cams, keys, threshold=threshold, power=power)


def confusion(pred, gt, classes=21, metric="chainercv"):
    return default_engine().confusion(pred, gt, classes, metric)


def sweep(items, thresholds, classes=21, metric="chainercv"):
    """A :class:`Sweep` over ``items``, an iterable of (cams, keys, gt)."""
    s = Sweep(thresholds, classes, metric)
    for cams, keys, gt in items:
        s.update(cams, keys, gt)
    return s


def random_walk(cams, keys, **kwargs):
    return default_engine().random_walk(cams, keys, **kwargs)


def crf(image, scores_or_labels, keys=None, preset="irn", classes=21):
    return default_engine().crf(image, scores_or_labels, keys=keys, preset=preset, classes=classes)


def ir_label(image, cams, keys, fg=0.30, bg=0.05, preset=None):
    return default_engine().ir_label(image, cams, keys, fg, bg, preset)


def la_ha(image, cams, keys, low=4, high=32, preset=None):
    return default_engine().la_ha(image, cams, keys, low, high, preset)


for _f, _m in ((threshold, Engine.threshold), (power_background, Engine.power_background), (scores, Engine.scores),
               (confusion, Engine.confusion), (random_walk, Engine.random_walk), (crf, Engine.crf),
               (ir_label, Engine.ir_label), (la_ha, Engine.la_ha)):
    _f.__doc__ = (_m.__doc__ or "") + "\n\nRuns on :func:`default_engine`."
