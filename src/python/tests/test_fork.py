"""A forked child (PyTorch DataLoader workers, multiprocessing "fork") of a process that used the engine: the child's
calls finish and give the parent's results, on an inherited engine and on the default one."""

import os
import pickle
import signal

import numpy as np

import wsss_refine as wr


def _in_forked_child(work, timeout=120):
    """Runs work() in a forked child; returns its pickled result. A hang is killed by SIGALRM and fails the test."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read_end)
            signal.alarm(timeout)
            data = pickle.dumps(work())
            with os.fdopen(write_end, "wb") as f:
                f.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    assert not os.WIFSIGNALED(status), f"the forked child was killed by signal {os.WTERMSIG(status)} (it hung)"
    assert os.WEXITSTATUS(status) == 0 and data, "the forked child failed"
    return pickle.loads(data)


def _inputs():
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    cams = rng.random((2, 48, 64), dtype=np.float32)
    stride = rng.random((2, 12, 16), dtype=np.float32)
    return image, cams, stride, np.array([0, 14])


def _compute(engine):
    image, cams, stride, keys = _inputs()
    labels = engine.threshold(cams, keys, 0.2)
    return {
        "threshold": labels,
        "confusion": engine.confusion(labels, engine.threshold(cams, keys, 0.4), classes=21),
        "crf": engine.crf(image, engine.scores(cams, keys, threshold=0.2), keys, preset="irn"),
        "ir_label": engine.ir_label(image, cams, keys),
        "random_walk": engine.random_walk(stride, keys, image=image).labels,
    }


def _same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_an_engine_used_before_fork_works_in_the_child_and_gives_the_parents_results():
    engine = wr.Engine("cpu")
    parent = _compute(engine)   # the parent's thread pool and engine are in use before the fork
    child = _in_forked_child(lambda: _compute(engine))
    assert _same(child, parent)
    assert _same(_compute(engine), parent)  # the parent's engine is untouched by the child
    engine.close()


def test_the_default_engine_and_a_fresh_engine_work_in_the_child():
    _, cams, _, keys = _inputs()
    parent = wr.threshold(cams, keys, 0.2)

    def child():
        fresh = wr.Engine("cpu")
        return wr.threshold(cams, keys, 0.2), fresh.threshold(cams, keys, 0.2)

    default_result, fresh_result = _in_forked_child(child)
    assert np.array_equal(default_result, parent) and np.array_equal(fresh_result, parent)
    assert np.array_equal(wr.threshold(cams, keys, 0.2), parent)


def test_closing_an_inherited_engine_in_the_child_returns_and_leaves_the_parents():
    _, cams, _, keys = _inputs()
    engine = wr.Engine("cpu")
    parent = engine.threshold(cams, keys, 0.2)

    def child():
        engine.close()  # the parent's handle: dropped in the child, never freed there
        return engine.closed

    assert _in_forked_child(child) is True
    assert not engine.closed and np.array_equal(engine.threshold(cams, keys, 0.2), parent)
    engine.close()


def test_many_calls_in_a_child_survive_its_garbage_collections():
    """Enough allocation for full collections in the child (a background GC would wait for a thread fork dropped)."""
    image, cams, _, keys = _inputs()
    big_image = np.tile(image, (5, 5, 1))
    big_cams = np.tile(cams, (1, 5, 5))
    engine = wr.Engine("cpu")
    parent = engine.ir_label(big_image, big_cams, keys)

    def child():
        return [engine.ir_label(big_image, big_cams, keys) for _ in range(12)]

    assert all(np.array_equal(r, parent) for r in _in_forked_child(child, timeout=300))
    engine.close()


def test_an_inherited_vulkan_engine_gets_its_own_device_in_the_child():
    """The parent's Vulkan device (lavapipe where there is no GPU) is not usable in a child (its driver threads are
    gone): the child's first call opens a device of its own and gives the parent's labels."""
    _, cams, _, keys = _inputs()
    with wr.Engine("vulkan") as gpu:
        parent = gpu.threshold(cams, keys, 0.2)
        child = _in_forked_child(lambda: (gpu.threshold(cams, keys, 0.2), gpu.backend), timeout=60)
        assert np.array_equal(child[0], parent) and child[1] == "vulkan"
        assert np.array_equal(gpu.threshold(cams, keys, 0.2), parent)
