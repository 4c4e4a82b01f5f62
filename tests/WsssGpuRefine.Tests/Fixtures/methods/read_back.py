#!/usr/bin/python3
"""Reads wsss outputs back the way the seed methods' next steps do, and prints what they saw as JSON.

usage: read_back.py OUT_DIR gray|palette [array|bg-fg|puzzlecam]
- label PNGs: imageio.imread, as IRN reads them (jiwoon-ahn/irn step/eval_sem_seg.py:14); a gray PNG must come back
  2-D uint8, a palette PNG is opened with PIL as SEAM and BES do and must be mode "P";
- score files: np.load(path, allow_pickle=True), .item() for dicts, as PSA's voc12/data.py and Puzzle-CAM's
  make_pseudo_labels.py:90-92 load them.
"""
import json
import os
import sys

import imageio
import numpy as np
from PIL import Image

out, flavour = sys.argv[1], sys.argv[2]
layout = sys.argv[3] if len(sys.argv) > 3 else None
report = {"labels": {}, "scores": {}}
for f in sorted(os.listdir(out)):
    path = os.path.join(out, f)
    if f.endswith(".png"):
        a = imageio.imread(path)
        if flavour == "gray":
            assert a.ndim == 2 and a.dtype == np.uint8, (f, a.shape, a.dtype)
        else:
            image = Image.open(path)
            assert image.mode == "P", (f, image.mode)
            a = np.array(image)
        report["labels"][f[:-4]] = {"shape": list(a.shape), "sum": int(a.astype(np.int64).sum()),
                                    "values": sorted(int(v) for v in np.unique(a))}
    elif f.endswith(".npy") and layout is not None:
        loaded = np.load(path, allow_pickle=True)
        if layout == "array":
            assert loaded.dtype == np.float32 and loaded.ndim == 3, (f, loaded.dtype, loaded.shape)
            report["scores"][f[:-4]] = {"shape": list(loaded.shape)}
            continue
        d = loaded.item()
        assert isinstance(d, dict), (f, type(d))
        if layout == "bg-fg":
            assert all(isinstance(k, int) for k in d) and list(d)[0] == 0, (f, list(d))
            assert all(v.dtype == np.float32 and v.ndim == 2 for v in d.values())
            stacked = np.array(list(d.values()))   # as PSA's voc12/data.py and SSDD's train_sssdd.py:48 stack them
            report["scores"][f[:-4]] = {"keys": list(d), "shape": list(stacked.shape),
                                        "sum_range": [float(stacked.sum(0).min()), float(stacked.sum(0).max())]}
        elif layout == "puzzlecam":
            assert sorted(d) == ["keys", "rw"], (f, list(d))
            keys, rw = d["keys"], d["rw"]
            assert keys.dtype == np.int64 and keys[0] == 0 and rw.dtype == np.float32 and rw.shape[0] == len(keys) - 1
            # Puzzle-CAM's own rule on our rw (make_pseudo_labels.py:92-100, CRF left out)
            cams = np.pad(rw, ((1, 0), (0, 0), (0, 0)), mode="constant", constant_values=0.25)
            report["scores"][f[:-4]] = {"keys": [int(k) for k in keys], "shape": list(rw.shape), "max": float(rw.max()),
                                        "label_sum": int(keys[np.argmax(cams, axis=0)].sum())}
print(json.dumps(report))
