#!/usr/bin/python3
"""Reference random-walk fixtures for tests/WsssGpuRefine.Tests/RandomWalk.

Run with the Debian interpreter (numpy 1.24, torch 1.13):
    /usr/bin/python3 tests/WsssGpuRefine.Tests/Fixtures/rw/make_rw_fixture.py

Two small random cases, computed densely in float32 with torch the way the references do:
  irn_*  : IRN (misc/indexing.py propagate_to_edge + step/make_sem_seg_labels.py): boundary map padded
           with 1 (left r, right r, bottom r), path affinities 1 - max B, dense symmetric A with unit
           diagonal cropped to the image, A**beta column-normalised, squared exp_times times, CAM * (1 - B)
           times T, bilinear x4 (align_corners=False), crop, global max, bg 0.25, argmax.
  psa_*  : AffinityNet (psa infer_aff.py): feature affinity exp(-mean|f_i - f_j|) on source rows
           [0, h-4) and columns [4, w-4), unit diagonal, A**beta column-normalised, squared logt times,
           21-channel full-res stack with bg (1-max)**alpha, zero pad to /8, avg_pool 8, x T,
           bilinear up to the padded size (align_corners=False), crop, argmax.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.dirname(os.path.abspath(__file__))
RADIUS = 5


def directions(radius):
    dirs = [(0, x) for x in range(1, radius)]
    for y in range(1, radius):
        for x in range(-radius + 1, radius):
            if x * x + y * y < radius * radius:
                dirs.append((y, x))
    return dirs


def path_points(dy, dx):
    length_sq = dy * dy + dx * dx
    pts = []
    for y in range(min(0, dy), max(0, dy) + 1):
        for x in range(min(0, dx), max(0, dx) + 1):
            if (dy * x - dx * y) ** 2 / length_sq < 1:
                pts.append((y, x))
    return pts


def dense_from_pairs(n, src, dst, aff):
    """Symmetric dense matrix with unit diagonal, built like torch.sparse ... .to_dense() (sums duplicates)."""
    idx = torch.cat([torch.stack([src, dst]), torch.stack([torch.arange(n), torch.arange(n)]),
                     torch.stack([dst, src])], dim=1)
    val = torch.cat([aff, torch.ones(n), aff])
    return torch.sparse_coo_tensor(idx, val, (n, n)).to_dense()


def transition(aff_dense, beta, times):
    scaled = torch.pow(aff_dense, beta)
    trans = scaled / torch.sum(scaled, dim=0, keepdim=True)
    for _ in range(times):
        trans = torch.matmul(trans, trans)
    return trans


def smooth_random(rng, shape, blur):
    x = torch.from_numpy(rng.random(shape).astype(np.float32))
    x = x.view(1, -1, shape[-2], shape[-1])
    x = F.avg_pool2d(F.pad(x, (blur, blur, blur, blur), mode='replicate'), 2 * blur + 1, stride=1)
    x = x.view(*shape)
    x = x - x.min()
    return x / x.max()


def irn_case(rng, name, height, width, n_classes, beta, exp_times, cam_power):
    h4, w4 = (height + 3) // 4, (width + 3) // 4
    r, rf = RADIUS, RADIUS - 1
    # Boundary map B in [0, 1]: low noise plus two walls, so the walk keeps regions apart.
    edge = torch.from_numpy((rng.random((h4, w4)) * 0.15).astype(np.float32))
    edge[:, w4 // 2] = torch.from_numpy((0.85 + 0.15 * rng.random(h4)).astype(np.float32))
    edge[h4 // 2, : w4 // 2] = torch.from_numpy((0.8 + 0.2 * rng.random(w4 // 2)).astype(np.float32))
    # Stride-4 CAM in [0, 1]: one blob per class at different places, over a smooth random floor.
    cam = 0.3 * smooth_random(rng, (n_classes, h4, w4), 1)
    yy, xx = torch.meshgrid(torch.arange(h4, dtype=torch.float32), torch.arange(w4, dtype=torch.float32), indexing='ij')
    for c in range(n_classes):
        cy, cx = rng.random() * (h4 - 1), rng.random() * (w4 - 1)
        cam[c] += torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 300.0)
    cam = cam / cam.amax(dim=(1, 2), keepdim=True)
    keys = np.sort(rng.choice(20, n_classes, replace=False)).astype(np.int64)

    # The padded grid the reference builds its indices on.
    hp, wp = h4 + r, w4 + 2 * r
    edge_p = F.pad(edge.view(1, 1, h4, w4), (r, r, 0, r), mode='constant', value=1.0).view(-1)
    full = np.arange(hp * wp).reshape(hp, wp)
    ch, cw = hp - rf, wp - 2 * rf
    src = torch.from_numpy(full[:ch, rf:rf + cw].reshape(-1))
    srcs, dsts, affs = [], [], []
    for dy, dx in directions(r):
        dst = torch.from_numpy(full[dy:dy + ch, rf + dx:rf + dx + cw].reshape(-1))
        path_max = torch.stack([edge_p[torch.from_numpy(full[py:py + ch, rf + px:rf + px + cw].reshape(-1))]
                                for py, px in path_points(dy, dx)]).max(dim=0).values
        srcs.append(src)
        dsts.append(dst)
        affs.append(1 - path_max)
    dense = dense_from_pairs(hp * wp, torch.cat(srcs), torch.cat(dsts), torch.cat(affs))
    dense = dense.view(hp, wp, hp, wp)[:-r, r:-r, :-r, r:-r].reshape(h4 * w4, h4 * w4)

    trans = transition(dense, beta, exp_times)
    x = (cam ** cam_power) * (1 - edge)
    rw = torch.matmul(x.view(-1, h4 * w4), trans).view(n_classes, 1, h4, w4)
    rw_up = F.interpolate(rw, scale_factor=4, mode='bilinear', align_corners=False)[:, 0, :height, :width]
    rw_up = rw_up / torch.max(rw_up)
    stacked = F.pad(rw_up, (0, 0, 0, 0, 1, 0), value=0.25)
    pred = torch.argmax(stacked, dim=0).numpy()
    labels = np.pad(keys + 1, (1, 0))[pred]

    np.save(os.path.join(OUT, f'{name}_boundary.npy'), edge.numpy().astype(np.float32))
    np.save(os.path.join(OUT, f'{name}_cam.npy'), cam.numpy().astype(np.float32))
    np.save(os.path.join(OUT, f'{name}_keys.npy'), keys)
    np.save(os.path.join(OUT, f'{name}_params.npy'),
            np.array([height, width, beta, exp_times], dtype=np.int64))
    np.save(os.path.join(OUT, f'{name}_cam_power.npy'), np.array([cam_power], dtype=np.float32))
    np.save(os.path.join(OUT, f'{name}_labels.npy'), labels.astype(np.int64))
    np.save(os.path.join(OUT, f'{name}_scores.npy'), rw_up.numpy().astype(np.float32))


def psa_case(rng, name, height, width, n_classes, alpha, beta, logt, n_feat):
    hp8, wp8 = -(-height // 8) * 8, -(-width // 8) * 8
    h8, w8 = hp8 // 8, wp8 // 8
    rf = RADIUS - 1
    # Piecewise-constant features (three regions) plus noise, so affinities are high inside regions.
    region = np.zeros((h8, w8), np.int64)
    region[:, w8 // 2:] = 1
    region[h8 // 2:, : w8 // 3] = 2
    centres = rng.standard_normal((3, n_feat)) * 1.5
    feats = centres[region].transpose(2, 0, 1) + rng.standard_normal((n_feat, h8, w8)) * 0.2
    feats = torch.from_numpy(feats.astype(np.float32))
    keys = np.sort(rng.choice(20, n_classes, replace=False)).astype(np.int64)
    cams = 0.05 * smooth_random(rng, (n_classes, height, width), 6)
    yy, xx = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32), indexing='ij')
    for c in range(n_classes):
        cy, cx = rng.random() * (height - 1), rng.random() * (width - 1)
        cams[c] += torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 300.0)
    cams = (cams / cams.amax(dim=(1, 2), keepdim=True)).numpy()

    full = np.arange(h8 * w8).reshape(h8, w8)
    src = torch.from_numpy(full[:-rf, rf:-rf].reshape(-1))
    ch, cw = h8 - rf, w8 - 2 * rf
    srcs, dsts, affs = [], [], []
    f = feats.view(n_feat, -1)
    for dy, dx in directions(RADIUS):
        dst = torch.from_numpy(full[dy:dy + ch, rf + dx:rf + dx + cw].reshape(-1))
        srcs.append(src)
        dsts.append(dst)
        affs.append(torch.exp(-torch.mean(torch.abs(f[:, dst] - f[:, src]), dim=0)))
    dense = dense_from_pairs(h8 * w8, torch.cat(srcs), torch.cat(dsts), torch.cat(affs))
    trans = transition(dense, beta, logt)

    stack = np.zeros((21, height, width), np.float32)
    for k, v in zip(keys, cams):
        stack[k + 1] = v
    stack[0] = (1 - np.max(stack[1:], 0)) ** alpha
    stack = np.pad(stack, ((0, 0), (0, hp8 - height), (0, wp8 - width)), mode='constant')
    pooled = F.avg_pool2d(torch.from_numpy(stack), 8, 8)
    rw = torch.matmul(pooled.view(21, -1), trans).view(1, 21, h8, w8)
    rw_up = F.interpolate(rw, size=(hp8, wp8), mode='bilinear', align_corners=False)[0, :, :height, :width]
    labels = torch.argmax(rw_up, dim=0).numpy()

    np.save(os.path.join(OUT, f'{name}_features.npy'), feats.numpy())
    np.save(os.path.join(OUT, f'{name}_cam.npy'), cams.astype(np.float32))
    np.save(os.path.join(OUT, f'{name}_keys.npy'), keys)
    np.save(os.path.join(OUT, f'{name}_params.npy'), np.array([height, width, alpha, beta, logt], dtype=np.int64))
    np.save(os.path.join(OUT, f'{name}_labels.npy'), labels.astype(np.int64))
    keep = np.concatenate([[0], keys + 1])
    np.save(os.path.join(OUT, f'{name}_scores.npy'), rw_up.numpy()[keep].astype(np.float32))


if __name__ == '__main__':
    torch.set_num_threads(1)
    rng = np.random.default_rng(20261125)
    irn_case(rng, 'irn', height=47, width=58, n_classes=3, beta=10, exp_times=8, cam_power=1.0)
    irn_case(rng, 'advcam', height=29, width=38, n_classes=2, beta=10, exp_times=8, cam_power=1.5)
    psa_case(rng, 'psa', height=75, width=90, n_classes=2, alpha=16, beta=8, logt=8, n_feat=6)
    print('written to', OUT)
