"""torch tensors in: a CPU tensor is read in place (no copy), one needing grad is detached, results are numpy."""

import numpy as np
import pytest
import torch

import wsss_refine as wr
from wsss_refine import _native



def test_cpu_tensor_is_read_without_a_copy():
    t = torch.rand(3, 8, 10)
    view = _native.floats(t, "cams", 3)
    assert view.__array_interface__["data"][0] == t.data_ptr()


def test_tensor_results_equal_numpy_results(engine):
    t = torch.rand(2, 12, 16, requires_grad=True)
    keys = torch.tensor([3, 11])
    expected = engine.threshold(t.detach().numpy(), keys.numpy(), 0.2)
    got = engine.threshold(t, keys, 0.2)
    assert isinstance(got, np.ndarray) and np.array_equal(got, expected)


def test_non_contiguous_tensor_is_copied(engine):
    t = torch.rand(12, 16, 2).permute(2, 0, 1)
    assert not t.is_contiguous()
    assert np.array_equal(engine.threshold(t, np.array([0, 1]), 0.3), engine.threshold(t.contiguous().numpy(), np.array([0, 1]), 0.3))


def test_a_batch_of_predictions_as_tensors(engine):
    pred = torch.randint(0, 3, (4, 6, 7), dtype=torch.uint8)
    gt = torch.randint(0, 3, (4, 6, 7), dtype=torch.uint8)
    ev = wr.Evaluator(classes=3, engine=engine).update(pred, gt)
    assert ev.confusion.sum() == 4 * 6 * 7


def test_a_meta_tensor_is_refused_clearly():
    t = torch.empty(2, 4, 4, device="meta")
    with pytest.raises(ValueError, match="meta|cannot be read"):
        wr.threshold(t, np.array([0, 1]), 0.1)
