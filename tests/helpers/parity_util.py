"""Records one framework's parity data (forward, loss, gradients, one step) through the real cell."""

from dlarena import workloads
from dlarena.config import Cell
from dlarena.parity import check as parity


def capture(folder, workload: str, framework: str) -> tuple[str, dict]:
    out = folder / f"{workload}-{framework}.npz"
    cell = Cell(workload=workload, framework=framework, mode="eager", scenario="parity",
                batch=workloads.get(workload).batch_for("parity"))
    result = parity.run_cell({"cell": cell.model_dump(), "threads": 2, "interop_threads": 1, "seed": 0,
                              "output": str(out)})
    assert result["status"] == "ok"
    return str(out), result


def capture_isolated(folder, workload: str, framework: str, timeout_s: float = 900) -> tuple[str, dict]:
    """The same through an isolated worker: Keras backends need a process each."""
    from dlarena.process.isolate import run_isolated

    out = folder / f"{workload}-{framework}.npz"
    cell = Cell(workload=workload, framework=framework, mode="eager", scenario="parity",
                batch=workloads.get(workload).batch_for("parity"))
    result = run_isolated(parity.ENTRY, {"cell": cell.model_dump(), "threads": 2, "interop_threads": 1, "seed": 0,
                                         "output": str(out)}, timeout_s, {"TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result["status"] == "ok", result.get("error")
    return str(out), result


def capture_side_by_side(folder, pairs: list[tuple[str, str]], isolated=("jax",)) -> dict[tuple[str, str], tuple[str, dict]]:
    """Every (workload, framework) record, as ``capture`` makes it; the frameworks in ``isolated``
    (JAX: compiling, single-threaded, most of a capture's time) run in two worker processes beside
    the in-process captures. Nothing here is timed, so sharing the CPUs only saves wall time.
    Give the isolated pairs slowest first: two lanes take them in that order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as lanes:
        futures = {pair: lanes.submit(capture_isolated, folder, *pair) for pair in pairs if pair[1] in isolated}
        out = {pair: capture(folder, *pair) for pair in pairs if pair[1] not in isolated}
        out.update({pair: future.result() for pair, future in futures.items()})
    return {pair: out[pair] for pair in pairs}
