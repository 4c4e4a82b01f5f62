"""Writes the fixtures of the method rules: RRM's reliable regions, WSGCN's partial labels, PSA's stride-8 la/ha
labels, and PIL's LANCZOS resize, each rendered in numpy/torch/PIL the way the method's own code computes it.

Run with Debian's Python:  /usr/bin/python3 make_method_rules.py   (in this folder; numpy 1.24, torch 1.13, PIL 9.4)

No CRF library is needed: the la and ha CRF outputs are inputs here (la.npy, ha.npy: random per-pixel probabilities
over [bg; classes], like pydensecrf's Q), and each rule below is the upstream code with `_crf_with_alpha` replaced by
those arrays placed in the 21-channel layout the upstream function returns.

Writes (classes: VOC ids 3, 8, 15, i.e. fg indices 2, 7, 14):
  cams.npy      (3, H, W) float32   CAMs in [0, 1]
  la.npy ha.npy (4, H, W) float32   CRF probabilities over [bg, 3, 8, 15]
  rrm.npy       (H, W) uint8        zbf1991/RRM tool/myTool.py:23-76 compute_seg_label (float32 CAMs)
  wsgcn.npy     (H, W) uint8        Xavier-Pan/WSGCN GCN/utils.py:354-438 compute_seg_label with confident_region 0.3
                                    on float64 CAMs (make_dataset.py:50-67), then the vote (make_dataset.py:79-83)
  wsgcn_up.npy  (4H-3, 4W-1) uint8  the vote upsampled with F.interpolate nearest (make_dataset.py:89-92)
  pooled.npy    (ceil(H/8), ceil(W/8)) uint8  jiwoon-ahn/psa voc12/data.py:205-229 on la/ha pooled by
                                    tool/imutils.py AvgPool2d(8) (skimage block_reduce: zero padding, np.mean),
                                    dict positions mapped to VOC ids
  image.npy     (HI, WI, 3) uint8   an image; lanczos.npy: PIL Image.resize((ceil(WI/4), ceil(HI/4)), LANCZOS)
"""
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

rng = np.random.default_rng(20261202)
H, W = 37, 45
IDS = [3, 8, 15]
C = len(IDS)

# Smooth CAMs: each class a blob, plus noise; max-normalised like RRM's norm_cam.
yy, xx = np.mgrid[0:H, 0:W]
cams = []
for k in range(C):
    cy, cx = rng.uniform(5, H - 5), rng.uniform(5, W - 5)
    blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * rng.uniform(8, 25)))
    cams.append(blob + rng.uniform(0, 0.15, (H, W)) * (rng.random((H, W)) < 0.2))
cams = np.array(cams, dtype=np.float32)
cams = cams / (np.max(cams, (1, 2), keepdims=True) + np.float32(1e-5))
cams = cams.astype(np.float32)


def probs(alpha, scale):
    bg = np.power(1 - np.max(cams, 0, keepdims=True), alpha)
    stack = np.concatenate([bg, cams]) * scale + rng.normal(0, 0.6, (C + 1, H, W))
    e = np.exp(stack - stack.max(0, keepdims=True))
    return (e / e.sum(0, keepdims=True)).astype(np.float32)


la, ha = probs(4, 8.0), probs(32, 20.0)


def n_crf(q):
    """_crf_with_alpha's return value: 21 float64 channels, bg then each present class at key + 1."""
    out = np.zeros([21, H, W])
    out[0] = q[0]
    for i, vid in enumerate(IDS):
        out[vid] = q[i + 1]
    return out


def compute_seg_label(norm_cam, ratio, thr=0.8):
    """RRM tool/myTool.py:23-76 (ratio 0.6 there) = WSGCN GCN/utils.py:354-438 (1 - confident_region)."""
    cam_label = np.zeros(20, np.uint8)
    cam_label[[v - 1 for v in IDS]] = 1
    cam_dict = {}
    cam_np = np.zeros_like(norm_cam)
    for i in range(20):
        if cam_label[i] > 1e-5:
            cam_dict[i] = norm_cam[i]
            cam_np[i] = norm_cam[i]
    bg_score = np.power(1 - np.max(cam_np, 0), 32)
    bg_score = np.expand_dims(bg_score, axis=0)
    cam_all = np.concatenate((bg_score, cam_np))
    _, bg_w, bg_h = bg_score.shape
    cam_img = np.argmax(cam_all, 0)
    crf_la = n_crf(la)
    crf_ha = n_crf(ha)
    crf_la_label = np.argmax(crf_la, 0)
    crf_ha_label = np.argmax(crf_ha, 0)
    crf_label = crf_la_label.copy()
    crf_label[crf_la_label == 0] = 255
    single_img_classes = np.unique(crf_la_label)
    cam_sure_region = np.zeros([bg_w, bg_h], dtype=bool)
    for class_i in single_img_classes:
        if class_i != 0:
            class_not_region = cam_img != class_i
            cam_class = cam_all[class_i, :, :]
            cam_class[class_not_region] = 0
            cam_class_order = np.sort(cam_class[cam_class > 0.1])
            confidence_pos = int(cam_class_order.shape[0] * ratio)
            confidence_value = cam_class_order[confidence_pos]
            cam_sure_region = np.logical_or(cam_sure_region, cam_class > confidence_value)
        else:
            class_not_region = cam_img != class_i
            cam_class = cam_all[class_i, :, :]
            cam_class[class_not_region] = 0
            cam_sure_region = np.logical_or(cam_sure_region, cam_class > thr)
    crf_label[crf_ha_label == 0] = 0
    crf_label_np = np.concatenate([np.expand_dims(crf_ha[0, :, :], axis=0), crf_la[1:, :, :]])
    not_sure = np.logical_or(np.max(crf_label_np, 0) < thr, ~cam_sure_region)
    crf_label[not_sure] = 255
    return crf_label, crf_label_np


full32 = np.zeros((20, H, W), np.float32)
full64 = np.zeros((20, H, W))  # WSGCN make_dataset.py:50: np.zeros, float64
for i, vid in enumerate(IDS):
    full32[vid - 1] = cams[i]
    full64[vid - 1] = cams[i]

rrm, _ = compute_seg_label(full32, 0.6)
wsgcn_label, wsgcn_score = compute_seg_label(full64, 1. - 0.3)
seg_label = wsgcn_label.astype(np.uint8)
vote_arg = wsgcn_score.argmax(axis=0)
vote = np.where(vote_arg == seg_label, vote_arg, 255)
up = F.interpolate(torch.tensor(vote[np.newaxis, np.newaxis, :, :], dtype=torch.float64),
                   size=(4 * H - 3, 4 * W - 1), mode="nearest").squeeze().numpy()

# PSA voc12/data.py:205-229 with tool/imutils.py AvgPool2d(8) = skimage block_reduce(np.mean), cval 0.
label = np.transpose(np.concatenate([la, ha]), (1, 2, 0))
ph, pw = -(-H // 8), -(-W // 8)
padded = np.pad(label, ((0, ph * 8 - H), (0, pw * 8 - W), (0, 0)), mode="constant", constant_values=0)
blocks = padded.reshape(ph, 8, pw, 8, 2 * (C + 1)).transpose(0, 2, 4, 1, 3)
label = np.mean(blocks, axis=(3, 4)).astype(np.float32)
no_score_region = np.max(label, -1) < 1e-5
label_la, label_ha = np.array_split(label, 2, axis=-1)
label_la = np.argmax(label_la, axis=-1).astype(np.uint8)
label_ha = np.argmax(label_ha, axis=-1).astype(np.uint8)
pooled = label_la.copy()
pooled[label_la == 0] = 255
pooled[label_ha == 0] = 0
pooled[no_score_region] = 255
lut = np.array([0] + IDS + [255] * (256 - C - 1), np.uint8)
pooled = lut[pooled]

# An image with edges and gradients for the LANCZOS resize (WSGCN make_dataset.py:41-47).
HI, WI = 61, 83
iy, ix = np.mgrid[0:HI, 0:WI]
image = np.stack([(iy * 4) % 256, (ix * 3 + iy) % 256, np.where((iy // 9 + ix // 7) % 2 == 0, 230, 20)], -1)
image = np.clip(image + rng.integers(-25, 26, image.shape), 0, 255).astype(np.uint8)
lanczos = np.array(Image.fromarray(image).resize((-(-WI // 4), -(-HI // 4)), Image.LANCZOS))

np.save("cams.npy", cams)
np.save("la.npy", la)
np.save("ha.npy", ha)
np.save("rrm.npy", rrm.astype(np.uint8))
np.save("wsgcn.npy", vote.astype(np.uint8))
np.save("wsgcn_up.npy", up.astype(np.uint8))
np.save("pooled.npy", pooled)
np.save("image.npy", image)
np.save("lanczos.npy", lanczos)
for name, a in [("rrm", rrm), ("wsgcn", vote), ("pooled", pooled)]:
    print(name, {int(v): int(n) for v, n in zip(*np.unique(a, return_counts=True))})

# BES boundary labels (mt-cly/BES step/make_boundary_label.py:50-78, run_sample.py:55-60) of a confident-region map
# with blobs of 3 classes, background and 255 (written as bes_conf.npy; result bes_boundary.npy).
conf = np.zeros((H, W), np.int64)
for k, vid in enumerate([3, 8, 15]):
    cy, cx = [(10, 12), (14, 22), (26, 30)][k]
    conf[(yy - cy) ** 2 + (xx - cx) ** 2 < 60 + 20 * k] = vid
conf[(rng.random((H, W)) < 0.08)] = 255
window_size, theta_scale, theta_diff = 13, 0.30, 0.10
seg_label = torch.from_numpy(conf).clamp(max=21)
valid_bg_prop = (seg_label == 0).type(torch.float32)
valid_bg_prop = F.avg_pool2d(valid_bg_prop.unsqueeze(0), window_size, padding=window_size // 2,
                             stride=1, count_include_pad=False).squeeze()
valid_fg_prop = torch.stack([(seg_label == i).type(torch.float32) for i in range(1, 21)])
valid_fg_prop = F.avg_pool2d(valid_fg_prop.unsqueeze(0), window_size, padding=window_size // 2,
                             stride=1, count_include_pad=False).squeeze()
valid_fg_prop = valid_fg_prop.permute(1, 2, 0)
valid_fg_prop = torch.sort(valid_fg_prop, dim=2, descending=True)[0]
boundary_label = torch.ones_like(seg_label, dtype=torch.uint8) * 200
background = (valid_bg_prop > theta_scale * 2) * ((valid_bg_prop - valid_fg_prop[..., 0]) >= theta_diff * 2)
boundary_label[background] = 0
foreground = (valid_fg_prop[..., 0] > theta_scale * 2) * ((valid_fg_prop[..., 0] - valid_bg_prop) >= theta_diff * 2)
boundary_label[foreground] = 50
boundary_bf = (torch.min(valid_fg_prop[..., 0], valid_bg_prop) > theta_scale) * (
    abs((valid_fg_prop[..., 0] - valid_bg_prop)) < theta_diff)
boundary_label[boundary_bf] = 150
boundary_ff = (valid_fg_prop[..., 1] > theta_scale) * (valid_fg_prop[..., 0] - valid_fg_prop[..., 1] < theta_diff)
boundary_label[boundary_ff] = 100
np.save("bes_conf.npy", conf.astype(np.uint8))
np.save("bes_boundary.npy", boundary_label.numpy())
print("bes", {int(v): int(n) for v, n in zip(*np.unique(boundary_label.numpy(), return_counts=True))})
