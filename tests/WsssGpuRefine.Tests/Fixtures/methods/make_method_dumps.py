#!/usr/bin/python3
"""Writes a small VOC-format set and every seed method's CAM dumps, as each method's own code lays them out,
with real numpy and torch; and expected.json: each method's CAM evaluation rendered in numpy as the method's
own evaluation script computes it (jiwoon-ahn/irn step/eval_cam.py:15-21, YudeWang/SEAM evaluation.py:37-63,
Juliachang/SC-CAM tool/iouutils.py, Xavier-Pan/WSGCN GCN/eval.py:57-86, js-fan/ICD compute_iou.py:7).

Run by MethodPresetTests at test time: /usr/bin/python3 make_method_dumps.py OUT
Image-level labels come from XML annotations, as in VOC: image b has a labelled class with no ground-truth
pixel (occluded) and image c a class marked difficult, so the integer-keyed dicts hold classes the ground
truth lacks.
"""
import json
import os
import sys

import imageio
import numpy as np
import torch

out = sys.argv[1]
rng = np.random.RandomState(7)
NAMES = ["aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
         "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]

# id: (H, W, [(class, box, difficult)], classes drawn into the GT)
IMAGES = {
    "2007_000001": (40, 52, [(11, (4, 4, 24, 30), 0), (14, (18, 26, 38, 50), 0)], {11, 14}),
    "2007_000002": (36, 44, [(0, (6, 6, 30, 30), 0), (6, (20, 28, 34, 42), 0)], {0}),          # class 6 occluded
    "2007_000003": (48, 40, [(4, (2, 2, 30, 20), 0), (7, (26, 18, 46, 38), 1)], {4, 7}),        # class 7 difficult
}


def write(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, array)


def blur(a, k=3):
    p = np.pad(a, k, mode="edge")
    out_ = np.zeros_like(a)
    for dy in range(-k, k + 1):
        for dx in range(-k, k + 1):
            out_ += p[k + dy:k + dy + a.shape[0], k + dx:k + dx + a.shape[1]]
    return out_ / (2 * k + 1) ** 2


for d in ["JPEGImages", "SegmentationClass", "Annotations"]:
    os.makedirs(os.path.join(out, d), exist_ok=True)
with open(os.path.join(out, "train.txt"), "w") as f:
    f.write("\n".join(IMAGES) + "\n")

expected_inputs = {}
for name, (h, w, objects, drawn) in IMAGES.items():
    gt = np.zeros((h, w), np.uint8)
    image = (rng.rand(h, w, 3) * 40 + 100).astype(np.float32)
    maps = {}
    for c, (y0, x0, y1, x1), _ in objects:
        region = np.zeros((h, w), np.float32)
        region[y0:y1, x0:x1] = 1
        if c in drawn:
            gt[y0:y1, x0:x1] = c + 1
            image[y0:y1, x0:x1] = [(37 * c) % 200 + 30, (91 * c) % 200 + 30, (53 * c) % 200 + 30]
        maps[c] = blur(region) * 0.9 + rng.rand(h, w).astype(np.float32) * 0.1
    gt[0, :] = 255
    gt[:, -1] = 255
    imageio.imwrite(os.path.join(out, "JPEGImages", name + ".png"), np.clip(image, 0, 255).astype(np.uint8))
    imageio.imwrite(os.path.join(out, "SegmentationClass", name + ".png"), gt)
    with open(os.path.join(out, "Annotations", name + ".xml"), "w") as f:
        f.write("<annotation><filename>%s.jpg</filename>" % name)
        for c, _, difficult in objects:
            f.write("<object><name>%s</name><difficult>%d</difficult></object>" % (NAMES[c], difficult))
        f.write("</annotation>")
    keys = sorted(maps)
    cam = np.stack([maps[c] for c in keys]).astype(np.float32)
    cam = cam / (cam.max(axis=(1, 2), keepdims=True) + 1e-5)          # IRN / PSA max-norm, [0, 1)
    h4, w4 = (h + 3) // 4, (w + 3) // 4
    strided = torch.from_numpy(np.ascontiguousarray(cam[:, ::4, ::4][:, :h4, :w4]))
    irn = {"keys": torch.from_numpy(np.array(keys, np.int64)), "cam": strided, "high_res": cam}
    for m in ["irn", "conta", "rpnet", "cda", "advcam", "bes", "wsgcn", "ial"]:
        write(os.path.join(out, "dumps", m, name + ".npy"), irn)
    write(os.path.join(out, "dumps", "vwe", name + ".npy"),
          {"keys": np.array(keys, np.int64), "cam": strided.numpy(), "high_res": cam})
    puzzle = {"keys": np.array([0] + [k + 1 for k in keys], np.int64), "cam": strided, "hr_cam": cam}
    for m in ["puzzlecam", "puzzlecam-readme"]:
        write(os.path.join(out, "dumps", m, name + ".npy"), puzzle)
    # Puzzle-CAM's random-walk scores (OFRIN/PuzzleCAM inference_rw.py:165-168): fg channels over the max, keys with 0.
    rw = np.power(cam, 1.3)
    write(os.path.join(out, "dumps", "puzzlecam_rw", name + ".npy"), {"keys": puzzle["keys"], "rw": (rw / rw.max()).astype(np.float32)})
    psa = {c: cam[i] for i, c in enumerate(keys)}
    for m in ["psa", "ssdd", "rrm"]:
        write(os.path.join(out, "dumps", m, name + ".npy"), psa)
    lo, hi = cam.min(), cam.max()
    seam = np.maximum(cam, 0)
    seam[seam < lo + 1e-5] = 0
    seam = (seam - lo - 1e-5) / (hi - lo + 1e-5)                       # SEAM min-max (tiny negatives possible)
    write(os.path.join(out, "dumps", "seam", name + ".npy"), {c: seam[i] for i, c in enumerate(keys)})
    write(os.path.join(out, "dumps", "cpn", name + ".npy"), {c: seam[i] * 0.5 for i, c in enumerate(keys)})
    sccam = np.where(cam > 0.15, 255.0, 0.0).astype(np.float32)        # SC-CAM's in-place {0, 255} mutation
    write(os.path.join(out, "dumps", "sccam", name + ".npy"), {c: sccam[i] for i, c in enumerate(keys)})
    # ICD: non-difficult classes only, raw signed scores on the stride-8 grid of a 65x65 canvas.
    icd_keys = [c for c, _, difficult in objects if not difficult]
    icd = np.stack([np.pad(maps[c], ((0, 65 - h), (0, 65 - w)))[::8, ::8] for c in sorted(icd_keys)]) * 2 - 0.5
    write(os.path.join(out, "dumps", "icd", name + ".npy"), icd.astype(np.float32))
    write(os.path.join(out, "dumps", "icd_seeds", name + ".npy"), (icd * 0.8 + 0.05).astype(np.float32))
    # WSGCN's GCN Logit: {0: bg, c+1: prob} (Xavier-Pan/WSGCN GCN/train.py:77).
    bg = np.power(1 - cam.max(axis=0), 4)
    stack = np.concatenate([bg[None], cam])
    prob = np.exp(stack * 5) / np.exp(stack * 5).sum(axis=0, keepdims=True)
    logit = {0: prob[0].astype(np.float32)}
    logit.update({c + 1: prob[i + 1].astype(np.float32) for i, c in enumerate(keys)})
    write(os.path.join(out, "dumps", "wsgcn_logit", name + ".npy"), logit)
    # Labels with predicted 255 (pseudo labels) for the label metrics.
    labels = np.argmax(np.concatenate([np.full((1, h, w), 0.3, np.float32), cam]), axis=0)
    labels = np.array([0] + [k + 1 for k in keys], np.uint8)[labels]
    labels[(cam.max(axis=0) > 0.2) & (cam.max(axis=0) < 0.4)] = 255
    os.makedirs(os.path.join(out, "labels"), exist_ok=True)
    imageio.imwrite(os.path.join(out, "labels", name + ".png"), labels)
    expected_inputs[name] = (gt, keys, cam, seam, sccam, labels, (rw / rw.max()).astype(np.float32))


def confusion(pairs, pred_ignore):
    """21x21 counts (rows gt) over gt < 21, and per-row counts of predicted 255."""
    m = np.zeros((21, 21), np.int64)
    ignored = np.zeros(21, np.int64)
    for pred, gt in pairs:
        valid = gt < 21
        if pred_ignore == "background":
            pred = np.where(pred == 255, 0, pred)
        if pred_ignore == "row":                  # SEAM: T counts it, no P column does
            ignored += np.bincount(gt[valid & (pred == 255)], minlength=21)[:21]
        ok = valid & (pred < 21)
        m += np.bincount(21 * gt[ok].astype(int) + pred[ok], minlength=441).reshape(21, 21)
    return m, ignored


def miou(m, ignored, metric):
    tp = np.diag(m).astype(np.float64)
    rows, cols = m.sum(axis=1) + ignored, m.sum(axis=0)
    if metric in ("seam", "icd"):
        return float(np.mean(tp / (rows + cols - tp + 1e-10)))
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = tp / (rows + cols - tp)
    if metric == "gt-present":
        return float(np.mean(iou[rows > 0]))
    return float(np.nanmean(iou))


PRED_IGNORE = {"chainercv": "background", "gt-present": "background", "seam": "row", "wsgcn": "skip", "icd": "skip"}


def eval_cams(which, thresholds, metric):
    best = None
    for t in thresholds:
        pairs = []
        for name, (gt, keys, cam, seam, sccam, _, rw) in expected_inputs.items():
            maps = {"cam": cam, "seam": seam, "cpn": seam * 0.5, "sccam": sccam, "rw": rw}[which]
            stack = np.concatenate([np.full((1,) + gt.shape, t, np.float32), maps])
            pred = np.array([0] + [k + 1 for k in keys], np.uint8)[np.argmax(stack, axis=0)]
            pairs.append((pred, gt))
        m, ignored = confusion(pairs, PRED_IGNORE[metric])
        value = miou(m, ignored, metric)
        if best is None or value > best[1]:
            best = (t, value)
    return {"threshold": best[0], "miou": best[1]}


def sweep(start, count, step):
    return [start + i * step for i in range(count)]


expected = {
    "irn": eval_cams("cam", [0.15], "chainercv"),
    "conta": eval_cams("cam", [0.15], "chainercv"),
    "rpnet": eval_cams("cam", [0.15], "chainercv"),
    "cda": eval_cams("cam", [0.15], "chainercv"),
    "bes": eval_cams("cam", [0.11], "chainercv"),
    "wsgcn": eval_cams("cam", [0.15], "wsgcn"),
    "psa": eval_cams("cam", [0.2], "chainercv"),
    "ssdd": eval_cams("cam", [0.2], "chainercv"),
    "vwe": eval_cams("cam", [0.14], "gt-present"),
    "sccam": eval_cams("sccam", [0.15], "gt-present"),
    "advcam": eval_cams("cam", [i / 100 for i in range(15, 35)], "chainercv"),
    "seam": eval_cams("seam", [i / 100 for i in range(60)], "seam"),
    "cpn": eval_cams("cpn", [i / 100 for i in range(20, 60)], "seam"),
    "puzzlecam": eval_cams("cam", [round(0.05 * (i + 1), 10) for i in range(15)], "seam"),
    "puzzlecam-readme": eval_cams("cam", [round(0.05 * (i + 1), 10) for i in range(15)], "seam"),
    # evaluate.py --mode rw: np.arange(0.05, 0.50, 0.05) (OFRIN/PuzzleCAM evaluate.py:22,140).
    "puzzlecam_rw": eval_cams("rw", np.arange(0.05, 0.50, 0.05).tolist(), "seam"),
}
label_pairs = [(labels, gt) for (gt, _, _, _, _, labels, _) in expected_inputs.values()]
expected["labels"] = {metric: miou(*confusion(label_pairs, PRED_IGNORE[metric]), metric)
                      for metric in ["chainercv", "seam", "wsgcn", "icd", "gt-present"]}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
