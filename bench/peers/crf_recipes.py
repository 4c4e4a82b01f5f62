#!/usr/bin/python3
"""Whole-process peers of the two-CRF pseudo-label recipes, as the seed code runs them (our own rendering).

  ir_label  IRN's step/cam_to_ir_label.py (jiwoon-ahn/irn): per image, the `high_res` CAMs padded with a constant
            background at conf_fg_thres (0.30) and at conf_bg_thres (0.05), argmax, one label CRF each
            (misc/imutils.py crf_inference_label: gauss sxy 3 compat 3, bilateral sxy 50 srgb 5 compat 10,
            unary_from_labels gt_prob 0.7, 10 iterations), then fg where the first CRF says fg, 0 where both say
            background, 255 elsewhere; written as a PNG with imageio. IRN runs it on `num_workers` processes.
  laha      PSA's infer_cls.py (jiwoon-ahn/psa): per image [(1 - max_c cam)^alpha; cams] at alpha 4 (la) and 32
            (ha), one softmax-unary CRF each (tool/imutils.py crf_inference: gauss 3/3, bilateral 80/13/10,
            10 iterations), then the la/ha rule of voc12/data.py (la argmax, 255 where la says background, 0 where
            ha says background); written as a PNG.

Usage: /usr/bin/python3 bench/peers/crf_recipes.py ir_label|laha SAMPLE_DIR OUT_DIR [--workers 2] [--images N]
SAMPLE_DIR is what `wsss demo --generate-only` writes. pydensecrf must be importable (pip install it, or build
lucasb-eyer/pydensecrf from source with Cython and Eigen and put it on PYTHONPATH); without it this script says
so and exits with status 2: it never falls back to something else.
"""
import argparse
import multiprocessing
import os
import sys
import time

import numpy as np

try:
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import unary_from_labels, unary_from_softmax
except ImportError as e:  # said plainly, never replaced by another CRF
    print(f"pydensecrf is not importable ({e}); install it or put a build on PYTHONPATH", file=sys.stderr)
    sys.exit(2)

import imageio


def crf_inference_label(img, labels, t=10, n_labels=21, gt_prob=0.7):
    # jiwoon-ahn/irn misc/imutils.py crf_inference_label
    h, w = img.shape[:2]
    d = dcrf.DenseCRF2D(w, h, n_labels)
    unary = unary_from_labels(labels, n_labels, gt_prob=gt_prob, zero_unsure=False)
    d.setUnaryEnergy(unary)
    d.addPairwiseGaussian(sxy=3, compat=3)
    d.addPairwiseBilateral(sxy=50, srgb=5, rgbim=np.ascontiguousarray(np.copy(img)), compat=10)
    q = d.inference(t)
    return np.argmax(np.array(q).reshape((n_labels, h, w)), axis=0)


def crf_inference(img, probs, t=10, scale_factor=1, labels=21):
    # jiwoon-ahn/psa tool/imutils.py crf_inference
    h, w = img.shape[:2]
    d = dcrf.DenseCRF2D(w, h, labels)
    d.setUnaryEnergy(unary_from_softmax(probs))
    d.addPairwiseGaussian(sxy=3 / scale_factor, compat=3)
    d.addPairwiseBilateral(sxy=80 / scale_factor, srgb=13, rgbim=np.copy(img), compat=10)
    q = d.inference(t)
    return np.array(q).reshape((labels, h, w))


def ir_label(job):
    sample, out, ids = job
    for name in ids:
        img = np.asarray(imageio.imread(os.path.join(sample, "JPEGImages", name + ".jpg")))
        cam_dict = np.load(os.path.join(sample, "cams_irn", name + ".npy"), allow_pickle=True).item()
        cams = np.asarray(cam_dict["high_res"])
        keys = np.pad(np.asarray(cam_dict["keys"]) + 1, (1, 0), mode="constant")
        fg_conf_cam = np.pad(cams, ((1, 0), (0, 0), (0, 0)), mode="constant", constant_values=0.30)
        fg_conf_cam = np.argmax(fg_conf_cam, axis=0)
        pred = crf_inference_label(img, fg_conf_cam, n_labels=keys.shape[0])
        fg_conf = keys[pred]
        bg_conf_cam = np.pad(cams, ((1, 0), (0, 0), (0, 0)), mode="constant", constant_values=0.05)
        bg_conf_cam = np.argmax(bg_conf_cam, axis=0)
        pred = crf_inference_label(img, bg_conf_cam, n_labels=keys.shape[0])
        bg_conf = keys[pred]
        conf = fg_conf.copy()
        conf[fg_conf == 0] = 255
        conf[bg_conf + fg_conf == 0] = 0
        imageio.imwrite(os.path.join(out, name + ".png"), conf.astype(np.uint8))


def laha(job):
    sample, out, ids = job
    for name in ids:
        img = np.asarray(imageio.imread(os.path.join(sample, "JPEGImages", name + ".jpg")))
        cam_dict = np.load(os.path.join(sample, "cams_psa", name + ".npy"), allow_pickle=True).item()
        keys = sorted(cam_dict.keys())
        cams = np.stack([np.asarray(cam_dict[k]) for k in keys])
        ids_ = np.array([0] + [k + 1 for k in keys])
        results = []
        for alpha in (4, 32):
            bg_score = np.power(1 - np.max(cams, 0), alpha)
            stack = np.concatenate((np.expand_dims(bg_score, 0), cams), axis=0)
            results.append(crf_inference(img, stack, labels=stack.shape[0]))
        la, ha = results
        label_la = np.argmax(la, 0)
        label = ids_[label_la].astype(np.uint8)
        label[label_la == 0] = 255
        label[np.argmax(ha, 0) == 0] = 0
        label[np.max(np.maximum(la, ha), 0) < 1e-5] = 255
        imageio.imwrite(os.path.join(out, name + ".png"), label)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("recipe", choices=["ir_label", "laha"])
    p.add_argument("sample")
    p.add_argument("out")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--images", type=int, default=0)
    a = p.parse_args()
    ids = [l.strip() for l in open(os.path.join(a.sample, "train.txt")) if l.strip()]
    if a.images:
        ids = ids[: a.images]
    os.makedirs(a.out, exist_ok=True)
    # IRN splits the list into num_workers contiguous parts (torchutils.split_dataset) and spawns one process each.
    n = (len(ids) + a.workers - 1) // a.workers
    jobs = [(a.sample, a.out, ids[i * n:(i + 1) * n]) for i in range(a.workers)]
    start = time.time()
    with multiprocessing.get_context("spawn").Pool(a.workers) as pool:
        pool.map(ir_label if a.recipe == "ir_label" else laha, jobs)
    print(f'{{"job": "{a.recipe}", "images": {len(ids)}, "workers": {a.workers}, "seconds": {time.time() - start:.3f}}}')


if __name__ == "__main__":
    main()
