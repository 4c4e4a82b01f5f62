"""Small cases worked out by hand: the rules themselves, not only agreement with the CLI."""

import numpy as np
import pytest

import wsss_refine as wr


def test_threshold_ties_go_to_background_and_keys_map_to_voc_ids(engine):
    # keys 0 (aeroplane, VOC id 1) and 14 (person, VOC id 15); one row of three pixels
    cams = np.array([[[0.15, 0.40, 0.10]],
                     [[0.10, 0.40, 0.30]]], np.float32)
    labels = engine.threshold(cams, np.array([0, 14]), 0.15)
    # pixel 0: max 0.15 ties the background 0.15 -> 0; pixel 1: channels tie -> the first (id 1); pixel 2: id 15
    assert labels.tolist() == [[0, 1, 15]]
    assert labels.dtype == np.uint8


def test_power_background(engine):
    cams = np.array([[[0.9, 0.3]]], np.float32)
    # background (1 - max)^2: 0.01 < 0.9 -> class; 0.49 > 0.3 -> background
    assert engine.power_background(cams, np.array([4]), 2).tolist() == [[5, 0]]


def test_scores_stack_the_background_first(engine):
    cams = np.array([[[0.9, 0.3]]], np.float32)
    s = engine.scores(cams, np.array([4]), threshold=0.25)
    assert s.shape == (2, 1, 2)
    assert s[0].tolist() == [[0.25, 0.25]] and s[1].tolist() == [[np.float32(0.9), np.float32(0.3)]]
    p = engine.scores(cams, np.array([4]), power=2)
    assert np.allclose(p[0], [[0.01, 0.49]])


def test_evaluator_chainercv_and_seam_on_a_hand_worked_matrix(engine):
    gt = np.array([[0, 0, 1, 1, 255]], np.uint8)
    pred = np.array([[0, 1, 1, 255, 1]], np.uint8)
    ev = wr.Evaluator(classes=3, metric="chainercv", engine=engine)
    ev.update(pred, gt)
    # gt 255 not counted; predicted 255 counts as background: rows = gt
    assert ev.confusion.tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    # IoU_0 = 1/(2+2-1) = 1/3, IoU_1 = 1/3, class 2 undefined -> mean 1/3
    assert ev.miou() == pytest.approx(1 / 3)
    assert np.isnan(ev.iou()[2])
    # seam counts a predicted 255 differently (ground-truth row only), so this evaluator cannot answer for it
    with pytest.raises(wr.WsssInputError, match="counts predicted 255 differently"):
        ev.miou(metric="seam")
    seam = wr.Evaluator(classes=3, metric="seam", engine=engine).update(pred, gt)
    # the predicted 255 (gt 1) leaves the matrix and adds to row 1's total T only
    assert seam.confusion.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    assert seam.ignored_predictions.tolist() == [0, 1, 0]
    # TP/(T+P-TP+1e-10) over every class: class 0 1/(2+1-1), class 1 1/(2+2-1), class 2 0
    assert seam.miou() == pytest.approx((1 / 2 + 1 / 3 + 0) / 3)


def test_seam_counts_a_predicted_ignore_in_the_ground_truth_row_only(engine):
    """SEAM's evaluation.py: a predicted 255 adds to T of its ground-truth class, to no P and no TP."""
    gt = np.array([[0, 1, 1, 0]], np.uint8)
    pred = np.array([[255, 1, 1, 0]], np.uint8)
    ev = wr.Evaluator(classes=2, metric="seam", engine=engine).update(pred, gt)
    # class 0: T = 2 (one predicted 0, one predicted 255), P = 1, TP = 1 -> 0.5; class 1: T = P = TP = 2 -> 1
    assert ev.iou() == pytest.approx([0.5, 1.0])
    assert ev.miou() == pytest.approx(0.75)
    assert ev.confusion.tolist() == [[1, 0], [0, 2]] and ev.ignored_predictions.tolist() == [1, 0]
    assert engine.confusion(pred, gt, classes=2, metric="seam").tolist() == [[1, 0], [0, 2]]
    # merged shards keep the ignored predictions: the same mIoU as one evaluator over both
    other = wr.Evaluator(classes=2, metric="seam", engine=engine).update(pred, gt)
    assert ev.merge(other).miou() == pytest.approx(0.75) and ev.ignored_predictions.tolist() == [2, 0]
    # chainercv counts the same pixel as background: [[2, 0], [0, 2]], every class right
    assert wr.Evaluator(classes=2, metric="chainercv", engine=engine).update(pred, gt).miou() == 1.0


def test_evaluator_wsgcn_leaves_predicted_ignore_out(engine):
    gt = np.array([[0, 1]], np.uint8)
    pred = np.array([[255, 1]], np.uint8)
    ev = wr.Evaluator(classes=2, metric="wsgcn", engine=engine).update(pred, gt)
    assert ev.confusion.tolist() == [[0, 0], [0, 1]]
    assert ev.miou() == 1.0


def test_batches_merge_and_batch_update_equal_one_by_one(engine):
    rng = np.random.default_rng(3)
    pred = rng.integers(0, 4, (5, 7, 9), dtype=np.uint8)
    gt = rng.integers(0, 4, (5, 7, 9), dtype=np.uint8)
    batch = wr.Evaluator(classes=4, engine=engine).update(pred, gt)
    a, b = wr.Evaluator(classes=4, engine=engine), wr.Evaluator(classes=4, engine=engine)
    for k in range(3):
        a.update(pred[k], gt[k])
    for k in range(3, 5):
        b.update(pred[k], gt[k])
    assert a.merge(b).confusion.tolist() == batch.confusion.tolist()
    assert a.images == batch.images == 5
    expected = np.zeros((4, 4), np.int64)
    np.add.at(expected, (gt.ravel(), pred.ravel()), 1)
    assert batch.confusion.tolist() == expected.tolist()


def test_sweep_confusions_equal_thresholding_at_each_threshold(engine):
    rng = np.random.default_rng(4)
    cams = rng.random((2, 10, 12), dtype=np.float32)
    keys = np.array([2, 6])
    gt = rng.choice(np.array([0, 3, 7, 255], np.uint8), (10, 12))
    thresholds = [0.1, 0.35, 0.6, 0.85]
    sweep = wr.Sweep(thresholds, classes=21, engine=engine).update(cams, keys, gt)
    for k, t in enumerate(thresholds):
        assert sweep.confusion[k].tolist() == engine.confusion(engine.threshold(cams, keys, t), gt).tolist()


def test_crf_of_labels_keeps_a_uniform_image_uniform(engine):
    image = np.full((12, 16, 3), 128, np.uint8)
    labels = np.zeros((12, 16), np.uint8)
    labels[:, 8:] = 15
    out = engine.crf(image, labels, preset="irn")
    assert set(np.unique(out)) <= {0, 15} and out.shape == (12, 16)
    assert (out[:, :4] == 0).all() and (out[:, -4:] == 15).all()


def test_random_walk_with_boundary_features_and_matrix_sources(engine):
    rng = np.random.default_rng(5)
    h, w = 16, 20
    grid = rng.random((2, 4, 5), dtype=np.float32)
    keys = np.array([0, 1])
    boundary = engine.random_walk(grid, keys, boundary=np.zeros((4, 5), np.float32), size=(h, w))
    features = engine.random_walk(grid, keys, features=rng.random((8, 4, 5), dtype=np.float32), size=(h, w))
    eye = np.eye(20, dtype=np.float32)
    matrix = engine.random_walk(grid, keys, matrix=eye, size=(h, w), exp_times=0)
    for r in (boundary, features, matrix):
        assert r.labels.shape == (h, w) and r.scores.shape == (3, h, w)
        assert np.all(r.scores[0] == np.float32(0.25)) and r.keys.tolist() == [0, 1]
        assert set(np.unique(r.labels)) <= {0, 1, 2}
    with pytest.raises(ValueError, match="the map is 4x4 .* CAM grid is 4x5"):
        engine.random_walk(grid, keys, boundary=np.zeros((4, 4), np.float32), size=(h, w))
    with pytest.raises(ValueError, match="exactly one affinity source"):
        engine.random_walk(grid, keys, size=(h, w))
