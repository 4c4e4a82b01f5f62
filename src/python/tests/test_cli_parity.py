"""The package against the CLI on the same files (the synthetic sample): identical numbers and identical PNG bytes."""

import os

import numpy as np
import pytest

import wsss_refine as wr


def test_threshold_and_evaluator_match_wsss_eval(cli, sample, tmp_path):
    out = cli.json("eval", "--cams", sample.irn, "--gt", sample.gt, "--list", sample.list, "--threshold", "0.15",
                   "--backend", "cpu", "--json", tmp_path / "eval.json")
    ev = wr.Evaluator(classes=21, metric="chainercv")
    for i in sample.ids:
        d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
        assert d["format"] and d["cams"].dtype == np.float32 and d["keys"].dtype == np.int64
        ev.update(wr.threshold(d["cams"], d["keys"], 0.15), sample.gt_of(i))
    assert ev.miou() == out["miou"]
    assert ev.confusion.tolist() == out["confusion"]
    assert [None if np.isnan(v) else v for v in ev.iou()] == out["iou"]
    assert ev.images == out["images"] == len(sample.ids)


@pytest.mark.parametrize("metric", wr.METRICS)
def test_evaluator_matches_wsss_eval_labels_with_predicted_ignore(cli, sample, tmp_path, metric):
    """ir_label's maps hold 255 (unsure) pixels: every metric counts them as `wsss eval --labels --metric` does."""
    labels_dir = tmp_path / "labels"
    labels_dir.mkdir()
    ev = wr.Evaluator(classes=21, metric=metric)
    for i in sample.ids:
        d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
        labels = wr.ir_label(sample.image(i), d["cams"], d["keys"], fg=0.30, bg=0.05)
        wr.write_labels(labels_dir / f"{i}.png", labels)
        ev.update(labels, sample.gt_of(i))
    assert ev.ignored_predictions.sum() > 0 or metric != "seam"  # the sample has unsure pixels on objects
    out = cli.json("eval", "--labels", labels_dir, "--gt", sample.gt, "--list", sample.list, "--metric", metric,
                   "--backend", "cpu", "--json", tmp_path / "eval.json")
    assert ev.miou() == out["miou"]
    assert [None if np.isnan(v) else v for v in ev.iou()] == out["iou"]
    assert ev.confusion.tolist() == out["confusion"]
    assert ev.ignored_predictions.tolist() == out.get("ignored_predictions", [0] * 21)


def test_sweep_matches_wsss_eval_sweep_on_psa_dumps(cli, sample, tmp_path):
    out = cli.json("eval", "--cams", sample.psa, "--gt", sample.gt, "--list", sample.psa_list, "--sweep", "0:0.59:0.01",
                   "--metric", "seam", "--backend", "cpu", "--json", tmp_path / "sweep.json")
    ids = sample.psa_ids
    sweep = wr.Sweep([e["threshold"] for e in out["sweep"]], classes=21, metric="seam")
    for i in ids:
        d = wr.read_dump(os.path.join(sample.psa, i + ".npy"), present=sample.present(i))
        sweep.update(d["cams"], d["keys"], sample.gt_of(i))
    assert sweep.miou().tolist() == [e["miou"] for e in out["sweep"]]
    assert sweep.best() == (out["threshold"], out["miou"])


def _refine_and_compare(cli, sample, tmp_path, cli_args, python_labels, cams_dir=None, ids=None):
    out_dir = tmp_path / "cli"
    cli.run("refine", "--cams", cams_dir or sample.irn, "--images", sample.images, "--list", sample.list,
            "--out", out_dir, "--backend", "cpu", *cli_args)
    for i in ids or sample.ids:
        mine = tmp_path / f"{i}.png"
        wr.write_labels(mine, python_labels(i), png="palette")
        assert mine.read_bytes() == (out_dir / f"{i}.png").read_bytes(), i


def test_ir_label_crf_matches_wsss_refine_png_bytes(cli, sample, tmp_path):
    def labels(i):
        d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
        return wr.ir_label(sample.image(i), d["cams"], d["keys"], fg=0.30, bg=0.05)
    _refine_and_compare(cli, sample, tmp_path, ["--ir-label", "0.30,0.05", "--crf", "irn"], labels)


def test_random_walk_then_crf_matches_wsss_refine_png_bytes(cli, sample, tmp_path):
    def labels(i):
        d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
        image = sample.image(i)
        walk = wr.random_walk(d["cams_stride"], d["keys_stride"], image=image)
        return wr.crf(image, walk.scores, walk.keys, preset="irn")
    _refine_and_compare(cli, sample, tmp_path, ["--rw", "image", "--crf", "irn"], labels)


def test_random_walk_alone_matches_wsss_refine(cli, sample, tmp_path):
    def labels(i):
        d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
        return wr.random_walk(d["cams_stride"], d["keys_stride"], image=sample.image(i)).labels
    _refine_and_compare(cli, sample, tmp_path, ["--rw", "image"], labels)


def test_la_ha_matches_wsss_refine_on_psa_dumps(cli, sample, tmp_path):
    ids = sample.psa_ids[:6]
    (tmp_path / "list.txt").write_text("\n".join(ids) + "\n")
    out_dir = tmp_path / "cli"
    cli.run("refine", "--cams", sample.psa, "--images", sample.images, "--list", tmp_path / "list.txt", "--gt", sample.gt,
            "--out", out_dir, "--la-ha", "4,32", "--backend", "cpu")
    for i in ids:
        d = wr.read_dump(os.path.join(sample.psa, i + ".npy"), present=sample.present(i))
        labels = wr.la_ha(sample.image(i), d["cams"], d["keys"], low=4, high=32)
        assert np.array_equal(labels, wr.read_labels(out_dir / f"{i}.png")), i


def test_threshold_then_crf_matches_wsss_refine(cli, sample, tmp_path):
    def labels(i):
        d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
        return wr.crf(sample.image(i), wr.scores(d["cams"], d["keys"], threshold=0.15), d["keys"], preset="psa")
    _refine_and_compare(cli, sample, tmp_path, ["--threshold", "0.15", "--crf", "psa"], labels, ids=sample.ids[:6])


def test_demo_miou_after_threshold_and_rw_crf(cli, sample):
    """The numbers `wsss demo` prints for its first and last stage, recomputed in Python (the README's check)."""
    result = cli.run("demo", "--out", sample.root + "_run", "--backend", "cpu")
    printed = [line for line in result.stdout.splitlines() if "mIoU" in line]
    expected = [float(line.split("mIoU")[1].split("%")[0]) for line in printed]
    thresholded, refined = wr.Evaluator(), wr.Evaluator()
    for i in sample.ids:
        d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
        image, gt = sample.image(i), sample.gt_of(i)
        thresholded.update(wr.threshold(d["cams"], d["keys"], 0.15), gt)
        walk = wr.random_walk(d["cams_stride"], d["keys_stride"], image=image)
        refined.update(wr.crf(image, walk.scores, walk.keys, preset="irn"), gt)
    assert f"{100 * thresholded.miou():.2f}" == f"{expected[0]:.2f}"
    assert f"{100 * refined.miou():.2f}" == f"{expected[-1]:.2f}"


def test_gray_png_holds_the_labels_and_reads_back(sample, tmp_path):
    labels = np.array([[0, 1, 255], [20, 7, 0]], np.uint8)
    wr.write_labels(tmp_path / "g.png", labels)            # default png="gray"
    wr.write_labels(tmp_path / "p.png", labels, png="palette")
    data = (tmp_path / "g.png").read_bytes()
    assert data[25] == 0                                   # IHDR colour type: greyscale
    assert b"PLTE" not in data and b"PLTE" in (tmp_path / "p.png").read_bytes()
    assert np.array_equal(wr.read_labels(tmp_path / "g.png"), labels)
    assert np.array_equal(wr.read_labels(tmp_path / "p.png"), labels)


@pytest.mark.parametrize("backend", ["vulkan"])
def test_vulkan_engine_gives_the_cpu_results(sample, engine, backend):
    """The Vulkan backend through the NativeAOT library (lavapipe where there is no GPU): the CPU's labels."""
    with wr.Engine(backend) as gpu:
        assert gpu.backend == "vulkan"
        for i in sample.ids[:4]:
            d = wr.read_dump(os.path.join(sample.irn, i + ".npy"))
            image, gt = sample.image(i), sample.gt_of(i)
            assert np.array_equal(gpu.threshold(d["cams"], d["keys"], 0.15), engine.threshold(d["cams"], d["keys"], 0.15))
            assert np.array_equal(gpu.ir_label(image, d["cams"], d["keys"]), engine.ir_label(image, d["cams"], d["keys"]))
            pred = engine.threshold(d["cams"], d["keys"], 0.15)
            assert np.array_equal(gpu.confusion(pred, gt), engine.confusion(pred, gt))
