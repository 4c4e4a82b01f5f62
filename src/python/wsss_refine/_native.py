"""ctypes binding of libwsss_refine.so (src/WsssGpuRefine.Native/Exports.cs), and the array checks done before each call.

Every C function returns a status (0 ok, 1 bad input, 2 file/I/O, 3 backend or internal, 4 closed or unknown handle,
5 file not found);
on failure the one-line message the CLI would print after ``error:`` is read back and raised as a Python exception.
"""

import ctypes
import os

import numpy as np

OK, BAD_INPUT, IO_ERROR, INTERNAL, BAD_HANDLE, NOT_FOUND = 0, 1, 2, 3, 4, 5
LIBRARY_NAME = "libwsss_refine.so"


class WsssInputError(ValueError):
    """Bad input (the CLI's ``error: FILE: REASON`` line, without ``error:``)."""


class WsssBackendError(RuntimeError):
    """The backend failed (no Vulkan device, device lost) or an internal error."""


class EngineClosedError(RuntimeError):
    """A call on an :class:`Engine` after :meth:`Engine.close`."""


def _find_library():
    explicit = os.environ.get("WSSS_REFINE_LIBRARY")
    if explicit:
        return explicit
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), LIBRARY_NAME)
    if os.path.exists(here):
        return here
    raise ImportError(
        f"wsss_refine: {LIBRARY_NAME} not found next to {__file__}; build and install the package with "
        "src/python/install.sh (or set WSSS_REFINE_LIBRARY to the published library)")


_lib = ctypes.CDLL(_find_library())

_p = ctypes.c_void_p
_i32, _i64, _f32, _f64 = ctypes.c_int32, ctypes.c_int64, ctypes.c_float, ctypes.c_double
_SIGNATURES = {
    "wsss_abi_version": [],
    "wsss_last_error": [_p, _i32],
    "wsss_engine_open": [_i32, _p],
    "wsss_engine_close": [_i64],
    "wsss_engine_describe": [_i64, _p, _i32, _p],
    "wsss_engine_noop": [_i64],
    "wsss_bench_repeat": [_i32],
    "wsss_bench_elapsed": [],
    "wsss_threshold": [_i64, _p, _i32, _i32, _i32, _p, _i32, _f64, _p],
    "wsss_scores": [_i64, _p, _i32, _i32, _i32, _p, _i32, _f64, _p],
    "wsss_sweep": [_i64, _p, _i32, _i32, _i32, _p, _p, _p, _i32, _i32, _p],
    "wsss_confusion": [_i64, _p, _p, _i32, _i32, _i32, _i32, _i32, _p],
    "wsss_metric": [_p, _i32, ctypes.c_char_p, _p, _p, _p],
    "wsss_confusion_v2": [_i64, _p, _p, _i32, _i32, _i32, _i32, _i32, _p, _p],
    "wsss_metric_v2": [_p, _p, _i32, ctypes.c_char_p, _p, _p, _p],
    "wsss_crf": [_i64, _p, _i32, _i32, _p, _i32, _p, ctypes.c_char_p, _p],
    "wsss_crf_labels": [_i64, _p, _i32, _i32, _p, _i32, ctypes.c_char_p, _p],
    "wsss_ir_label": [_i64, _p, _i32, _i32, _p, _i32, _p, _f32, _f32, ctypes.c_char_p, _p],
    "wsss_la_ha": [_i64, _p, _i32, _i32, _p, _i32, _p, _f32, _f32, ctypes.c_char_p, _p],
    "wsss_random_walk": [_i64, _p, _i32, _i32, _i32, _p, _i32, _p, _p, _i32, _i32, _i32, _f64, _i32, _i32, _f64, _p, _p],
    "wsss_read_dump": [ctypes.c_char_p, ctypes.c_char_p, _p, _i32, _i32, _i32, _p, _p],
    "wsss_dump_copy": [_i64, _p, _p, _p, _p, _p, _i32],
    "wsss_read_image": [ctypes.c_char_p, _i32, _p, _p],
    "wsss_bytes_copy": [_i64, _p, _i64],
    "wsss_free": [_i64],
    "wsss_write_labels": [ctypes.c_char_p, _p, _i32, _i32, ctypes.c_char_p],
}
for _name, _args in _SIGNATURES.items():
    _fn = getattr(_lib, _name, None)
    if _fn is None:
        raise ImportError(f"wsss_refine: {LIBRARY_NAME} has no {_name} (an older build); reinstall with src/python/install.sh")
    _fn.argtypes = _args
    _fn.restype = ctypes.c_int32

_lib.wsss_bench_elapsed.restype = ctypes.c_double

ABI_VERSION = 1
if _lib.wsss_abi_version() != ABI_VERSION:
    raise ImportError(f"wsss_refine: {LIBRARY_NAME} speaks ABI {_lib.wsss_abi_version()}, this package expects {ABI_VERSION}; reinstall")

lib = _lib


def last_error():
    buffer = ctypes.create_string_buffer(1024)
    _lib.wsss_last_error(buffer, len(buffer))
    return buffer.value.decode("utf-8", "replace")


def check(status):
    """Raises the exception a non-zero status stands for."""
    if status == OK:
        return
    message = last_error()
    if status == BAD_INPUT:
        raise WsssInputError(message)
    if status == IO_ERROR:
        raise OSError(message)
    if status == NOT_FOUND:
        raise FileNotFoundError(message)
    if status == BAD_HANDLE:
        raise EngineClosedError(message)
    raise WsssBackendError(message)


def ptr(array):
    return array.ctypes.data if array is not None else None


def text(value, name="text"):
    """UTF-8 bytes of a string argument (preset, format, metric name); a NUL would cut it short in C, so it raises."""
    if value is None:
        return None
    encoded = str(value).encode("utf-8")
    if b"\0" in encoded:
        raise ValueError(f"{name}: embedded null byte")
    return encoded


def path(value):
    """A file path (str, bytes or os.PathLike, as open() takes) as the UTF-8 bytes the library reads. Bytes are
    decoded with the file-system encoding, never turned into their repr; a NUL raises as open() does."""
    decoded = os.fsdecode(os.fspath(value))
    if "\0" in decoded:
        raise ValueError("embedded null byte")
    try:
        return decoded.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{decoded!r}: the engine takes UTF-8 paths; this one is not valid UTF-8") from None


# The C ABI takes dimensions as int32 and the engine holds a map in one .NET array (at most Array.MaxLength elements).
INT32_MAX = 2**31 - 1
MAX_ELEMENTS = 0x7FFFFFC7  # System.Array.MaxLength


def int32(value, name):
    """An integer argument the ABI passes as int32; refuses what would wrap (ctypes truncates modulo 2**32)."""
    value = int(value)
    if not -2**31 <= value <= INT32_MAX:
        raise WsssInputError(f"{name}: {value} does not fit the engine's 32-bit integers")
    return value


def check_size(array, name, per_item_dims):
    """Every dimension must fit int32 and each map (the last ``per_item_dims`` dimensions) one .NET array."""
    shape = tuple(int(s) for s in array.shape)
    if any(s > INT32_MAX for s in shape):
        raise WsssInputError(f"{name}: shape {shape} has a dimension over {INT32_MAX}, the engine's limit")
    elements = 1
    for s in shape[len(shape) - per_item_dims:]:
        elements *= s
    if elements > MAX_ELEMENTS:
        raise WsssInputError(f"{name}: shape {shape} holds {elements} elements per map; the engine takes at most {MAX_ELEMENTS}")


# ---------------------------------------------------------------------------------------------- array intake

_CPU_DLPACK = 1  # kDLCPU


def as_array(value, name):
    """numpy view of an ndarray, anything with ``__array_interface__``/``__array__``, or a CPU DLPack tensor (no copy)."""
    if isinstance(value, np.ndarray):
        return value
    device = getattr(value, "__dlpack_device__", None)
    if device is not None:
        kind, index = device()
        if int(kind) != _CPU_DLPACK:
            where = getattr(value, "device", f"DLPack device type {int(kind)}:{index}")
            raise WsssInputError(f"{name}: the tensor is on {where}; move it to the CPU first (tensor.cpu())")
    detach = getattr(value, "detach", None)
    if callable(detach) and getattr(value, "requires_grad", False):
        value = detach()  # a view, no copy
    try:
        if device is not None and hasattr(value, "__dlpack__") and not hasattr(value, "__array__") \
                and not hasattr(value, "__array_interface__"):
            return np.from_dlpack(value)  # a CPU DLPack-only producer (JAX, CuPy host arrays, ...): no copy
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001 - anything that cannot become an array is bad input
        raise WsssInputError(f"{name}: cannot be read as an array ({e})") from None


def _contiguous(array):
    # Non-contiguous arrays (slices, transposes, Fortran order) are copied once into C order.
    return np.ascontiguousarray(array)


def floats(value, name, ndim):
    """float32, C order. Other floating dtypes are converted (as the CLI's reader does); others are refused.
    NaN and Inf are refused by the library itself (one vectorised pass over the copy it makes anyway)."""
    array = value if type(value) is np.ndarray else as_array(value, name)
    if array.dtype != np.float32 and array.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point array (float32), got dtype {array.dtype}")
    if array.ndim != ndim:
        raise WsssInputError(f"{name}: expected {ndim} dimensions, got shape {tuple(array.shape)}")
    if 0 in array.shape:
        raise WsssInputError(f"{name}: empty array of shape {tuple(array.shape)}")
    check_size(array, name, ndim)
    if array.dtype != np.float32:
        array = array.astype(np.float32)
    return array if array.flags.c_contiguous else _contiguous(array)


def labels(value, name, ndims=(2,)):
    """uint8 VOC ids (255 = ignore), C order; other integer dtypes are converted when every value fits."""
    array = as_array(value, name)
    if array.dtype.kind not in "ui" or array.dtype == np.bool_:
        raise TypeError(f"{name}: expected an integer label array (uint8), got dtype {array.dtype}")
    if array.ndim not in ndims:
        raise WsssInputError(f"{name}: expected {' or '.join(map(str, ndims))} dimensions, got shape {tuple(array.shape)}")
    if any(s == 0 for s in array.shape):
        raise WsssInputError(f"{name}: empty array of shape {tuple(array.shape)}")
    check_size(array, name, 2)
    if array.dtype != np.uint8:
        if array.min() < 0 or array.max() > 255:
            raise WsssInputError(f"{name}: label values must lie in 0..255 (got {array.min()}..{array.max()})")
        array = array.astype(np.uint8)
    return _contiguous(array)


def image(value, name="image"):
    """(H, W, 3) uint8 RGB, C order."""
    array = as_array(value, name)
    if array.dtype != np.uint8:
        raise TypeError(f"{name}: expected uint8 RGB, got dtype {array.dtype}")
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[0] == 0 or array.shape[1] == 0:
        raise WsssInputError(f"{name}: expected an (H, W, 3) RGB image, got shape {tuple(array.shape)}")
    check_size(array, name, 3)
    return _contiguous(array)


MAX_KEY = 253  # label ids 1..254 (255 is ignore)


def label_ids(keys, channels, name="keys"):
    """0-based foreground keys (IRN's ``keys``) -> int32 VOC label ids (key + 1)."""
    array = keys if type(keys) is np.ndarray else as_array(keys, name)
    if array.dtype.kind not in "ui" or array.dtype == np.bool_:
        raise TypeError(f"{name}: expected integer class keys, got dtype {array.dtype}")
    values = array.reshape(-1).tolist()  # a handful of classes: plain Python is faster than numpy here
    if len(values) != channels:
        raise WsssInputError(f"{name}: {len(values)} keys for {channels} CAM channels")
    if values and (min(values) < 0 or max(values) > MAX_KEY):
        raise WsssInputError(f"{name}: keys are 0-based foreground classes in 0..{MAX_KEY} (got {min(values)}..{max(values)})")
    if len(set(values)) != len(values):
        raise WsssInputError(f"{name}: repeated key in {values}")
    return np.array([v + 1 for v in values], np.int32)


def same_size(image_array, maps, what="cams"):
    if maps.shape[-2:] != image_array.shape[:2]:
        raise WsssInputError(
            f"{what}: size {maps.shape[-1]}x{maps.shape[-2]} does not match the image's {image_array.shape[1]}x{image_array.shape[0]}")
