"""Hostile requests to `dlarena serve`, answered in-process without a real model (a stand-in
runtime): memory bounded before decompression or allocation, 4xx for every malformed or
non-finite input, a timeout on bodies that never arrive, and one line with exit 2 for a server
that cannot start. Plus the wire format's pure functions (protocol.decode / conform) directly."""

import io
import re
import socket
import struct
import threading
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest
import uvicorn
from helpers.deploy_util import free_port

from dlarena.deploy import runtimes
from dlarena.deploy import server as server_module
from dlarena.deploy.manifest import Manifest, TensorSpec
from dlarena.deploy.protocol import RequestError, conform, decode
from dlarena.deploy.server import ServerOptions, create_app
from helpers.cli_util import clean_registry_env, invoke  # noqa: F401 - the fixture applies to every test here

LIMIT = 64 * 1024  # the server's body limit in these tests
MAX_BATCH = 8
BOMB_BYTES = 32 * 2**20  # what the bomb unpacks to: 512 times the limit
SPEC = TensorSpec(shape=[None, 4], dtype="float32")


def _manifest(folder: Path, **overrides) -> Manifest:
    manifest = Manifest(workload="mlp", framework="torch", path="onnx", runtime="onnxruntime", file="model.onnx",
                        input=SPEC, output=TensorSpec(shape=[None, 1], dtype="float32"))
    for key, value in overrides.items():
        setattr(manifest, key, value)
    manifest.save(folder)
    (folder / manifest.file).write_bytes(b"not a model")
    return manifest


def _stand_in_runtime(folder, manifest, threads, interop_threads=1, spin=True):
    return runtimes.Loaded(lambda x: x.sum(axis=1, keepdims=True), manifest.runtime, 0.0, 0.0, {})


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _npy_header(shape, descr="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _zip(members: dict[str, list[bytes]], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, chunks in members.items():
            with archive.open(name, "w") as f:
                for chunk in chunks:
                    f.write(chunk)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A .npz of one float32 (rows, 4) array of zeros that deflates 512-fold past the body limit."""
    rows = BOMB_BYTES // 16
    return _zip({"inputs.npy": [_npy_header((rows, 4))] + [bytes(2**20)] * (BOMB_BYTES // 2**20)})


def _declaring(archive: bytes, size: int) -> bytes:
    """The one-member zip with its uncompressed size rewritten (local header and central directory)."""
    patched = bytearray(archive)
    central = struct.unpack_from("<I", patched, len(patched) - 22 + 16)[0]
    struct.pack_into("<I", patched, 22, size)
    struct.pack_into("<I", patched, central + 24, size)
    return bytes(patched)


def _peak_traced(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        try:
            result = fn()
        except RequestError as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rejected(body: bytes, ctype: str = "application/x-npy", max_bytes: int = LIMIT) -> RequestError:
    with pytest.raises(RequestError) as info:
        conform(decode(body, ctype, max_bytes), SPEC, MAX_BATCH)
    return info.value


# -- protocol: memory bounded before decompression or allocation -------------------------
def test_deflate_bomb_is_refused_from_its_declared_size_without_unpacking(bomb):
    assert len(bomb) < LIMIT
    error, peak = _peak_traced(lambda: decode(bomb, "application/x-npz", LIMIT))
    assert (error.status, error.message) == (413, f"the .npz member 'inputs' unpacks to {BOMB_BYTES + 128} bytes, "
                                                  f"over this server's limit of {LIMIT} bytes")
    assert peak < 4 * LIMIT


def test_deflate_bomb_that_understates_its_size_is_unpacked_only_that_far(bomb):
    error, peak = _peak_traced(lambda: decode(_declaring(bomb, 1000), "application/x-npz", LIMIT))
    assert error.status == 400 and error.message.startswith("malformed numpy body: Bad CRC-32")
    assert peak < 4 * LIMIT


def test_npy_header_declaring_a_huge_shape_is_refused_before_allocating():
    body = _npy_header((10**12, 4)) + bytes(64)
    error, peak = _peak_traced(lambda: decode(body, "application/x-npy", LIMIT))
    assert (error.status, error.message) == (413, ".npy header declares a (1000000000000, 4) float32 array of "
                                                  f"16000000000000 bytes, over this server's limit of {LIMIT} bytes")
    assert peak < LIMIT


def test_npy_header_declaring_more_data_than_the_body_holds_is_truncated():
    error = _rejected(_npy_header((100, 4)) + bytes(16))
    assert (error.status, error.message) == (400, "truncated .npy: its header declares 1600 bytes of data, the body holds 16")
    # the limits are inclusive: an array of exactly max_bytes, and one with a zero dimension, decode
    exact = np.ones((LIMIT // 16, 4), np.float32)
    assert np.array_equal(decode(_npy(exact), "application/x-npy", LIMIT), exact)
    assert decode(_npy(np.ones((0, 4), np.float32)), "application/x-npy", LIMIT).shape == (0, 4)


def _zip64_declaring(members: int, locator_to: int | None = None, count: int = 0xFFFF) -> bytes:
    """A one-member archive whose end record says "see the ZIP64 record" (0xFFFF), and a ZIP64 end
    record declaring ``members`` (the form an archive of 65,535+ members has), built without them."""
    body = _zip({"inputs.npy": [b"x"]})
    at = body.rfind(b"PK\x05\x06")
    head, eocd = body[:at], bytearray(body[at:])
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, members, members, 0, 0)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, len(head) if locator_to is None else locator_to, 1)
    eocd[8:12] = struct.pack("<HH", count, count)
    return head + record + locator + bytes(eocd)


@pytest.mark.parametrize("body, message", [
    (_npy_header((2, 4), descr="|O") + bytes(16), "object arrays (pickled data) are not accepted; send numbers"),
    (_zip({"inputs.npy": [_npy(np.ones((2, 4), np.float32))]}, zipfile.ZIP_BZIP2),
     "the .npz member 'inputs' uses an unsupported compression; send numpy.savez or numpy.savez_compressed output"),
    (_zip({"inputs.npy": [b"plain text"]}), "the .npz member 'inputs' is not a .npy array"),
    (_zip({"a.npy": [_npy(np.ones((2, 4)))], "b.npy": [_npy(np.ones((2, 4)))]}),
     "the .npz body must hold one array or one named \"inputs\", got 2: ['a', 'b']"),
    (_zip({f"m{i}.npy": [b""] for i in range(9)}),
     "the .npz body must hold one array or one named \"inputs\", got 9: ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', "
     "'m6', 'm7', ...]"),
    (_zip({f"m{i}.npy": [b""] for i in range(17)}),
     "the .npz body declares 17 members; a request holds one array (at most 16 members)"),
    (_zip64_declaring(300_000), "the .npz body declares 300000 members; a request holds one array (at most 16 members)"),
    (_zip64_declaring(300_000, locator_to=0), "the .npz body declares 65535 members; a request holds one array "
                                              "(at most 16 members)"),  # no ZIP64 record where the locator points
    (_zip64_declaring(300_000, count=1), "the .npz body must hold one array or one named \"inputs\", got 0: []"),
    (b"\x93NUMPY\x03\x00" + bytes(16), "malformed numpy body: unsupported .npy format version 3.0"),
    (_npy_header((-1, 4)) + bytes(16), "malformed numpy body: negative dimension in shape (-1, 4)"),
])
def test_unusable_numpy_bodies_are_400(body, message):
    error = _rejected(body)
    assert (error.status, error.message) == (400, message)


def test_an_archive_of_300000_empty_members_is_refused_from_its_end_record_quickly():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(300_000):
            archive.writestr(f"{i}", b"")
    body = buffer.getvalue()
    error, peak = _peak_traced(lambda: decode(body, "application/x-npz", 64 * 2**20))
    assert (error.status, error.message) == (400, "the .npz body declares 300000 members; a request holds one "
                                                  "array (at most 16 members)")
    assert peak < 2**20  # refused from the end record: zipfile would read every member (100+ MB)


def test_a_zip64_archive_declaring_300000_members_is_refused_from_its_end_records():
    from dlarena.deploy.protocol import _declared_members

    body = _zip64_declaring(300_000)
    assert _declared_members(body) == 300_000
    error = _rejected(body)
    assert (error.status, error.message) == (400, "the .npz body declares 300000 members; a request holds one "
                                                  "array (at most 16 members)")
    assert _declared_members(_zip64_declaring(300_000, locator_to=0)) == 0xFFFF  # no ZIP64 record there: the end record's
    assert _declared_members(body.replace(b"PK\x06\x07", b"PK\x00\x00")) == 0xFFFF  # no locator: the same
    assert _declared_members(_zip({"inputs.npy": [b"x"]})) == 1
    assert _declared_members(b"PK no end record") is None


# -- protocol: decode and conform directly -------------------------------------------------
def test_npz_with_several_arrays_uses_the_one_named_inputs():
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    body = _zip({"other.npy": [_npy(np.zeros(3))], "inputs.npy": [_npy(x)]}, zipfile.ZIP_STORED)
    assert np.array_equal(decode(body, "application/zip", LIMIT), x)
    only = _zip({"whatever.npy": [_npy(x)]})
    assert np.array_equal(decode(only, "application/x-npz", LIMIT), x)
    # the limits are inclusive: MAX_NPZ_MEMBERS members, and a member of exactly max_bytes
    sixteen = _zip({"inputs.npy": [_npy(x)], **{f"m{i}.npy": [b""] for i in range(15)}})
    assert np.array_equal(decode(sixteen, "application/x-npz", LIMIT), x)
    assert np.array_equal(decode(only, "application/x-npz", len(_npy(x))), x)


def test_json_integers_are_cast_to_the_model_dtype():
    array = decode(b'{"inputs": [[1, 2, 3, 4]]}', "application/json; charset=utf-8", LIMIT)
    assert array.dtype == np.int64
    out, single = conform(array, SPEC, MAX_BATCH)
    assert (out.dtype, out.tolist(), single) == (np.float32, [[1.0, 2.0, 3.0, 4.0]], False)
    out, single = conform(np.ones(4, np.float64), SPEC, MAX_BATCH)
    assert (out.shape, single, out.flags.c_contiguous) == ((1, 4), True, True)


def test_integer_inputs_are_checked_against_their_range():
    tokens = TensorSpec(shape=[None, 3], dtype="int32", value_range=[0, 100])
    assert conform(np.array([[0, 99, 5.0]]), tokens, MAX_BATCH)[0].tolist() == [[0, 99, 5]]
    for sent, message in [([[0, 100, 5]], "values must lie in [0, 100), got min 0 max 100"),
                          ([[0, 1.5, 5]], "expected integer values (int32), got non-integer numbers")]:
        with pytest.raises(RequestError) as info:
            conform(np.array(sent), tokens, MAX_BATCH)
        assert (info.value.status, info.value.message) == (422, message)
    unbounded = TensorSpec(shape=[None, 1], dtype="int32")
    with pytest.raises(RequestError, match=re.escape("values must lie in [-2147483648, 2147483648), got min 4294967296")):
        conform(np.array([[2**32]]), unbounded, MAX_BATCH)


def test_fixed_batch_artifact_takes_exactly_its_batch():
    fixed = TensorSpec(shape=[2, 4], dtype="float32")
    assert conform(np.ones((2, 4)), fixed, MAX_BATCH)[0].shape == (2, 4)
    for rows in (1, 3):
        with pytest.raises(RequestError, match=f"this artifact has a fixed batch of 2, got {rows}") as info:
            conform(np.ones((rows, 4)), fixed, MAX_BATCH)
        assert info.value.status == 422
    # a float64 beyond float32 is refused, without a numpy overflow warning on the way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RequestError) as info:
            conform(np.full((1, 4), 1e300), SPEC, MAX_BATCH)
    assert (info.value.status, info.value.message) == (422, "inputs overflow float32 (largest magnitude 3.4e+38)")
    # and the other refusals of conform, each with its status and whole message
    for sent, spec, message in [
        (np.ones((2, 3)), SPEC, "wrong input shape (2, 3): expected (batch, 4) or (4,) for a single sample"),
        (np.ones((2, 3, 4)), TensorSpec(shape=[None, 4, 3], dtype="float32"),
         "wrong input shape (2, 3, 4): expected (batch, 4, 3) or (4, 3,) for a single sample"),
        (np.ones((2, 4), bool), SPEC, "expected float32 values, got dtype bool"),
        (np.ones((2, 4)), TensorSpec(shape=[None, 4], dtype="bool"), "expected bool values, got dtype float64"),
    ]:
        with pytest.raises(RequestError) as info:
            conform(sent, spec, MAX_BATCH)
        assert (info.value.status, info.value.message) == (422, message)


def test_max_batch_is_its_own_413():
    with pytest.raises(RequestError) as info:
        conform(np.ones((MAX_BATCH + 1, 4)), SPEC, MAX_BATCH)
    assert (info.value.status, info.value.message) == (413, f"batch of 9 samples exceeds this server's limit of {MAX_BATCH}")


def test_a_batch_exactly_at_max_batch_is_accepted_and_an_empty_one_refused():
    # the limit is inclusive: MAX_BATCH samples are served, MAX_BATCH + 1 are not (above); 0 is no batch
    assert conform(np.ones((MAX_BATCH, 4)), SPEC, MAX_BATCH)[0].shape == (MAX_BATCH, 4)
    assert conform(np.ones((1, 4)), SPEC, 1)[0].shape == (1, 4)
    with pytest.raises(RequestError) as info:
        conform(np.ones((0, 4)), SPEC, MAX_BATCH)
    assert (info.value.status, info.value.message) == (422, "empty batch: send at least one sample")


@pytest.mark.parametrize("body, status, message", [
    (b'{"inputs": [[1, NaN, 3, 4]]}', 422, "inputs must be finite numbers, got NaN or infinity"),
    (b'{"inputs": [[1, -Infinity, 3, 4]]}', 422, "inputs must be finite numbers, got NaN or infinity"),
    (b'{"inputs": [[1, 1e400, 3, 4]]}', 422, "inputs must be finite numbers, got NaN or infinity"),
    (b'{"inputs": [[1, 1e39, 3, 4]]}', 422, "inputs overflow float32 (largest magnitude 3.4e+38)"),
    (b'{"inputs": [[1, ' + b"9" * 5000 + b', 3, 4]]}', 400,
     "malformed JSON: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"),
    (b'{"inputs": [[1, ' + b"9" * 30 + b', 3, 4]]}', 422,
     '"inputs" must hold only numbers, got mixed values, nulls or integers beyond 64 bits'),
    (b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, "malformed JSON: nested too deeply"),
    (b'{"inputs": ' + b"[" * 100 + b"1" + b"]" * 100 + b"}", 422,
     '"inputs" is not a rectangular array (rows of different lengths, or nested deeper than 64 levels)'),
])
def test_pathological_json_is_a_4xx(body, status, message):
    error = _rejected(body, "application/json")
    assert (error.status, error.message) == (status, message)


def test_non_finite_npy_is_422():
    error = _rejected(_npy(np.array([[1, np.nan, 3, 4]], np.float32)))
    assert (error.status, error.message) == (422, "inputs must be finite numbers, got NaN or infinity")


# -- the server, in-process --------------------------------------------------------------
@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("artifact")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runtimes, "load", _stand_in_runtime)
        return server_module.load(folder, _manifest(folder),
                                  ServerOptions(max_body_bytes=LIMIT, max_batch=MAX_BATCH, read_timeout_s=0.3))


@pytest.fixture(scope="module")
def server(model):
    sock = server_module.listen("127.0.0.1", 0)
    uv = uvicorn.Server(server_module.uvicorn_config(create_app(model), model.options))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.01)
    yield "http://127.0.0.1:%d" % sock.getsockname()[1]
    uv.should_exit = True
    thread.join(10)


def _post(url: str, body: bytes, ctype: str = "application/x-npy") -> httpx.Response:
    return httpx.post(url + "/predict", content=body, headers={"content-type": ctype}, trust_env=False)


def _vm_kib(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1))


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="peak RSS is read from Linux /proc")
def test_bomb_posted_to_the_server_is_413_and_peak_memory_stays_bounded(server, bomb):
    rss = _vm_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from the current RSS
    r = _post(server, bomb, "application/x-npz")
    growth_mb = (_vm_kib("VmHWM") - rss) / 1024
    assert growth_mb < BOMB_BYTES / 2**20 / 4  # unpacking it would take the full 32 MB, twice
    assert r.status_code == 413 and "unpacks to" in r.json()["detail"]


def test_body_limit_is_its_own_413(server):
    x = np.zeros((MAX_BATCH, LIMIT // 16), np.float32)  # within max_batch, over the body limit
    r = _post(server, _npy(x))
    assert r.status_code == 413
    assert r.json()["detail"] == f"request body of {len(_npy(x))} bytes exceeds this server's limit of {LIMIT} bytes"


def test_chunked_bodies_without_content_length_are_read_and_limited(server):
    def chunked(body: bytes, size: int = 4096):
        yield from (body[i:i + size] for i in range(0, len(body), size))

    small = _npy(np.ones((2, 4), np.float32))
    r = httpx.post(server + "/predict", content=chunked(small), headers={"content-type": "application/x-npy"},
                   trust_env=False)
    assert "content-length" not in r.request.headers and r.json() == {"outputs": [[4.0], [4.0]], "shape": [2, 1]}
    big = _npy(np.zeros((2, LIMIT // 8), np.float32))
    r = httpx.post(server + "/predict", content=chunked(big), headers={"content-type": "application/x-npy"},
                   trust_env=False)
    assert r.status_code == 413
    assert r.json()["detail"] == f"request body of {len(big)} bytes exceeds this server's limit of {LIMIT} bytes"


def test_pathological_requests_get_4xx_and_the_server_keeps_serving(server, model):
    failed = model.counters["failed"]
    for body, ctype in [(b'{"inputs": [[NaN, 1, 2, 3]]}', "application/json"),
                        (b'{"inputs": ' + b"[" * 100_000 + b"}", "application/json"),
                        (_npy_header((10**9, 4)), "application/x-npy")]:
        assert _post(server, body, ctype).status_code in (400, 413, 422)
    ok = httpx.post(server + "/predict", json={"inputs": [[1, 2, 3, 4]]}, trust_env=False)
    assert ok.json() == {"outputs": [[10.0]], "shape": [1, 1]}
    assert model.counters["failed"] == failed


@pytest.mark.parametrize("length, status, message", [
    (100, b"408", b"request body not received within 0.3 s"),
    (10**9, b"413", f"request body exceeds this server's limit of {LIMIT} bytes".encode()),  # not drained for ever
])
def test_body_that_never_arrives_is_answered_and_the_connection_closes(server, length, status, message):
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % length)
        received = b""
        while chunk := conn.recv(4096):
            received += chunk
    assert received.startswith(b"HTTP/1.1 " + status + b" ")
    assert b"connection: close" in received.lower() and message in received


def _raw_exchange(server: str, sent: bytes) -> bytes:
    """What the server sends back on one raw connection until it closes it (10 s at most)."""
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(sent)
        received = b""
        while chunk := conn.recv(4096):
            received += chunk
    return received


TIMED_OUT = b'HTTP/1.1 408 Request Timeout\r\n'
TIMED_OUT_BODY = b'{"detail": "request headers not received within 0.3 s"}'


@pytest.mark.parametrize("sent", [b"", b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Ty"],
                         ids=["nothing", "half the headers"])
def test_a_client_that_never_completes_its_headers_is_cut_off(server, sent):
    started = time.monotonic()
    received = _raw_exchange(server, sent)  # a server that waits for ever fails here (socket timeout)
    assert received.startswith(TIMED_OUT) and received.endswith(TIMED_OUT_BODY)
    # not cut off before its 0.3 s, with a millisecond of slack: 0.299998 s was measured once (cause
    # not found; microseconds between the server's timer and this clock), far from a cut-off at once
    assert time.monotonic() - started >= 0.299


@pytest.mark.parametrize("pipelined", [False, True], ids=["sent after the response", "sent with the first"])
def test_the_header_timeout_also_guards_the_next_request_on_a_kept_alive_connection(server, pipelined):
    port = int(server.rsplit(":", 1)[1])
    first, partial = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /heal"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(first + partial if pipelined else first)
        received = b""
        while b"uptime_s" not in received:
            received += conn.recv(4096)
        if not pipelined:
            conn.sendall(partial)
        while chunk := conn.recv(4096):
            received += chunk
    # closed by the 0.3 s header limit (a 408 with its body), not by uvicorn's 5 s keep-alive (no answer)
    assert received.startswith(b"HTTP/1.1 200 OK") and received.endswith(TIMED_OUT_BODY)
    assert TIMED_OUT in received


def test_non_finite_model_output_is_a_one_line_500_in_json_and_kept_in_npy(server, model):
    overflowing = {"inputs": [[3e38, 3e38, 0, 0]]}  # finite float32 inputs whose sum (the stand-in model) is inf
    failed = model.counters["failed"]
    r = httpx.post(server + "/predict", json=overflowing, trust_env=False)
    assert r.status_code == 500 and r.json() == {"detail": server_module.NON_FINITE_OUTPUT}
    assert model.counters["failed"] == failed + 1
    r = httpx.post(server + "/predict", json=overflowing, headers={"accept": "application/x-npy"}, trust_env=False)
    assert r.status_code == 200 and np.load(io.BytesIO(r.content)).tolist() == [[np.inf]]
    ok = httpx.post(server + "/predict", json={"inputs": [[1, 2, 3, 4]]}, trust_env=False)
    assert ok.json() == {"outputs": [[10.0]], "shape": [1, 1]}


def test_declared_length_beyond_any_integer_is_too_big():
    assert server_module._declared_length("9" * 5000) > LIMIT
    assert server_module._declared_length("12") == 12 and server_module._declared_length("") == 0


# -- `dlarena serve` that cannot start: one line, exit 2 --------------------------------------
def _one_line_exit_2(*args) -> str:
    result, out = invoke("serve", *args)
    assert result.exit_code == 2, out
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert "serving" not in out
    return out


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1"])
def test_serve_refuses_a_body_limit_that_is_not_a_positive_number(tmp_path, value):
    out = _one_line_exit_2(tmp_path, "--max-body-mb", value)
    assert out.startswith("error: --max-body-mb and --read-timeout must be finite and > 0, got ")


@pytest.mark.parametrize("content, expected", [
    ("{not json", "is not a valid manifest: JSONDecodeError: Expecting property name"),
    ('{"workload": "mlp"}', "is not a valid manifest: KeyError: 'input'"),
    ("[1, 2]", "is not a valid manifest: TypeError: list indices must be integers"),
])
def test_serve_with_a_corrupt_manifest_is_one_line(tmp_path, content, expected):
    (tmp_path / "manifest.json").write_text(content)
    assert expected in _one_line_exit_2(tmp_path)


def test_serve_with_a_manifest_of_impossible_shapes_is_one_line(tmp_path):
    _manifest(tmp_path, input=TensorSpec(shape=[None, -4], dtype="float32"))
    out = _one_line_exit_2(tmp_path)
    assert out.endswith("is not a valid manifest: input shape [None, -4] is not a list of positive sizes (null: the batch)")


def test_serve_with_a_corrupt_model_file_is_one_line(tmp_path):
    pytest.importorskip("onnxruntime")
    _manifest(tmp_path)
    out = _one_line_exit_2(tmp_path, "--port", free_port())
    assert out.startswith(f"error: cannot load {tmp_path / 'model.onnx'} with ONNX Runtime: ")


def test_serve_on_a_port_in_use_says_so_before_serving(tmp_path):
    _manifest(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = _one_line_exit_2(tmp_path, "--port", port)
    assert out == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_expect_100_continue_with_a_body_over_the_limit_gets_413_without_100_continue(server):
    received = _raw_exchange(server, b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-npy\r\n"
                                     b"Expect: 100-continue\r\nContent-Length: 1073741824\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 413 ") and b"100 Continue" not in received
    assert b"request body of 1073741824 bytes exceeds this server's limit of 65536 bytes" in received


def test_expect_100_continue_within_the_limit_is_served(server):
    body = b'{"inputs": [[1, 2, 3, 4]]}'
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert conn.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        conn.sendall(body)
        received = b""
        while chunk := conn.recv(4096):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 ")


def test_onnx_runtime_telemetry_is_turned_off_before_a_session(tmp_path):
    calls = []

    class FakeOrt:
        def disable_telemetry_events(self):
            calls.append("telemetry off")

        def SessionOptions(self):  # noqa: N802 - onnxruntime's name
            calls.append("session options")
            raise RuntimeError("no session in this test")

    with pytest.raises(RuntimeError, match="no session in this test"):
        runtimes._onnxruntime(FakeOrt(), tmp_path / "m.onnx", 1, 1, spin=False)
    assert calls == ["telemetry off", "session options"]
    runtimes.quiet(object())  # a build without the call: nothing to turn off


class _Upload:
    """A request whose body arrives in the given chunks."""

    def __init__(self, *chunks: bytes):
        self.chunks = chunks
        self.headers = {"content-length": str(sum(map(len, chunks)))}

    async def stream(self):
        for chunk in self.chunks:
            yield chunk


def test_request_bodies_held_at_once_are_bounded_over_all_connections():
    import asyncio

    budget = server_module.BodyBudget(150)
    first = asyncio.run(server_module._read_body(_Upload(b"a" * 100), LIMIT, 5, budget))
    assert (len(first), budget.used) == (100, 100)
    with pytest.raises(RequestError) as info:  # a second body while the first is held
        asyncio.run(server_module._read_body(_Upload(b"b" * 40, b"c" * 40), LIMIT, 5, budget))
    assert (info.value.status, info.value.message, info.value.close) == (
        503, "this server holds 150 bytes of request bodies at once; retry shortly", True)
    assert budget.used == 100  # what the refused body had taken is given back
    budget.give(len(first))
    assert len(asyncio.run(server_module._read_body(_Upload(b"b" * 40, b"c" * 40), LIMIT, 5, budget))) == 80


def test_the_server_gives_back_what_each_request_body_held(server, model):
    for _ in range(3):
        assert httpx.post(f"{server}/predict", json={"inputs": [[1, 2, 3, 4]]}).status_code == 200
    assert httpx.post(f"{server}/predict", content=b"not json", headers={"content-type": "application/json"}).status_code == 400
    assert model.bodies.used == 0 and model.bodies.limit == 8 * LIMIT
