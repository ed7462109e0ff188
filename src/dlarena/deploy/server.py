"""HTTP inference server for any exported artifact (FastAPI + uvicorn).

Endpoints: GET /health, GET /metadata (input shape/dtype, runtime, limits, counters) and
POST /predict with JSON ``{"inputs": [...]}`` or a .npy/.npz body; the reply is JSON
``{"outputs": [...], "shape": [...]}`` or .npy when the client accepts application/x-npy.
Bad requests get a 4xx with a message and never reach the model. Model calls run on one
dedicated thread (runtimes are not thread-safe), so the event loop keeps accepting and
validating requests meanwhile; with ``batch_max > 1`` concurrent requests are batched.

Memory is bounded by the limits before anything is allocated (see protocol.py), and request
headers or a body that do not arrive within ``read_timeout_s`` get a 408 and the connection is
closed. A model output holding NaN or infinity is a 500 with a one-line reason in JSON (which
cannot carry such values) and is returned as it is in .npy. Loading
an artifact runs its code (TorchScript, pickled weights, SavedModel ops): serve only artifacts
you trust.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from dlarena.process.lifeline import die_with_parent_if_asked
from dlarena.cell import error_line
from dlarena.deploy import runtime_titles, runtimes
from dlarena.deploy.batching import DynamicBatcher
from dlarena.deploy.http_timeouts import protocol_with_header_timeout
from dlarena.deploy.manifest import Manifest, ManifestError, locate
from dlarena.deploy.protocol import RequestError, conform, decode, encode_npy

DEFAULT_MAX_BODY_MB = 16.0
DEFAULT_MAX_BATCH = 1024
DEFAULT_READ_TIMEOUT_S = 30.0
LISTEN_BACKLOG = 2048  # uvicorn's own default
# JSON has no NaN or infinity: such an output is the model's failure on this input (a 500 with this
# line); a client that accepts application/x-npy receives the values as they are.
NON_FINITE_OUTPUT = ("model output holds non-finite values (NaN or infinity), which JSON cannot carry; "
                     "request Accept: application/x-npy to receive them")


class ServeError(RuntimeError):
    """The server cannot start (artifact, port); the message is one line for the user."""


@dataclass
class ServerOptions:
    threads: int = 1
    interop_threads: int = 1
    max_body_bytes: int = int(DEFAULT_MAX_BODY_MB * 2**20)
    max_batch: int = DEFAULT_MAX_BATCH
    batch_max: int = 1  # > 1: dynamic batching up to this many rows
    batch_timeout_ms: float = 2.0
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S  # a request body must arrive within this
    # Request bodies held at once over all connections (default: INFLIGHT_BODIES x max_body_bytes):
    # without it, memory is connections x max_body_bytes.
    max_inflight_bytes: int | None = None


INFLIGHT_BODIES = 8


class BodyBudget:
    """Bytes of request bodies held at once (asyncio: one thread takes and gives)."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def take(self, n: int) -> None:
        if self.used + n > self.limit:
            raise RequestError(503, f"this server holds {self.limit} bytes of request bodies at once; retry shortly",
                               close=True)
        self.used += n

    def give(self, n: int) -> None:
        self.used -= n


class Model:
    """A loaded artifact behind a single inference thread, with counters."""

    def __init__(self, folder: Path, manifest: Manifest, options: ServerOptions):
        self.folder, self.manifest, self.options = folder, manifest, options
        self.loaded = runtimes.load(folder, manifest, options.threads, options.interop_threads, spin=False)
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="inference")
        self.counters = {"requests": 0, "rejected": 0, "failed": 0, "model_calls": 0, "rows": 0}
        self.batcher: DynamicBatcher | None = None
        self.started_at = time.time()
        self.bodies = BodyBudget(options.max_inflight_bytes or INFLIGHT_BODIES * options.max_body_bytes)

    def _call(self, x: np.ndarray) -> np.ndarray:
        self.counters["model_calls"] += 1
        self.counters["rows"] += len(x)
        return self.loaded.predict(x)

    async def run(self, x: np.ndarray) -> np.ndarray:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._call, x)

    async def infer(self, x: np.ndarray) -> np.ndarray:
        return await (self.batcher.submit(x) if self.batcher else self.run(x))

    def metadata(self) -> dict:
        m, o = self.manifest, self.options
        return {
            "artifact": str(self.folder / m.file), "workload": m.workload, "framework": m.framework,
            "export_path": m.path, "runtime": m.runtime, "runtime_name": runtime_titles().get(m.runtime, m.runtime),
            "versions": self.loaded.versions, "input": asdict(m.input), "output": asdict(m.output),
            "layout": m.layout, "quantized": m.quantized, "exporter": m.exporter,
            "limits": {"max_body_bytes": o.max_body_bytes, "max_batch": o.max_batch, "read_timeout_s": o.read_timeout_s},
            "batching": {"enabled": o.batch_max > 1, "batch_max": o.batch_max, "timeout_ms": o.batch_timeout_ms},
            "load_s": self.loaded.load_s, "counters": {**self.counters, "batches": self.batcher.batches if self.batcher else None},
        }


def _declared_length(header: str) -> int:
    # more digits than any real body has: too big, without converting the digits
    return (int(header) if len(header) < 19 else 2**63) if header.isdigit() else 0


async def _read_body(request, limit: int, timeout_s: float, budget: BodyBudget) -> bytes:
    """The body; its size is taken from ``budget``, which the caller gives back once the request is done."""
    too_big = _declared_length(request.headers.get("content-length", "")) > limit
    if too_big and "100-continue" in request.headers.get("expect", "").lower():
        # refused before the first read, which is what makes the server send "100 Continue"
        raise RequestError(413, f"request body of {_declared_length(request.headers['content-length'])} bytes "
                                f"exceeds this server's limit of {limit} bytes", close=True)
    chunks, size = [], 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    stream = request.stream()
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(anext(stream), max(0.0, deadline - loop.time()))
            except StopAsyncIteration:
                break
            except asyncio.TimeoutError:
                if too_big:
                    raise RequestError(413, f"request body exceeds this server's limit of {limit} bytes", close=True) from None
                raise RequestError(408, f"request body not received within {timeout_s:g} s", close=True) from None
            size += len(chunk)
            too_big = too_big or size > limit
            if not too_big:
                budget.take(len(chunk))
                chunks.append(chunk)
    except BaseException:
        budget.give(sum(map(len, chunks)))
        raise
    # The body is drained (not kept) before answering, so the client reads the 413 instead of a reset.
    if too_big:
        budget.give(sum(map(len, chunks)))
        declared = _declared_length(request.headers.get("content-length", ""))
        raise RequestError(413, f"request body of {max(size, declared)} bytes exceeds this server's "
                                f"limit of {limit} bytes")
    return b"".join(chunks)


def _rejection(exc: RequestError) -> JSONResponse:
    return JSONResponse({"detail": exc.message}, status_code=exc.status,
                        headers={"connection": "close"} if exc.close else None)


def create_app(model: Model) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = None
        if model.options.batch_max > 1:
            model.batcher = DynamicBatcher(model.run, model.options.batch_max, model.options.batch_timeout_ms / 1e3)
            task = asyncio.create_task(model.batcher.run_forever())
        yield
        if task:
            task.cancel()
        model.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="dlarena inference server", lifespan=lifespan)

    @app.get("/health")
    async def health():
        return {"status": "ok", "runtime": model.manifest.runtime, "uptime_s": round(time.time() - model.started_at, 3)}

    @app.get("/metadata")
    async def metadata():
        return model.metadata()

    @app.post("/predict")
    async def predict(request: Request):
        model.counters["requests"] += 1
        try:
            body = await _read_body(request, model.options.max_body_bytes, model.options.read_timeout_s, model.bodies)
        except RequestError as exc:
            model.counters["rejected"] += 1
            return _rejection(exc)
        try:
            return await _answer(request, body)
        finally:  # the body's bytes are held until its answer is built
            model.bodies.give(len(body))

    async def _answer(request: Request, body: bytes):
        try:
            limits = model.options
            x, single = conform(decode(body, request.headers.get("content-type", ""), limits.max_body_bytes),
                                model.manifest.input, limits.max_batch)
        except RequestError as exc:
            model.counters["rejected"] += 1
            return _rejection(exc)
        try:
            out = await model.infer(x)
        except Exception as exc:  # noqa: BLE001 - a model failure is this request's 500, not the server's end
            model.counters["failed"] += 1
            return JSONResponse({"detail": f"inference failed: {type(exc).__name__}: {exc}"[:500]}, status_code=500)
        out = out[0] if single else out
        if "application/x-npy" in request.headers.get("accept", ""):
            return Response(encode_npy(out), media_type="application/x-npy")  # .npy holds NaN and infinity as they are
        if out.dtype.kind in "fc" and not np.isfinite(out).all():
            model.counters["failed"] += 1
            return JSONResponse({"detail": NON_FINITE_OUTPUT}, status_code=500)
        return {"outputs": out.tolist(), "shape": list(out.shape)}

    return app


def warm_up(model: Model) -> None:
    from dlarena.deploy.loadtest import make_input

    model.loaded.predict(make_input({"input": asdict(model.manifest.input)}, 1))


def listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound before the model loads: a port in use fails at once."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def load(folder: Path, manifest: Manifest, options: ServerOptions) -> Model:
    """The artifact loaded and warmed up; ServeError when it does not load or run."""
    artifact = folder / manifest.file
    try:
        model = Model(folder, manifest, options)
    except runtimes.LoadError as exc:  # already one line naming the runtime and the file
        raise ServeError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - anything else the model's set-up raises
        raise ServeError(f"cannot load {artifact} with {manifest.runtime}: {error_line(exc)}") from None
    try:
        warm_up(model)  # the first call allocates and specialises; keep it out of the first client's latency
    except Exception as exc:  # noqa: BLE001
        raise ServeError(f"{artifact} fails on a sample input {manifest.input.describe()}: {error_line(exc)}") from None
    return model


def serve(artifact: str | Path, host: str = "127.0.0.1", port: int = 8000, options: ServerOptions | None = None,
          log_level: str = "warning") -> None:
    import uvicorn

    try:
        folder, manifest = locate(artifact)
    except (FileNotFoundError, ManifestError) as exc:
        raise ServeError(str(exc)) from None
    sock = listen(host, port)
    try:
        model = load(folder, manifest, options or ServerOptions())
    except ServeError:
        sock.close()
        raise
    print(f"serving {manifest.key} ({manifest.workload}) with {runtime_titles().get(manifest.runtime, manifest.runtime)} "
          f"on http://{host}:{port}  input {manifest.input.describe()}", flush=True)
    uvicorn.Server(uvicorn_config(create_app(model), model.options, log_level)).run(sockets=[sock])


def uvicorn_config(app: FastAPI, options: ServerOptions, log_level: str = "warning"):
    """uvicorn's configuration: a request's headers, like its body, must arrive within read_timeout_s."""
    import uvicorn

    return uvicorn.Config(app, log_level=log_level, access_log=False,
                          http=protocol_with_header_timeout(options.read_timeout_s))


def check_options(port: int, threads: int | None, interop_threads: int = 1, batch_max: int = 1,
                  batch_timeout_ms: float = 2.0, max_body_mb: float = DEFAULT_MAX_BODY_MB,
                  max_batch: int = DEFAULT_MAX_BATCH, read_timeout: float = DEFAULT_READ_TIMEOUT_S) -> ServerOptions:
    """The server's options from what a user gives (``dlarena serve`` or ``python -m dlarena.deploy.server``);
    ServeError names the first bad one."""
    from dlarena.measure.env import physical_cores

    if not 0 < port < 65536:
        raise ServeError(f"port must be between 1 and 65535, got {port}")
    if batch_max < 1 or max_batch < 1 or (threads is not None and threads < 1) or interop_threads < 1:
        raise ServeError("--batch-max, --max-batch, --threads and --interop-threads must be >= 1")
    if not (math.isfinite(max_body_mb) and max_body_mb > 0 and math.isfinite(read_timeout) and read_timeout > 0):
        raise ServeError(f"--max-body-mb and --read-timeout must be finite and > 0, got {max_body_mb:g} and {read_timeout:g}")
    if not (math.isfinite(batch_timeout_ms) and batch_timeout_ms >= 0):
        raise ServeError(f"--batch-timeout-ms must be finite and >= 0, got {batch_timeout_ms:g}")
    return ServerOptions(threads=threads or physical_cores(), interop_threads=interop_threads,
                         max_body_bytes=int(max_body_mb * 2**20), max_batch=max_batch, batch_max=batch_max,
                         batch_timeout_ms=batch_timeout_ms, read_timeout_s=read_timeout)


def main(argv: list[str] | None = None) -> int:
    """``python -m dlarena.deploy.server ARTIFACT [options]``: the same server as ``dlarena serve``
    (which the deployment criterion starts this way, without the CLI)."""
    die_with_parent_if_asked()
    parser = argparse.ArgumentParser(prog="python -m dlarena.deploy.server", description=main.__doc__)
    parser.add_argument("artifact")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--interop-threads", type=int, default=1)
    parser.add_argument("--batch-max", type=int, default=1)
    parser.add_argument("--batch-timeout-ms", type=float, default=2.0)
    parser.add_argument("--max-body-mb", type=float, default=DEFAULT_MAX_BODY_MB)
    parser.add_argument("--max-batch", type=int, default=DEFAULT_MAX_BATCH)
    parser.add_argument("--read-timeout", type=float, default=DEFAULT_READ_TIMEOUT_S)
    args = parser.parse_args(argv)
    try:
        options = check_options(args.port, args.threads, args.interop_threads, args.batch_max, args.batch_timeout_ms,
                                args.max_body_mb, args.max_batch, args.read_timeout)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        serve(args.artifact, args.host, args.port, options)
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
