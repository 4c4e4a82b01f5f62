#!/usr/bin/env python3
"""Writes a small VOC-format dataset whose CAM dumps are saved by real numpy/torch the way each seed method saves
them, and the mIoU that the seed methods' own evaluation (IRN's eval_cam with chainercv's confusion matrix, and
SEAM's per-threshold curve) computes on it. Run with Debian's python3 (numpy 1.24, torch 1.13, PIL):

    /usr/bin/python3 tests/WsssGpuRefine.Tests/Fixtures/eval/make_eval_fixture.py

The C# tests read the dumps with `wsss eval` and must reproduce expected.json to 1e-6. Never regenerate this
fixture to make a failing test pass.
"""
import json
import os

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
K = 21
rng = np.random.RandomState(20261125)


def voc_palette():
    pal = []
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        pal += [r, g, b]
    return pal


def smooth(h, w):
    a = rng.rand(h, w).astype(np.float64)
    for _ in range(3):
        a = (a + np.roll(a, 1, 0) + np.roll(a, -1, 0) + np.roll(a, 1, 1) + np.roll(a, -1, 1)) / 5
    return a


def chainercv_confusion(preds, gts):
    # chainercv.evaluations.calc_semantic_segmentation_confusion, with GT 255 -> -1 as IRN does
    n_class = K
    confusion = np.zeros((n_class, n_class), dtype=np.int64)
    for pred, gt in zip(preds, gts):
        gt = gt.astype(np.int32).copy()
        gt[gt == 255] = -1
        pred = pred.flatten(); gt = gt.flatten()
        mask = gt >= 0
        confusion += np.bincount(n_class * gt[mask].astype(int) + pred[mask], minlength=n_class ** 2).reshape((n_class, n_class))
    return confusion


def chainercv_iou(confusion):
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = np.diag(confusion) / (confusion.sum(axis=1) + confusion.sum(axis=0) - np.diag(confusion))
    return iou


def irn_label(high_res_fg, keys_fg0, threshold):
    # IRN step/eval_cam.py: pad a threshold channel in front, argmax, map through keys' = [0] + (keys + 1)
    cams = np.pad(high_res_fg, ((1, 0), (0, 0), (0, 0)), mode='constant', constant_values=threshold)
    keys = np.pad(keys_fg0 + 1, (1, 0), mode='constant')
    return keys[np.argmax(cams, axis=0)]


sizes = [(37, 53), (20, 31), (64, 48), (9, 70), (33, 33), (17, 16)]
ids = ['2007_%06d' % (i + 1) for i in range(len(sizes))]
images = []
for n, (h, w) in enumerate(sizes):
    c = 1 + n % 3
    present = np.sort(rng.choice(20, c, replace=False))
    gt = np.zeros((h, w), np.uint8)
    for k, cls in enumerate(present):
        y0, x0 = rng.randint(0, h // 2 + 1), rng.randint(0, w // 2 + 1)
        gt[y0:y0 + rng.randint(h // 3, h), x0:x0 + rng.randint(w // 3, w)] = cls + 1
    edge = np.zeros_like(gt, bool)
    edge[1:, :] |= gt[1:, :] != gt[:-1, :]
    edge[:, 1:] |= gt[:, 1:] != gt[:, :-1]
    gt[edge] = 255
    cams = np.stack([smooth(h, w) * (1.5 if (gt == cls + 1).any() else 1) for cls in present])
    cams = (cams * (gt[None] == (present[:, None, None] + 1)) * 0.7 + cams * 0.5)
    cams = (cams / (cams.max(axis=(1, 2), keepdims=True) + 1e-5)).astype(np.float32)
    # quantise some values onto the threshold grid, where off-by-one comparisons would show
    cams[:, ::5, ::3] = np.round(cams[:, ::5, ::3] * 100) / 100
    h4, w4 = (h + 3) // 4, (w + 3) // 4
    low = np.ascontiguousarray(cams[:, ::4, ::4][:, :h4, :w4])
    images.append(dict(id=ids[n], gt=gt, present=present, cams=cams, low=low))

os.makedirs(os.path.join(HERE, 'gt'), exist_ok=True)
with open(os.path.join(HERE, 'train.txt'), 'w') as f:
    f.write(''.join(im['id'] + '\n' for im in images))
pal = voc_palette()
for n, im in enumerate(images):
    path = os.path.join(HERE, 'gt', im['id'] + '.png')
    if n % 2 == 0:  # SegmentationClass: palette PNG, index = class
        p = Image.fromarray(im['gt'], mode='P'); p.putpalette(pal); p.save(path)
    else:           # SegmentationClassAug: grayscale
        Image.fromarray(im['gt'], mode='L').save(path)


def save(fmt, name, obj):
    d = os.path.join(HERE, fmt)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, name + '.npy'), obj)


for im in images:
    keys_t = torch.nonzero(torch.from_numpy(np.isin(np.arange(20), im['present'])))[:, 0]  # strided view, as IRN
    # A: IRN / AdvCAM / BES / CONTA / RPNet / CDA / WSGCN
    save('irn', im['id'], {'keys': keys_t, 'cam': torch.from_numpy(im['low']), 'high_res': im['cams']})
    # B: Puzzle-CAM: keys with bg prepended (VOC ids), hr_cam numpy, cam torch
    save('puzzlecam', im['id'], {'keys': np.pad(im['present'] + 1, (1, 0), mode='constant').astype(np.int64),
                                 'cam': torch.from_numpy(im['low']), 'hr_cam': im['cams']})
    # C: VWE, all numpy
    save('vwe', im['id'], {'keys': im['present'].astype(np.int64), 'cam': im['low'], 'high_res': im['cams']})
    # D: PSA family
    save('psa', im['id'], {int(c): im['cams'][k] for k, c in enumerate(im['present'])})
    # E: {0: bg, c+1: fg}
    bg = (1 - im['cams'].max(0)) ** 4
    e = {0: bg.astype(np.float32)}
    e.update({int(c) + 1: im['cams'][k] for k, c in enumerate(im['present'])})
    save('bg-fg', im['id'], e)
    # SSDD out_aff_crf: plain float32 (C+1, H, W), background first, then the present classes ascending
    save('ssdd', im['id'], np.concatenate([bg[None].astype(np.float32), im['cams']], axis=0))
    # CPN: SEAM-normalised CAMs halved to [0, 0.5] (D layout); thresholds apply to the halved values
    save('cpn', im['id'], {int(c): (im['cams'][k] / 2).astype(np.float32) for k, c in enumerate(im['present'])})
    # SC-CAM: the save happens after a heat-map helper thresholded the array in place at 0.15 -> {0, 255}
    save('sccam', im['id'], {int(c): np.where(im['cams'][k] > 0.15, 255.0, 0.0).astype(np.float32) for k, c in enumerate(im['present'])})

expected = {}
gts = [im['gt'] for im in images]
# What each format's maps are once read (the thresholds apply to these values).
read_back = {
    'cpn': lambda cams: (cams / 2).astype(np.float32),
    'sccam': lambda cams: (np.where(cams > 0.15, 255.0, 0.0).astype(np.float32) / np.float32(255)),
}
for fmt in ['irn', 'puzzlecam', 'vwe', 'psa', 'bg-fg', 'ssdd', 'cpn', 'sccam']:
    as_read = read_back.get(fmt, lambda cams: cams)
    preds = [irn_label(as_read(im['cams']), im['present'], 0.15) for im in images]
    conf = chainercv_confusion(preds, gts)
    iou = chainercv_iou(conf)
    curve = []
    for i in range(60):
        t = i / 100
        c = chainercv_confusion([irn_label(as_read(im['cams']), im['present'], t) for im in images], gts)
        curve.append(float(np.nanmean(chainercv_iou(c))))
    expected[fmt] = {
        'miou': float(np.nanmean(iou)),
        'iou': [None if np.isnan(v) else float(v) for v in iou],
        'confusion': conf.tolist(),
        'sweep': curve,
        'best_threshold': float(np.argmax(curve) / 100),
    }
with open(os.path.join(HERE, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
print('wrote', HERE)
