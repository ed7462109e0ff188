"""The /predict wire format, as pure functions: decode a request body (JSON or .npy/.npz) into an
array the model accepts, or say precisely why not (RequestError -> an HTTP 4xx), and encode the
output.

Decoding never allocates more than the server's limits allow: a .npy header's declared size and
a .npz member's declared uncompressed size are checked before any data is read, and a member is
decompressed only up to its declared size (a deflate bomb stops there). A JSON body of the plain
{"inputs": [...]} form is read straight into numpy (json_numbers.py); other JSON, which builds
Python objects, only up to GENERIC_JSON_MAX_BYTES."""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

from dlarena.deploy.json_numbers import parse_inputs
from dlarena.deploy.manifest import TensorSpec

JSON_TYPES = ("application/json",)
NUMPY_TYPES = ("application/x-npy", "application/x-npz", "application/octet-stream", "application/zip")
NPY_MAGIC = b"\x93NUMPY"
NPY_HEADER_READERS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
# What numpy.savez (stored) and numpy.savez_compressed (deflated) write; zipfile decompresses the
# others (bzip2, lzma) without an output bound.
NPZ_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# Any other JSON body goes through json.loads, whose Python objects take 8 to 30 times the body.
GENERIC_JSON_MAX_BYTES = 2**20
# A request holds one array: an archive declaring more members is refused from its end record,
# before zipfile reads a central directory entry per member (300,000 of them: seconds and 140 MB).
MAX_NPZ_MEMBERS = 16
EOCD = b"PK\x05\x06"  # a zip's end-of-central-directory record: its last 22 bytes, plus a comment
ZIP64_LOCATOR, ZIP64_EOCD = b"PK\x06\x07", b"PK\x06\x06"
MAX_NAMES_SHOWN = 8
MALFORMED = (ValueError, OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)


class RequestError(Exception):
    def __init__(self, status: int, message: str, close: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the request's body was not read to its end: the connection cannot be reused


def _from_json(body: bytes) -> np.ndarray:
    array = parse_inputs(body)  # the plain {"inputs": [...]} form, read without Python lists
    if array is not None:
        return array
    if len(body) > GENERIC_JSON_MAX_BYTES:
        raise RequestError(413, f"JSON body of {len(body)} bytes: over {GENERIC_JSON_MAX_BYTES} bytes only the plain "
                                '{"inputs": [...numbers...]} form is read; send .npy for large inputs')
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(400, f"malformed JSON: {exc}") from None
    except RecursionError:
        raise RequestError(400, "malformed JSON: nested too deeply") from None
    except ValueError as exc:  # an integer beyond Python's digit limit
        raise RequestError(400, f"malformed JSON: {str(exc).split(';')[0]}") from None
    if not isinstance(data, dict) or "inputs" not in data:
        raise RequestError(400, 'JSON body must be an object with an "inputs" array, e.g. {"inputs": [[...]]}')
    try:
        array = np.asarray(data["inputs"])
    except ValueError:
        raise RequestError(422, '"inputs" is not a rectangular array (rows of different lengths, '
                                "or nested deeper than 64 levels)") from None
    if array.dtype.kind not in "iuf":
        raise RequestError(422, f'"inputs" must hold only numbers, got {_kind(array)}')
    return array


def _kind(array: np.ndarray) -> str:
    return {"U": "strings", "S": "bytes", "b": "booleans", "O": "mixed values, nulls or integers beyond 64 bits",
            "c": "complex numbers"}.get(array.dtype.kind, str(array.dtype))


def _load_npy(data: bytes, max_bytes: int) -> np.ndarray:
    """A .npy file's array, its header checked against ``max_bytes`` and the data present before
    numpy allocates anything."""
    stream = io.BytesIO(data)
    version = npy_format.read_magic(stream)
    if version not in NPY_HEADER_READERS:
        raise RequestError(400, f"malformed numpy body: unsupported .npy format version {version[0]}.{version[1]}")
    shape, _, dtype = NPY_HEADER_READERS[version](stream)
    if dtype.hasobject:
        raise RequestError(400, "object arrays (pickled data) are not accepted; send numbers")
    if any(d < 0 for d in shape):
        raise RequestError(400, f"malformed numpy body: negative dimension in shape {shape}")
    declared = math.prod(shape) * dtype.itemsize
    if declared > max_bytes:
        raise RequestError(413, f".npy header declares a {shape} {dtype} array of {declared} bytes, "
                                f"over this server's limit of {max_bytes} bytes")
    present = len(data) - stream.tell()
    if declared > present:
        raise RequestError(400, f"truncated .npy: its header declares {declared} bytes of data, the body holds {present}")
    return np.load(io.BytesIO(data), allow_pickle=False)


def _declared_members(body: bytes) -> int | None:
    """The member count the archive's end record declares (None: no end record; zipfile says why)."""
    at = body.rfind(EOCD, max(0, len(body) - 22 - 0xFFFF))
    if at < 0 or len(body) < at + 12:
        return None
    count = struct.unpack("<H", body[at + 10:at + 12])[0]
    locator = body[max(0, at - 20):at]
    if count == 0xFFFF and locator.startswith(ZIP64_LOCATOR):  # the count is in the ZIP64 end record
        record = struct.unpack("<Q", locator[8:16])[0]
        if body[record:record + 4] == ZIP64_EOCD and len(body) >= record + 40:
            count = struct.unpack("<Q", body[record + 32:record + 40])[0]
    return count


def _npz_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    if "inputs" in members:
        return members["inputs"]
    if len(members) == 1:
        return next(iter(members.values()))
    names = sorted(members)
    shown = ", ".join(repr(n[:40]) for n in names[:MAX_NAMES_SHOWN]) + (", ..." if len(names) > MAX_NAMES_SHOWN else "")
    raise RequestError(400, f'the .npz body must hold one array or one named "inputs", got {len(names)}: [{shown}]')


def _load_npz(body: bytes, max_bytes: int) -> np.ndarray:
    declared = _declared_members(body)
    if declared is not None and declared > MAX_NPZ_MEMBERS:
        raise RequestError(400, f"the .npz body declares {declared} members; a request holds one array "
                                f"(at most {MAX_NPZ_MEMBERS} members)")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        info = _npz_member(archive)
        name = info.filename.removesuffix(".npy")
        if info.compress_type not in NPZ_COMPRESSIONS:
            raise RequestError(400, f"the .npz member '{name}' uses an unsupported compression; "
                                    "send numpy.savez or numpy.savez_compressed output")
        if info.file_size > max_bytes:
            raise RequestError(413, f"the .npz member '{name}' unpacks to {info.file_size} bytes, "
                                    f"over this server's limit of {max_bytes} bytes")
        with archive.open(info) as member:
            data = member.read(info.file_size)  # stops at the declared size, whatever the stream holds
        if not data.startswith(NPY_MAGIC):
            raise RequestError(400, f"the .npz member '{name}' is not a .npy array")
        return _load_npy(data, max_bytes)


def _from_numpy(body: bytes, max_bytes: int) -> np.ndarray:
    try:
        if body.startswith(NPY_MAGIC):
            return _load_npy(body, max_bytes)
        if body.startswith(b"PK"):
            return _load_npz(body, max_bytes)
    except MALFORMED as exc:
        raise RequestError(400, f"malformed numpy body: {exc}") from None
    raise RequestError(400, "binary body is neither a .npy nor a .npz file (send numpy.save / numpy.savez output)")


def decode(body: bytes, content_type: str, max_bytes: int) -> np.ndarray:
    """The array in a request body; ``max_bytes`` bounds the decoded array as it bounds the body."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not body:
        raise RequestError(400, "empty request body")
    if ctype in JSON_TYPES or ctype.endswith("+json"):
        return _from_json(body)
    if ctype in NUMPY_TYPES:
        return _from_numpy(body, max_bytes)
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
    if array.dtype.kind not in "iuf":
        raise RequestError(422, f"expected {spec.dtype} values, got dtype {array.dtype}")
    target = np.dtype(spec.dtype)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise RequestError(422, "inputs must be finite numbers, got NaN or infinity")
    if target.kind in "iu":
        _check_integers(array, spec, target)
    elif not np.can_cast(array.dtype, target, "same_kind"):
        raise RequestError(422, f"expected {spec.dtype} values, got dtype {array.dtype}")
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(array, dtype=target)
    if target.kind == "f" and not np.isfinite(out).all():
        raise RequestError(422, f"inputs overflow {spec.dtype} (largest magnitude {np.finfo(target).max:.3g})")
    return out, single


def _check_integers(array: np.ndarray, spec: TensorSpec, target: np.dtype) -> None:
    if array.dtype.kind == "f" and not (array == np.round(array)).all():
        raise RequestError(422, f"expected integer values ({spec.dtype}), got non-integer numbers")
    low, high = spec.value_range or (np.iinfo(target).min, np.iinfo(target).max + 1)
    if array.min() < low or array.max() >= high:
        raise RequestError(422, f"values must lie in [{low}, {high}), got min {array.min()} max {array.max()}")


def encode_npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()
