"""samples/python/train_loop.py runs on a few synthetic images and prints one mIoU line per epoch."""

import os
import re
import subprocess
import sys

from conftest import ROOT


def test_train_loop_sample_runs_and_reports_miou_per_epoch(sample):
    script = os.path.join(ROOT, "samples", "python", "train_loop.py")
    result = subprocess.run([sys.executable, script, "--data", sample.root, "--images", "4", "--epochs", "2",
                             "--batch", "2", "--backend", "cpu"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    epochs = re.findall(r"epoch (\d+): loss ([\d.]+)  CAM mIoU ([\d.]+) %  ir_label\+CRF mIoU ([\d.]+) %", result.stdout)
    assert [e[0] for e in epochs] == ["1", "2"], result.stdout
    for _, loss, cam, refined in epochs:
        assert 0 < float(loss) < 1 and 0 <= float(cam) <= 100 and 0 <= float(refined) <= 100
