"""Records one framework's parity data (forward, loss, gradients, one step) through the real cell."""

from dlarena import workloads
from dlarena.config import Cell
from dlarena.criteria import parity


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
