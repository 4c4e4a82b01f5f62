"""Bad input raises a Python exception with a clear message: never a crash, never a hang."""

import os
import pickle
import threading

import numpy as np
import pytest

import wsss_refine as wr
from wsss_refine import _native


def _cams(c=2, h=6, w=8, seed=0):
    return np.random.default_rng(seed).random((c, h, w), dtype=np.float32)


def _image(h=6, w=8):
    return np.random.default_rng(1).integers(0, 256, (h, w, 3), dtype=np.uint8)


KEYS = np.array([0, 14])


def test_integer_cams_are_refused_with_the_dtype(engine):
    with pytest.raises(TypeError, match="cams: expected a floating-point array.*int64"):
        engine.threshold(np.ones((2, 4, 4), np.int64), KEYS, 0.15)


def test_float64_cams_are_converted_and_give_the_float32_result(engine):
    cams = _cams()
    assert np.array_equal(engine.threshold(cams.astype(np.float64), KEYS, 0.15), engine.threshold(cams, KEYS, 0.15))


def test_wrong_rank_is_refused(engine):
    with pytest.raises(wr.WsssInputError, match=r"cams: expected 3 dimensions, got shape \(6, 8\)"):
        engine.threshold(_cams()[0], KEYS[:1], 0.15)


def test_bad_input_is_a_value_error():
    assert issubclass(wr.WsssInputError, ValueError)


def test_cam_image_size_mismatch_gives_the_cli_message(engine):
    with pytest.raises(ValueError, match="cams: size 8x6 does not match the image's 9x6"):
        engine.ir_label(_image(6, 9), _cams(), KEYS)


def test_crf_score_size_mismatch(engine):
    with pytest.raises(ValueError, match="does not match the image"):
        engine.crf(_image(7, 8), _cams(3), KEYS, preset="psa")


def test_non_contiguous_arrays_are_copied_and_give_the_same_labels(engine):
    cams = _cams(2, 6, 8)
    wide = np.zeros((2, 6, 16), np.float32)
    wide[:, :, ::2] = cams
    strided = wide[:, :, ::2]
    assert not strided.flags.c_contiguous
    fortran = np.asfortranarray(cams)
    expected = engine.threshold(cams, KEYS, 0.15)
    assert np.array_equal(engine.threshold(strided, KEYS, 0.15), expected)
    assert np.array_equal(engine.threshold(fortran, KEYS, 0.15), expected)
    image = _image()
    assert np.array_equal(engine.ir_label(image[:, ::-1][:, ::-1], cams, KEYS), engine.ir_label(image, cams, KEYS))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused(engine, bad):
    cams = _cams()
    cams[1, 2, 3] = bad
    with pytest.raises(ValueError, match="cams: contains NaN or Inf"):
        engine.threshold(cams, KEYS, 0.15)
    with pytest.raises(ValueError, match="NaN or Inf"):
        engine.ir_label(_image(), cams, KEYS)


@pytest.mark.parametrize("keys, message", [
    ([0, 254], r"keys are 0-based foreground classes in 0..253 \(got 0..254\)"),
    ([-1, 3], r"keys are 0-based foreground classes in 0..253 \(got -1..3\)"),
    ([3, 3], r"repeated key"),
    ([3], r"1 keys for 2 CAM channels"),
])
def test_keys_out_of_range(engine, keys, message):
    with pytest.raises(ValueError, match=message):
        engine.threshold(_cams(), np.array(keys), 0.15)


def test_float_keys_are_refused(engine):
    with pytest.raises(TypeError, match="integer class keys"):
        engine.threshold(_cams(), np.array([0.0, 1.0]), 0.15)


def test_labels_outside_the_classes_give_the_engine_message(engine):
    pred = np.full((4, 4), 21, np.uint8)
    with pytest.raises(ValueError, match="21"):
        engine.confusion(pred, np.zeros((4, 4), np.uint8), classes=21)


def test_prediction_and_ground_truth_sizes_must_match(engine):
    with pytest.raises(ValueError, match="prediction is 5x4 but ground truth is 4x4"):
        wr.Evaluator(engine=engine).update(np.zeros((4, 5), np.uint8), np.zeros((4, 4), np.uint8))


def test_label_values_beyond_uint8_are_refused(engine):
    with pytest.raises(ValueError, match="0..255"):
        engine.confusion(np.full((2, 2), 300, np.int32), np.zeros((2, 2), np.uint8))


def test_unknown_preset_metric_backend_png():
    with pytest.raises(ValueError, match="unknown CRF preset|crf"):
        wr.crf(_image(), np.zeros((6, 8), np.uint8), preset="nope")
    with pytest.raises(ValueError, match="unknown metric 'miou'"):
        wr.Evaluator(metric="miou")
    with pytest.raises(ValueError, match="backend must be one of"):
        wr.Engine("cuda")
    with pytest.raises(ValueError, match="png must be 'gray' or 'palette'"):
        wr.write_labels("/tmp/x.png", np.zeros((2, 2), np.uint8), png="rgb")


def test_closed_engine_raises_and_closing_twice_is_harmless():
    e = wr.Engine("cpu")
    e.close()
    e.close()
    assert e.closed
    with pytest.raises(wr.EngineClosedError, match="the engine is closed"):
        e.threshold(_cams(), KEYS, 0.15)
    with pytest.raises(RuntimeError):
        wr.Evaluator(engine=e).update(np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8))


def test_a_forged_engine_id_is_an_error_not_a_crash():
    assert _native.lib.wsss_engine_noop(123456789) == _native.BAD_HANDLE
    assert "closed" in _native.last_error()


class _FakeCudaTensor:
    """Stands for a CUDA torch.Tensor (DLPack device type 2 = kDLCUDA) on machines without CUDA."""
    device = "cuda:0"

    def __dlpack_device__(self):
        return (2, 0)


def test_a_cuda_tensor_asks_for_cpu():
    with pytest.raises(ValueError, match=r"cams: the tensor is on cuda:0; move it to the CPU first \(tensor.cpu\(\)\)"):
        wr.threshold(_FakeCudaTensor(), KEYS, 0.15)


def test_missing_dump_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npy"):
        wr.read_dump(tmp_path / "missing.npy")


def _npy_object(payload):
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


def test_read_dump_refuses_a_pickle_global_outside_the_allowlist_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    # GLOBAL os.system, then a call with a shell command: a plain unpickler would create the marker file.
    payload = b"cos\nsystem\n(V" + f"touch {marker}".encode() + b"\ntR."
    path = tmp_path / "evil.npy"
    path.write_bytes(_npy_object(payload))
    with pytest.raises(ValueError, match="evil.npy: .*os.system.* is not allowed"):
        wr.read_dump(path)
    assert not marker.exists()


def test_truncated_dump_is_a_clear_error(tmp_path):
    good = pickle.dumps({"keys": np.array([0]), "cam": np.zeros((1, 2, 2), np.float32)}, protocol=2)
    path = tmp_path / "cut.npy"
    path.write_bytes(_npy_object(good[:len(good) // 2]))
    with pytest.raises(ValueError, match="cut.npy"):
        wr.read_dump(path)


def test_evaluator_merge_refuses_different_counting():
    with pytest.raises(ValueError, match="merge"):
        wr.Evaluator(metric="chainercv").merge(wr.Evaluator(metric="icd"))
    with pytest.raises(ValueError, match="counts predicted 255 differently"):
        wr.Evaluator(metric="chainercv").miou(metric="wsgcn")


def test_threads_sharing_one_engine_get_the_single_thread_results(engine):
    cams = [_cams(3, 40, 50, seed=s) for s in range(8)]
    keys = np.array([0, 5, 9])
    expected = [engine.threshold(c, keys, 0.3) for c in cams]
    results, errors = [None] * 32, []

    def work(k):
        try:
            results[k] = engine.threshold(cams[k % 8], keys, 0.3)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and all(np.array_equal(results[k], expected[k % 8]) for k in range(32))


class _DLPackOnly:
    """A CPU array that exports only DLPack (JAX, CuPy host arrays, Paddle): no __array__, no __array_interface__."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, *args, **kwargs):
        return self._array.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def test_a_cpu_dlpack_only_producer_is_read(engine):
    cams = _cams()
    assert np.array_equal(engine.threshold(_DLPackOnly(cams), KEYS, 0.5), engine.threshold(cams, KEYS, 0.5))
    gt = (cams[0] > 0.5).astype(np.uint8)
    assert np.array_equal(engine.confusion(_DLPackOnly(gt), gt, classes=2), engine.confusion(gt, gt, classes=2))


def test_bytes_and_pathlike_paths_name_the_file_itself(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    labels = np.array([[0, 1], [2, 255]], np.uint8)
    wr.write_labels(b"out.png", labels)
    assert os.listdir(tmp_path) == ["out.png"]
    assert np.array_equal(wr.read_labels(b"out.png"), labels)
    assert np.array_equal(wr.read_labels(os.fsencode(tmp_path / "out.png")), labels)
    with pytest.raises(FileNotFoundError, match=r"missing\.png") as e:
        wr.read_image(b"missing.png")
    assert "b'" not in str(e.value)


@pytest.mark.parametrize("path", ["x.png\0.bak", b"x.png\0.bak"])
def test_an_embedded_nul_in_a_path_raises_as_open_does(tmp_path, path):
    target = os.path.join(os.fsencode(tmp_path) if isinstance(path, bytes) else str(tmp_path), path)
    with pytest.raises(ValueError, match="embedded null byte"):
        wr.write_labels(target, np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="embedded null byte"):
        wr.read_labels(target)
    with pytest.raises(ValueError, match="embedded null byte"):
        wr.read_dump(target)
    assert os.listdir(tmp_path) == []


def test_a_nul_in_a_preset_or_format_is_refused(engine):
    with pytest.raises(ValueError, match="preset: embedded null byte"):
        engine.crf(_image(), np.zeros((6, 8), np.uint8), preset="irn\0junk")


def test_dimensions_beyond_int32_are_refused_not_wrapped(engine):
    # 2**32 + 4 pixels in one row: passed as int32 it would wrap to 4 (calloc'd pages, never touched)
    wide = np.zeros((1, 2**32 + 4), np.uint8)
    with pytest.raises(wr.WsssInputError, match=r"pred: shape \(1, 4294967300\) has a dimension over 2147483647"):
        engine.confusion(wide, wide, classes=2)


def test_maps_beyond_one_engine_array_are_refused_with_the_argument(engine):
    cams = np.zeros((1, 2**16, 2**15 + 1), np.float32)   # 2**31 + 2**16 floats, never touched
    with pytest.raises(wr.WsssInputError, match=r"cams: shape \(1, 65536, 32769\) holds 2147549184 elements per map"):
        engine.threshold(cams, KEYS[:1], 0.15)


def test_argument_errors_name_the_argument(engine, tmp_path):
    grid = _cams(1, 4, 5)
    with pytest.raises(wr.WsssInputError, match=r"boundary: expected 2 dimensions, got shape \(2, 4, 5\)"):
        engine.random_walk(grid, KEYS[:1], boundary=np.zeros((2, 4, 5), np.float32), size=(16, 20))
    one = engine.random_walk(grid, KEYS[:1], boundary=np.zeros((1, 4, 5), np.float32), size=(16, 20))
    assert np.array_equal(one.labels, engine.random_walk(grid, KEYS[:1], boundary=np.zeros((4, 5), np.float32),
                                                         size=(16, 20)).labels)
    with pytest.raises(wr.WsssInputError, match=r"size: expected \(H, W\).*got \(-1, 5\)"):
        engine.random_walk(grid, KEYS[:1], boundary=np.zeros((4, 5), np.float32), size=(-1, 5))
    with pytest.raises(wr.WsssInputError, match=r"classes must be in 1..255 \(got -3\)"):
        engine.confusion(np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8), classes=-3)
    with pytest.raises(FileNotFoundError, match=r"no_such_folder/a\.png: the folder .*no_such_folder does not exist") as e:
        wr.write_labels(tmp_path / "no_such_folder" / "a.png", np.zeros((2, 2), np.uint8))
    assert ".tmp" not in str(e.value)
    with pytest.raises(wr.WsssInputError, match=r"present: classes are 0-based foreground classes in 0..253"):
        wr.read_dump(tmp_path / "x.npy", present=[2**40])
    with pytest.raises(wr.WsssInputError, match=r"image_size: expected \(H, W\).*got \(-5, -5\)"):
        wr.read_dump(tmp_path / "x.npy", image_size=(-5, -5))
    with pytest.raises(wr.WsssInputError, match=r"radius: 4294967301 does not fit"):
        engine.random_walk(grid, KEYS[:1], boundary=np.zeros((4, 5), np.float32), size=(16, 20), radius=2**32 + 5)
