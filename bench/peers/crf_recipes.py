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
  rw_crf    IRN's step/make_sem_seg_labels.py followed by a label CRF, as Puzzle-CAM's make_pseudo_labels.py runs it
            on the walk's output: per image the stride-4 `cam` is damped by (1 - B) and walked with IRN's transition
            (misc/indexing.py: a_ij = 1 - max B over the path between i and j, radius 5, to_transition_matrix with
            beta 10, T^(2^8)), upsampled x4 bilinearly, divided by its maximum, padded with a 0.25 background,
            argmax, then crf_inference_label as in ir_label. IRN squares the dense N x N transition 8 times, hours
            per image on a CPU (bench/peers/peers.py rw_dense); this peer instead applies the same sparse transition
            256 times as a torch stencil (peers.py rw_stencil), the same T^256 at a fraction of the cost, so the
            ratio against it understates the one against the seed code. B comes from SAMPLE_DIR/boundary, which
            `crf_recipes.py boundary SAMPLE_DIR` writes once from the ground truth (untimed; both sides read it).

Usage: /usr/bin/python3 bench/peers/crf_recipes.py ir_label|laha|rw_crf SAMPLE_DIR OUT_DIR [--workers 2] [--images N]
       /usr/bin/python3 bench/peers/crf_recipes.py boundary SAMPLE_DIR
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
except ImportError as e:  # said plainly, never replaced by another CRF; writing boundary maps needs none
    if sys.argv[1:2] != ["boundary"]:
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


def read_item(sample, cams_folder, name):
    """The image as RGB uint8 and the method's CAM dict (an .npy of a pickled dict, as the seed code saves it)."""
    img = np.asarray(imageio.imread(os.path.join(sample, "JPEGImages", name + ".jpg")))
    return img, np.load(os.path.join(sample, cams_folder, name + ".npy"), allow_pickle=True).item()


def irn_keys(cam_dict):
    """IRN's label ids of the padded stack: 0 for the background, then each present class id + 1."""
    return np.pad(np.asarray(cam_dict["keys"]) + 1, (1, 0), mode="constant")


def ir_label(job):
    sample, out, ids = job
    for name in ids:
        img, cam_dict = read_item(sample, "cams_irn", name)
        cams = np.asarray(cam_dict["high_res"])
        keys = irn_keys(cam_dict)
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
        img, cam_dict = read_item(sample, "cams_psa", name)
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


def walk_directions(radius=5):
    """IRN's half-plane offsets (misc/indexing.py): (0, x) for x in 1..r-1, then (y, x) for y in 1..r-1, x*x + y*y < r*r."""
    out = [(0, x) for x in range(1, radius)]
    out += [(y, x) for y in range(1, radius) for x in range(-radius + 1, radius) if x * x + y * y < radius * radius]
    return out


def walk_path(dy, dx):
    """Points of the bounding box of (0, 0) and (dy, dx) closer than one cell to the segment's line (both ends included)."""
    n2 = dy * dy + dx * dx
    return [(y, x) for y in range(min(0, dy), max(0, dy) + 1) for x in range(min(0, dx), max(0, dx) + 1)
            if (dy * x - dx * y) ** 2 < n2]


def random_walk(cams, boundary, beta=10.0, exp_times=8, radius=5):
    """x (1 - B) T^(2^exp_times) with T column-normalised from a^beta (self-affinity 1), as IRN's propagate_to_edge,
    applied as 2^exp_times stencil steps out[p] = sum_q x[q] A[q, p] / colsum[p]."""
    import torch
    c, h, w = cams.shape
    taps = []  # (sy, sx, A over destinations p, nonzero only where p - (sy, sx) is inside)
    colsum = np.ones((h, w), np.float64)
    for dy, dx in walk_directions(radius):
        ys, xs = slice(0, h - dy), slice(max(0, -dx), w - max(0, dx))
        m = np.zeros((h - dy, xs.stop - xs.start), np.float32)
        for py, px in walk_path(dy, dx):
            m = np.maximum(m, boundary[py:py + h - dy, xs.start + px:xs.stop + px])
        a = np.power(1 - m, beta).astype(np.float32)
        fwd = np.zeros((h, w), np.float32); fwd[dy:, xs.start + dx:xs.stop + dx] = a   # pair (p, p + d) seen from p + d
        bwd = np.zeros((h, w), np.float32); bwd[ys, xs] = a                            # the same pair seen from p
        colsum += fwd + bwd
        taps.append((dy, dx, fwd)); taps.append((-dy, -dx, bwd))
    colsum = colsum.astype(np.float32)
    weights = [(sy, sx, torch.from_numpy(a / colsum)) for sy, sx, a in taps]
    self_w = torch.from_numpy(1 / colsum)
    x = torch.from_numpy((cams * (1 - boundary)[None]).astype(np.float32))
    out = torch.empty_like(x)
    for _ in range(2 ** exp_times):
        torch.mul(x, self_w, out=out)
        for sy, sx, wm in weights:
            y0, y1, x0, x1 = max(0, sy), h + min(0, sy), max(0, sx), w + min(0, sx)
            out[:, y0:y1, x0:x1].addcmul_(x[:, y0 - sy:y1 - sy, x0 - sx:x1 - sx], wm[y0:y1, x0:x1])
        x, out = out, x
    return x


def rw_crf(job):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)  # one process per worker, as IRN's num_workers
    sample, out, ids = job
    for name in ids:
        img, cam_dict = read_item(sample, "cams_irn", name)
        cams = np.asarray(cam_dict["cam"], np.float32)
        keys = irn_keys(cam_dict)
        edge = np.load(os.path.join(sample, "boundary", name + ".npy")).reshape(cams.shape[1:])
        rw = random_walk(cams, edge)
        h, w = img.shape[:2]
        rw_up = F.interpolate(rw[:, None], scale_factor=4, mode="bilinear", align_corners=False)[:, 0, :h, :w]
        rw_up = rw_up / torch.max(rw_up)
        rw_up_bg = F.pad(rw_up, (0, 0, 0, 0, 1, 0), value=0.25)
        rw_pred = torch.argmax(rw_up_bg, dim=0).numpy()
        pred = crf_inference_label(img, rw_pred, n_labels=keys.shape[0])
        imageio.imwrite(os.path.join(out, name + ".png"), keys[pred].astype(np.uint8))


def write_boundaries(sample):
    """SAMPLE/boundary/ID.npy, (1, h4, w4) float32 in [0, 1]: where the ground truth changes label (void counts as a
    label), max-pooled over each 4x4 cell of the stride-4 grid, then a 3x3 box blur; a stand-in for IRN's boundary map."""
    from PIL import Image
    os.makedirs(os.path.join(sample, "boundary"), exist_ok=True)
    for name in [l.strip() for l in open(os.path.join(sample, "train.txt")) if l.strip()]:
        gt = np.asarray(Image.open(os.path.join(sample, "SegmentationClass", name + ".png")))
        h, w = gt.shape
        edge = np.zeros((h, w), np.float32)
        edge[:, 1:] = np.maximum(edge[:, 1:], gt[:, 1:] != gt[:, :-1])
        edge[1:, :] = np.maximum(edge[1:, :], gt[1:, :] != gt[:-1, :])
        h4, w4 = (h + 3) // 4, (w + 3) // 4
        padded = np.zeros((h4 * 4, w4 * 4), np.float32); padded[:h, :w] = edge
        cell = padded.reshape(h4, 4, w4, 4).max(axis=(1, 3))
        blurred = np.pad(cell, 1, mode="edge")
        blurred = sum(blurred[y:y + h4, x:x + w4] for y in range(3) for x in range(3)) / 9
        np.save(os.path.join(sample, "boundary", name + ".npy"), np.clip(blurred, 0, 1).astype(np.float32)[None])


def main():
    p = argparse.ArgumentParser()
    if len(sys.argv) == 3 and sys.argv[1] == "boundary":
        write_boundaries(sys.argv[2])
        return
    p.add_argument("recipe", choices=["ir_label", "laha", "rw_crf"])
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
        pool.map({"ir_label": ir_label, "laha": laha, "rw_crf": rw_crf}[a.recipe], jobs)
    print(f'{{"job": "{a.recipe}", "images": {len(ids)}, "workers": {a.workers}, "seconds": {time.time() - start:.3f}}}')


if __name__ == "__main__":
    main()
