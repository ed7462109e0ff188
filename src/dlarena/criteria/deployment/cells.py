"""Deployment: every export path of every workload, its artifact run in the target runtime, and
HTTP serving under load.

Three kinds of cells per workload, planned in this order:
- ``deploy_export`` (one per export path; mode = path name): builds the model with the canonical
  weights, records the source model's output on a fixed input, exports, and writes the
  artifact, its manifest and that reference under ``<artifacts>/deploy/<workload>/<fw>-<path>/``;
- ``deploy_runtime`` (same modes): a fresh process that imports only the target runtime, loads the
  artifact (cold load), runs a first inference, checks parity with the reference, then times
  batch-1 latency and throughput at the throughput batch;
- ``deploy_serve`` (the paths in ``deployment.serve``): starts the server (``python -m dlarena.deploy.server``, what ``dlarena serve`` runs) on a loopback port
  and drives it with the load generator for a bounded time.
A failed export is a result; the cells that need its artifact are recorded as skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from dlarena.cell import error_line
from dlarena.process.lifeline import parent_env
from dlarena import deploy, frameworks, workloads
from dlarena.cell import Cell
from dlarena.criteria.base import Selection
from dlarena.criteria.deployment.options import DeploymentOptions
from dlarena.cellkit.common import metric, prepare
from dlarena.deploy.manifest import MANIFEST, REFERENCE, Manifest, TensorSpec, artifact_dir, size_mb
from dlarena.measure.stats import sample_summary
from dlarena.measure.timer import TimingConfig, measure

ENTRY = "dlarena.criteria.deployment.cells:run_cell"
# Export quality does not depend on cross-framework parity; comparing two frameworks' ONNX exports
# does, and the report gives that verdict only for frameworks whose parity check passed.

EXPORT, RUNTIME, SERVE = "deploy_export", "deploy_runtime", "deploy_serve"
SERVER_START_TIMEOUT_S = 120.0


def plan(selection: Selection, options: DeploymentOptions, workload: str) -> list[Cell]:
    settings = options
    batch = workloads.get(workload).batch_for("infer_throughput")
    paths = [p for p in deploy.select(settings.paths) if p.framework in selection.frameworks]
    served = [p for p in paths if p.key in settings.serve]
    cells = [Cell(workload=workload, framework=p.framework, mode=p.name, scenario=EXPORT, batch=batch) for p in paths]
    cells += [Cell(workload=workload, framework=p.framework, mode=p.name, scenario=RUNTIME, batch=batch) for p in paths]
    cells += [Cell(workload=workload, framework=p.framework, mode=p.name, scenario=SERVE, batch=1) for p in served]
    return cells



def run_cell(payload: dict) -> dict:
    scenario = payload["cell"]["scenario"]
    return {EXPORT: _export, RUNTIME: _runtime, SERVE: _serve}[scenario](payload)


def _folder(payload: dict, cell: Cell) -> Path:
    return artifact_dir(payload["artifacts"], cell.workload, cell.framework, cell.mode)


def _exported(payload: dict) -> tuple[Cell, Path, dict | None]:
    """The cell, its export's folder, and the skipped result to return when the export left no artifact."""
    cell = Cell(**payload["cell"])
    folder = _folder(payload, cell)
    if (folder / MANIFEST).is_file():
        return cell, folder, None
    export_id = Cell(**{**cell.model_dump(), "scenario": EXPORT,
                        "batch": workloads.get(cell.workload).batch_for("infer_throughput")}).id
    return cell, folder, {"status": "skipped", "metrics": [],
                          "error": f"no artifact to load: the export cell {export_id} did not produce one"}


# -- export -----------------------------------------------------------------------------------
def _export(payload: dict) -> dict:
    prep = prepare(payload)
    cell, adapter, workload = prep.cell, prep.adapter, prep.workload
    path = deploy.get_path(cell.framework, cell.mode)
    folder = _folder(payload, cell)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    model = adapter.build(workload, workload.make_params(payload["seed"]))
    x, y = workload.make_batch(cell.batch, seed=payload["seed"] + 1)
    xt, _ = adapter.inputs(workload, x, y)
    reference = adapter.to_numpy(adapter.predictor(model, "eager")(xt))  # also puts torch modules in eval mode
    example = adapter.to_numpy(xt)

    exporter = frameworks.plugin_module(cell.framework, "export").EXPORTERS[path.name]
    started = time.perf_counter()
    try:
        produced = exporter(model, xt, folder)
    except ModuleNotFoundError as exc:  # an optional exporter package (executorch, litert-torch) is absent
        return {"status": "skipped", "runtime": prep.runtime, "metrics": [],
                "error": f"{path.title} not measured: {exc.name or exc} is not installed ({error_line(exc)})"}
    except Exception as exc:  # noqa: BLE001 - a failed export is this cell's result
        return {"status": "failed", "error": f"{path.title} export failed: {error_line(exc, limit=400)}", "runtime": prep.runtime,
                "metrics": [metric("export_s", "s", time.perf_counter() - started, succeeded=False)]}
    export_s = time.perf_counter() - started

    layout = frameworks.info(cell.framework).image_layout if workload.input_kind == "image" else ""
    manifest = Manifest(
        workload=workload.name, framework=cell.framework, path=path.name, runtime=path.runtime, file=produced["file"],
        input=TensorSpec([None, *example.shape[1:]], str(example.dtype), "input",
                         [0, workload.vocab_size] if workload.input_kind == "tokens" else None),
        output=TensorSpec([None, *reference.shape[1:]], str(reference.dtype), "output"),
        layout=layout, exporter=produced["exporter"], quantized=path.quantized)
    np.savez(folder / REFERENCE, x=example, y=reference)
    manifest.save(folder)
    size = size_mb(folder / produced["file"])
    extra = {k: v for k, v in produced["exporter"].items() if isinstance(v, (str, int, float))}
    rows = [metric("export_s", "s", export_s, **extra), metric("artifact_size_mb", "MB", size, file=produced["file"])]
    return {"status": "ok", "metrics": rows, "runtime": {**prep.runtime, "artifact": str(folder)}}


# -- load and run in the target runtime ----------------------------------------------------------
def _tolerance(payload: dict, cell: Cell, manifest: Manifest) -> float:
    settings = DeploymentOptions(**payload.get("deployment", {}))
    return settings.int8_tolerance if manifest.quantized else workloads.get(cell.workload).tolerance.forward


def _runtime(payload: dict) -> dict:
    from dlarena.deploy import runtimes

    cell, folder, missing = _exported(payload)
    if missing:
        return missing
    manifest = Manifest.load(folder)
    try:
        loaded = runtimes.load(folder, manifest, payload["threads"], payload["interop_threads"])
    except runtimes.LoadError as exc:  # one line: the runtime and the file
        return {"status": "failed", "metrics": [], "error": str(exc), "runtime": {"runtime": manifest.runtime}}
    ref = np.load(folder / REFERENCE)
    x, expected = runtimes.as_input(ref["x"], manifest), ref["y"]
    x1 = np.ascontiguousarray(x[:1])

    started = time.perf_counter()
    try:
        out1 = loaded.predict(x1)
    except Exception as exc:  # noqa: BLE001 - e.g. an artifact whose batch is baked in and cannot be resized
        batch = manifest.exporter.get("batch", "")
        return {"status": "failed", "metrics": [], "runtime": {"runtime": manifest.runtime, "versions": loaded.versions},
                "error": f"fails at batch 1{f' (artifact batch {batch})' if batch else ''}: {error_line(exc)}"}
    first_s = time.perf_counter() - started
    out = loaded.predict(x)

    # Parity on the full batch and on batch 1: an artifact that baked in the export batch fails here.
    scale = float(np.max(np.abs(expected)))
    abs_diff = max(float(np.max(np.abs(out - expected))), float(np.max(np.abs(out1 - expected[:1]))))
    rel_diff = abs_diff / max(scale, 1e-30)
    tolerance = _tolerance(payload, cell, manifest)

    timing = TimingConfig(**payload["timing"])
    nothing = lambda: None  # noqa: E731 - CPU runtimes return computed outputs
    latency = measure(lambda: loaded.predict(x1), nothing, timing)
    ms = np.asarray(latency.samples_s) * 1e3
    lat = sample_summary(ms)
    bulk = measure(lambda: loaded.predict(x), nothing, timing)
    sps = cell.batch / np.asarray(bulk.samples_s)
    thr = sample_summary(sps)

    rows = [
        metric("runtime_import_s", "s", loaded.import_s),
        metric("load_s", "s", loaded.load_s),
        metric("first_inference_ms", "ms", first_s * 1e3),
        metric("cold_start_s", "s", loaded.import_s + loaded.load_s + first_s),
        metric("parity_max_abs_diff", "abs", abs_diff),
        metric("parity_rel_diff", "ratio", rel_diff, tolerance=tolerance, quantized=manifest.quantized),
        metric("latency_ms", "ms", lat.median, lat, ms, batch=1, warmup_iters=latency.warmup_iters),
        metric("latency_p90_ms", "ms", lat.p90, batch=1),
        metric("latency_p99_ms", "ms", lat.p99, batch=1),
        metric("throughput_sps", "samples/s", thr.median, thr, sps, batch=cell.batch, warmup_iters=bulk.warmup_iters),
    ]
    runtime = {"runtime": manifest.runtime, "versions": loaded.versions, "intra_op_threads": payload["threads"],
               "inter_op_threads": payload["interop_threads"], "exporter": manifest.exporter}
    if not rel_diff <= tolerance:
        kind = "stated int8 tolerance" if manifest.quantized else "tolerance"
        return {"status": "failed", "metrics": rows, "runtime": runtime,
                "error": f"output differs from the source model: rel diff {rel_diff:.2e} > {kind} {tolerance:.0e}"}
    return {"status": "ok", "metrics": rows, "runtime": runtime}


# -- serve over HTTP under load ----------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float) -> float:
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            raise RuntimeError(f"server exited with code {proc.returncode}" + (f": {tail[0]}" if tail else ""))
        try:
            if httpx.get(url + "/health", timeout=1.0, trust_env=False).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server did not answer /health within {timeout_s:g} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_command(folder: Path, port: int, threads: int, interop: int, settings: DeploymentOptions) -> list[str]:
    return [sys.executable, "-m", "dlarena.deploy.server", str(folder), "--host", "127.0.0.1", "--port", str(port),
            "--threads", str(threads), "--interop-threads", str(interop), "--batch-max", str(settings.serve_batch_max),
            "--batch-timeout-ms", str(settings.serve_batch_timeout_ms)]


def _serve(payload: dict) -> dict:
    import psutil

    from dlarena.deploy import loadtest

    cell, folder, missing = _exported(payload)
    if missing:
        return missing
    settings = DeploymentOptions(**payload.get("deployment", {}))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "serve.log"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **parent_env()}  # the server dies with this cell's worker
    with open(log, "w") as out:
        proc = subprocess.Popen(server_command(folder, port, payload["threads"], payload["interop_threads"], settings),
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        start_s = _wait_healthy(url, proc, log, SERVER_START_TIMEOUT_S)
        result = loadtest.run(url, settings.serve_concurrency, settings.serve_s, batch=cell.batch, body="json")
        rss_mb = psutil.Process(proc.pid).memory_info().rss / 2**20
    finally:
        _stop(proc)

    common = {"concurrency": settings.serve_concurrency, "duration_s": result.duration_s,
              "batch_max": settings.serve_batch_max, "body": "json"}
    rows = [metric("serve_throughput_rps", "req/s", result.requests_per_s, **common),
            metric("serve_requests", "count", result.requests),
            metric("serve_errors", "count", result.errors, examples=result.error_examples),
            metric("server_start_s", "s", start_s),
            metric("server_rss_mb", "MB", rss_mb)]
    if result.latencies_ms:
        s = sample_summary(result.latencies_ms)
        rows += [metric("serve_latency_ms", "ms", s.median, s, **common),
                 metric("serve_latency_p90_ms", "ms", s.p90),
                 metric("serve_latency_p99_ms", "ms", s.p99)]
    runtime = {"runtime": Manifest.load(folder).runtime, "url": url, "server_log": str(log)}
    if result.errors:
        return {"status": "failed", "metrics": rows, "runtime": runtime,
                "error": f"{result.errors} of {result.requests} requests failed: " + "; ".join(result.error_examples)}
    return {"status": "ok", "metrics": rows, "runtime": runtime}


# -- summary for the recommendation ------------------------------------------------------------
def scores(cells: list[dict], rows: list[dict]) -> dict[str, dict]:
    """Per framework: share of (workload, export path) pairs whose artifact loads and matches the
    source model (score, 0..1), and the fastest batch-1 runtime per workload, as one line."""
    values: dict[tuple[str, str], float] = {(r["cell_id"], r["metric"]): r["value"] for r in rows}
    out: dict[str, dict] = {}
    for fw in dict.fromkeys(c["framework"] for c in cells if c["scenario"] == RUNTIME):
        mine = [c for c in cells if c["framework"] == fw and c["scenario"] == RUNTIME]
        good = [c for c in mine if c["status"] == "ok"]
        name = frameworks.display_name(fw)
        fastest = []
        for workload in dict.fromkeys(c["workload"] for c in good):
            timed = [(values.get((c["cell_id"], "latency_ms")), c) for c in good if c["workload"] == workload]
            timed = [(v, c) for v, c in timed if v is not None]
            if timed:
                v, c = min(timed, key=lambda t: t[0])
                fastest.append(f"{workload} {deploy.get_path(fw, c['mode']).title} {v:.3g} ms")
        broken = sorted({f"{c['workload']} {c['mode']}" for c in mine if c["status"] != "ok"})
        line = f"{name}: {len(good)}/{len(mine)} export paths load and match the source model"
        if broken:
            line += f" (not: {', '.join(broken)})"
        if fastest:
            line += "; fastest at batch 1: " + ", ".join(fastest)
        out[fw] = {"score": len(good) / len(mine) if mine else 0.0, "line": line,
                   "evidence": [c["cell_id"] for c in mine]}
    return out
