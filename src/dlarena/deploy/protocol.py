"""The /predict wire format, as pure functions: decode a request body (JSON or .npy/.npz) into an
array the model accepts, or say precisely why not (RequestError -> an HTTP 4xx), and encode the
output."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from dlarena.deploy.manifest import TensorSpec

JSON_TYPES = ("application/json",)
NUMPY_TYPES = ("application/x-npy", "application/x-npz", "application/octet-stream", "application/zip")


class RequestError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _from_json(body: bytes) -> np.ndarray:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(400, f"malformed JSON: {exc}") from None
    if not isinstance(data, dict) or "inputs" not in data:
        raise RequestError(400, 'JSON body must be an object with an "inputs" array, e.g. {"inputs": [[...]]}')
    try:
        array = np.asarray(data["inputs"])
    except ValueError:
        raise RequestError(422, '"inputs" is not a rectangular array (rows of different lengths)') from None
    if array.dtype.kind not in "iuf":
        raise RequestError(422, f'"inputs" must hold only numbers, got {_kind(array)}')
    return array


def _kind(array: np.ndarray) -> str:
    return {"U": "strings", "S": "bytes", "b": "booleans", "O": "mixed values or nulls",
            "c": "complex numbers"}.get(array.dtype.kind, str(array.dtype))


def _from_numpy(body: bytes) -> np.ndarray:
    try:
        if body[:6] == b"\x93NUMPY":
            return np.load(io.BytesIO(body), allow_pickle=False)
        if body[:2] == b"PK":
            with np.load(io.BytesIO(body), allow_pickle=False) as archive:
                names = archive.files
                if "inputs" in names:
                    return archive["inputs"]
                if len(names) == 1:
                    return archive[names[0]]
                raise RequestError(400, f'the .npz body must hold one array or one named "inputs", got {names}')
    except RequestError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise RequestError(400, f"malformed numpy body: {exc}") from None
    raise RequestError(400, "binary body is neither a .npy nor a .npz file (send numpy.save / numpy.savez output)")


def decode(body: bytes, content_type: str) -> np.ndarray:
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not body:
        raise RequestError(400, "empty request body")
    if ctype in JSON_TYPES or ctype.endswith("+json"):
        return _from_json(body)
    if ctype in NUMPY_TYPES:
        return _from_numpy(body)
    raise RequestError(415, f"unsupported content type '{ctype or '(none)'}'; send application/json "
                            '({"inputs": [...]}) or application/x-npy (a .npy or .npz file)')


def conform(array: np.ndarray, spec: TensorSpec, max_batch: int) -> tuple[np.ndarray, bool]:
    """The array as the model's input (batch first, spec dtype); ``True`` when a single sample
    without a batch dimension was sent (the reply then drops the batch dimension too)."""
    sample_shape = tuple(spec.shape[1:])
    sent = tuple(array.shape)
    single = array.ndim == len(sample_shape) and sent == sample_shape
    if single:
        array = array[None]
    if array.ndim != len(spec.shape) or tuple(array.shape[1:]) != sample_shape:
        expected = ", ".join(str(d) for d in sample_shape)
        raise RequestError(422, f"wrong input shape {sent}: expected (batch, {expected}) or "
                                f"({expected},) for a single sample")
    rows = array.shape[0]
    if rows == 0:
        raise RequestError(422, "empty batch: send at least one sample")
    if rows > max_batch:
        raise RequestError(413, f"batch of {rows} samples exceeds this server's limit of {max_batch}")
    if spec.shape[0] is not None and rows != spec.shape[0]:
        raise RequestError(422, f"this artifact has a fixed batch of {spec.shape[0]}, got {rows}")
    target = np.dtype(spec.dtype)
    if target.kind in "iu":
        if array.dtype.kind == "f" and not np.all(np.isfinite(array) & (array == np.round(array))):
            raise RequestError(422, f"expected integer values ({spec.dtype}), got non-integer numbers")
        if array.dtype.kind not in "iuf":
            raise RequestError(422, f"expected {spec.dtype} values, got dtype {array.dtype}")
        if spec.value_range:
            low, high = spec.value_range
            if array.min() < low or array.max() >= high:
                raise RequestError(422, f"values must lie in [{low}, {high}), got min {array.min()} max {array.max()}")
    elif not np.can_cast(array.dtype, target, "same_kind") or array.dtype.kind not in "iuf":
        raise RequestError(422, f"expected {spec.dtype} values, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=target), single


def encode_npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()
