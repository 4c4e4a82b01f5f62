#!/usr/bin/env python3
"""ICD's seed rule (js-fan/ICD run_icd.py _generate_seed, the part after resizing) in numpy, on random signed
ICD and CAM scores already at image size. Writes icd.npy, cam.npy (float32 (C,H,W)), ids.npy (VOC ids) and
seeds.npy (uint8 (H,W)) for several cases. Run with /usr/bin/python3 (numpy 1.24)."""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(4)


def norm_score(score):
    score = score - score.min()
    score /= max(score.max(), 1e-5)
    return score


def seeds(icd, cam, ids):
    scores = icd
    scores_fg = np.maximum(scores, 0) / np.maximum(scores.max(axis=(1, 2), keepdims=True), 1e-5)
    proposal_fg = scores_fg > 1e-5
    candidate_fg = proposal_fg.argmax(axis=0)
    if len(ids) > 1:
        comp_scores = norm_score(np.maximum(cam, 0)) * scores_fg
        conflict_fg = proposal_fg.sum(axis=0) > 1
        candidate_fg = candidate_fg * (1 - conflict_fg) + comp_scores.argmax(axis=0) * conflict_fg
    fg = proposal_fg.max(axis=0)
    scores_bg = np.minimum(scores, 0) / np.minimum(scores.min(axis=(1, 2), keepdims=True), -1e-5)
    bg = (scores_bg > 1e-5).min(axis=0)
    undefined = ~(bg ^ fg)
    if len(ids) > 1:
        undefined |= ((comp_scores.max(axis=0) - comp_scores.min(axis=0)) <= 1e-5) & fg
    h, w = icd.shape[1:]
    seed = np.array(ids)[candidate_fg.ravel()].reshape(h, w).astype(np.uint8)
    seed[bg] = 0
    seed[undefined] = 255
    return seed


for case, (c, h, w) in enumerate([(1, 13, 17), (2, 20, 9), (3, 16, 16), (3, 31, 23)]):
    ids = np.sort(rng.choice(np.arange(1, 21), c, replace=False)).astype(np.int64)
    icd = (rng.randn(c, h, w) * 2).astype(np.float32)
    icd[:, ::4, ::3] = 0  # exact zeros: neither foreground nor background
    cam = rng.randn(c, h, w).astype(np.float32)
    cam[:, 5:8, :] = 0.25  # equal composites: ties
    d = os.path.join(HERE, 'case%d' % case)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, 'icd.npy'), icd)
    np.save(os.path.join(d, 'cam.npy'), cam)
    np.save(os.path.join(d, 'ids.npy'), ids)
    np.save(os.path.join(d, 'seeds.npy'), seeds(icd, cam, ids))
print('wrote', HERE)
