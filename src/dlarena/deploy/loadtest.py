"""A bounded HTTP load generator for the inference server: C concurrent clients send /predict
requests back to back for S seconds. Loopback targets only: it is a benchmark of a server on
this machine, never a way to send traffic elsewhere."""

from __future__ import annotations

import asyncio
import io
import ipaddress
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit, urlunsplit

import numpy as np

MAX_CONCURRENCY = 256
MAX_DURATION_S = 600.0


class LoadtestError(ValueError):
    """Bad target or options; nothing was sent."""


def check_loopback(url: str) -> tuple[str, str]:
    """(base URL, predict URL) for a loopback http URL; raises LoadtestError otherwise."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https"):
        raise LoadtestError(f"unsupported URL scheme '{parts.scheme}' in {url}; use http://127.0.0.1:PORT")
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadtestError(f"refusing to load-test '{host or url}': only loopback targets are allowed "
                            "(127.0.0.0/8, ::1, localhost)")
    path = parts.path.rstrip("/")
    base_path = path[: -len("/predict")] if path.endswith("/predict") else path
    base = urlunsplit((parts.scheme, parts.netloc, base_path, "", ""))
    return base, base + "/predict"


def make_input(metadata: dict, batch: int, seed: int = 0) -> np.ndarray:
    """A valid random request body for the server's declared input."""
    spec = metadata["input"]
    shape = [batch if d is None else d for d in spec["shape"]]
    rng = np.random.default_rng(seed)
    dtype = np.dtype(spec["dtype"])
    if dtype.kind in "iu":
        low, high = spec.get("value_range") or (0, 2)
        return rng.integers(low, high, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def encode(x: np.ndarray, body: str) -> tuple[bytes, str]:
    if body == "npy":
        buf = io.BytesIO()
        np.save(buf, x, allow_pickle=False)
        return buf.getvalue(), "application/x-npy"
    import json

    return json.dumps({"inputs": x.tolist()}).encode(), "application/json"


@dataclass
class LoadtestResult:
    url: str
    concurrency: int
    duration_s: float
    batch: int
    body: str
    requests: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)  # successful requests only

    @property
    def requests_per_s(self) -> float:
        return (self.requests - self.errors) / self.duration_s if self.duration_s else 0.0

    def percentiles(self) -> dict[str, float | None]:
        if not self.latencies_ms:
            return {"p50": None, "p90": None, "p99": None}
        p50, p90, p99 = np.percentile(self.latencies_ms, [50, 90, 99])
        return {"p50": float(p50), "p90": float(p90), "p99": float(p99)}

    def as_dict(self, samples: bool = False) -> dict:
        out = asdict(self)
        if not samples:
            out.pop("latencies_ms")
        out.update(requests_per_s=self.requests_per_s, samples_per_s=self.requests_per_s * self.batch,
                   **{f"latency_{k}_ms": v for k, v in self.percentiles().items()})
        return out


async def _drive(url: str, concurrency: int, duration_s: float, batch: int, body: str,
                 timeout_s: float, max_requests: int | None) -> LoadtestResult:
    import httpx

    base, predict_url = check_loopback(url)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=timeout_s, trust_env=False) as client:
        try:
            meta = await client.get(base + "/metadata")
            meta.raise_for_status()
        except httpx.HTTPError as exc:
            raise LoadtestError(f"cannot read {base}/metadata: {type(exc).__name__}: {exc}") from None
        content, ctype = encode(make_input(meta.json(), batch), body)
        result = LoadtestResult(url=predict_url, concurrency=concurrency, duration_s=0.0, batch=batch, body=body)
        errors: dict[str, int] = {}
        started = time.perf_counter()
        deadline = started + duration_s

        async def client_loop():
            while time.perf_counter() < deadline and (max_requests is None or result.requests < max_requests):
                result.requests += 1
                t0 = time.perf_counter()
                try:
                    response = await client.post(predict_url, content=content, headers={"content-type": ctype})
                    ok = response.status_code == 200
                    problem = None if ok else f"HTTP {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    ok, problem = False, f"{type(exc).__name__}: {exc}"[:200]
                if ok:
                    result.latencies_ms.append((time.perf_counter() - t0) * 1e3)
                else:
                    result.errors += 1
                    errors[problem] = errors.get(problem, 0) + 1

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        result.duration_s = time.perf_counter() - started
        result.error_examples = [f"{n}x {text}" for text, n in sorted(errors.items(), key=lambda kv: -kv[1])[:3]]
        return result


def run(url: str, concurrency: int = 4, duration_s: float = 5.0, batch: int = 1, body: str = "json",
        timeout_s: float = 30.0, max_requests: int | None = None) -> LoadtestResult:
    check_loopback(url)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise LoadtestError(f"concurrency must be between 1 and {MAX_CONCURRENCY}, got {concurrency}")
    if not 0 < duration_s <= MAX_DURATION_S:
        raise LoadtestError(f"duration must be in (0, {MAX_DURATION_S:g}] seconds, got {duration_s:g}")
    if batch < 1:
        raise LoadtestError(f"batch must be >= 1, got {batch}")
    if body not in ("json", "npy"):
        raise LoadtestError(f"unknown body format '{body}'; valid: json, npy")
    return asyncio.run(_drive(url, concurrency, duration_s, batch, body, timeout_s, max_requests))
