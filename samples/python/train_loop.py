#!/usr/bin/python3
"""A PyTorch training loop that refines each batch's CAMs into pseudo labels in-process with wsss_refine.

A tiny fully convolutional classifier is trained with image-level labels (multi-label BCE on global average pooling,
the CAM recipe of the seed methods) on the synthetic VOC-format sample. After each batch its CAMs (ReLU, per-class
max-normalised, upsampled to the image) are refined with IRN's ir_label (two label CRFs with the irn preset) and
scored against the ground truth with an Evaluator; the mIoU of the raw CAMs (threshold 0.15) and of the refined
pseudo labels is printed per epoch. No files are written and no process is started per batch.

    wsss demo --generate-only --out /tmp/wsss-demo        # or: dotnet run --project src/WsssGpuRefine.Cli -- demo ...
    /usr/bin/python3 samples/python/train_loop.py --data /tmp/wsss-demo --epochs 3
"""

import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import wsss_refine as wr

FOREGROUND = 20


class TinyCam(torch.nn.Module):
    """Four conv layers, stride 4, one 1x1 classifier whose weights give the CAMs."""

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU(),
        )
        self.classifier = torch.nn.Conv2d(32, FOREGROUND, 1, bias=False)

    def forward(self, x):
        cams = self.classifier(self.features(x))           # (N, 20, h/4, w/4)
        return cams, cams.mean(dim=(2, 3))                 # CAMs and the GAP logits


def load(data, ids):
    items = []
    for i in ids:
        image = wr.read_image(os.path.join(data, "JPEGImages", i + ".jpg"))
        gt = wr.read_labels(os.path.join(data, "SegmentationClass", i + ".png"))
        present = [int(v) - 1 for v in np.unique(gt) if 0 < v < 255]
        target = torch.zeros(FOREGROUND)
        target[present] = 1
        tensor = torch.from_numpy(image).permute(2, 0, 1).float().div(255).unsqueeze(0)
        items.append((i, image, gt, np.array(present, np.int64), tensor, target))
    return items


def full_resolution_cams(cams, keys, height, width):
    """IRN's high_res recipe in short: ReLU, the present classes only, upsample, divide by each class's max."""
    c = F.relu(cams[:, torch.from_numpy(keys)])
    c = F.interpolate(c, size=(height, width), mode="bilinear", align_corners=False)[0]
    return c / (c.flatten(1).max(dim=1).values[:, None, None] + 1e-5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the sample folder written by `wsss demo --generate-only --out DIR`")
    parser.add_argument("--images", type=int, default=0, help="use only the first N images (0: all)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--backend", default="auto", choices=["auto", "cpu", "vulkan"])
    args = parser.parse_args()

    torch.manual_seed(0)
    ids = [line.split()[0] for line in open(os.path.join(args.data, "train.txt")) if line.strip()]
    items = load(args.data, ids[:args.images] if args.images else ids)
    model = TinyCam()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    engine = wr.Engine(args.backend)                        # kept warm for the whole run
    print(f"{len(items)} images, engine: {engine.backend} ({engine.device})")

    for epoch in range(1, args.epochs + 1):
        clock = time.perf_counter()
        raw, refined = wr.Evaluator(classes=21, engine=engine), wr.Evaluator(classes=21, engine=engine)
        losses = []
        for start in range(0, len(items), args.batch):
            batch = items[start:start + args.batch]
            optimiser.zero_grad()
            outputs = [model(x) for *_, x, _ in batch]       # images differ in size: one forward each
            loss = torch.stack([F.multilabel_soft_margin_loss(logits, t[None]) for (_, logits), (*_, t) in zip(outputs, batch)]).mean()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
            with torch.no_grad():
                for (cams, _), (_, image, gt, keys, _, _) in zip(outputs, batch):
                    high_res = full_resolution_cams(cams, keys, *gt.shape)    # a CPU tensor: read without a copy
                    raw.update(wr.threshold(high_res, keys, 0.15) if len(keys) else np.zeros_like(gt), gt)
                    pseudo = engine.ir_label(image, high_res, keys, fg=0.30, bg=0.05) if len(keys) else np.zeros_like(gt)
                    refined.update(pseudo, gt)
        print(f"epoch {epoch}: loss {np.mean(losses):.4f}  CAM mIoU {100 * raw.miou():.2f} %  "
              f"ir_label+CRF mIoU {100 * refined.miou():.2f} %  ({time.perf_counter() - clock:.1f} s)")
    engine.close()


if __name__ == "__main__":
    main()
