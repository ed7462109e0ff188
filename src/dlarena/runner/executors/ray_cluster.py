"""The Ray executor: the suite's units (runner/executors/units.py) as Ray tasks on a cluster.

- **Placement**: the cluster's nodes are grouped by hardware kind (``--nodes-by``,
  runner/executors/hardware.py); the suite runs once per kind, as one run per kind in the one
  results database (run id ``<base>.<kind>``), its units spread over that kind's nodes. A task is
  pinned to the node the driver chose (NodeAffinitySchedulingStrategy, not soft) and asks for
  ``num_cpus=0`` (the cell's processes are outside Ray's accounting) plus, when timed, the node's
  one ``dlarena_slot``: at most one timed unit runs on a node at a time, even with two drivers on
  one cluster. The driver also keeps untimed units off a node while its kind still has timed
  work, and gives a GPU node's timed units all its GPUs (``num_gpus``; Ray sets CUDA_VISIBLE_DEVICES).
- **Isolation**: the task runs the scheduler's own code on the node, so every cell runs in the
  same isolated worker process with the same timeout as locally (a hung cell is killed there).
- **Streaming**: a task is a Ray generator; each cell the node records comes back at once and
  is written to the database by the driver, so ``--resume`` works as it does locally.
- **Node loss**: a unit whose node dies (NodeDiedError) leaves every cell it had not sent back
  ``failed`` with "node lost"; the node leaves the pool; a kind with no node left fails its
  remaining cells the same way. ``dlarena run --resume`` runs them again.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from dlarena import workloads
from dlarena.config import Cell, SuiteConfig
from dlarena.measure.env import fingerprint
from dlarena.runner.executors import units as units_mod
from dlarena.runner.executors.hardware import SLOT, Node, group_by_kind, slug
from dlarena.runner.scheduler import CellDoneFn, ProgressFn, SuiteOutcome, SuiteRunner
from dlarena.store.db import FINAL_STATUSES, ResultStore

NODE_LOST = "node lost"
POLL_S = 0.2


class ClusterError(RuntimeError):
    """The cluster cannot run this suite; the message is one line for the user."""


@ray.remote(num_cpus=0, max_retries=0)
def _probe(threads: int, interop: int, omp: str) -> dict:
    from dlarena import frameworks

    return fingerprint(threads, interop, omp, frameworks.distributions())


@ray.remote(num_cpus=0, max_retries=0)
def _run_unit(job: dict):
    """A unit on its node, as a generator: ("cell", cell, result) for each cell recorded, then
    ("deferred", untimed cells). The unit runs in a thread so that its cells stream back."""
    items: queue.Queue = queue.Queue()
    outcome: dict = {}

    def body() -> None:
        try:
            outcome["deferred"] = units_mod.execute(job, lambda cell, result: items.put(("cell", cell, result)))
        except BaseException as exc:  # noqa: BLE001 - reported to the driver as this unit's error
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        items.put(None)

    threading.Thread(target=body, daemon=True, name="dlarena-unit").start()
    while (item := items.get()) is not None:
        yield item
    if "error" in outcome:
        yield ("error", outcome["error"])
    else:
        yield ("deferred", outcome["deferred"])


@dataclass
class KindRun:
    """The suite on one hardware kind: its run in the database and its nodes."""
    kind: str
    run_id: str
    nodes: list[Node]
    done: dict[str, str] = field(default_factory=dict)
    runner: SuiteRunner | None = None
    pending: list = field(default_factory=list)  # units not yet submitted
    outcome: SuiteOutcome | None = None


@dataclass
class InFlight:
    unit: units_mod.Unit
    kind_run: KindRun
    node: Node
    submitted: float  # time.time() on the driver
    received: set[str] = field(default_factory=set)


class RayExecutor:
    name = "ray"

    def __init__(self, address: str | None = None, nodes_by: str = "gpu-type",
                 entries: dict[str, str] | None = None, drivers: dict[str, str] | None = None):
        self.address = address
        self.nodes_by = nodes_by
        self.entries = entries
        self.drivers = drivers
        self.per_node: dict[str, int] = {}  # cells back per node (progress)
        self._owns_ray = False  # connect() started or joined Ray: shutdown() leaves it

    # -- the cluster ---------------------------------------------------------------------------
    def connect(self) -> None:
        """Joins the cluster (a Ray already initialised in this process, e.g. by a test, is used as is)."""
        if ray.is_initialized():
            return
        self._owns_ray = True
        try:
            if self.address:
                ray.init(address=self.address, log_to_driver=False, logging_level="WARNING")
            else:  # no cluster named: a one-node Ray on this machine
                ray.init(address="local", resources={SLOT: 1}, include_dashboard=False, log_to_driver=False,
                         logging_level="WARNING")
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterError(f"cannot connect to the Ray cluster at {self.address or 'local'}: "
                               f"{str(exc).splitlines()[0]}") from None

    def shutdown(self) -> None:
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()
        self._owns_ray = False

    def nodes(self, config: SuiteConfig) -> list[Node]:
        """The alive nodes that can run timed work (they advertise ``dlarena_slot``), fingerprinted."""
        alive = [n for n in ray.nodes() if n.get("Alive")]
        usable = [n for n in alive if n.get("Resources", {}).get(SLOT, 0) >= 1]
        if not usable:
            raise ClusterError(f"no node of the Ray cluster advertises the '{SLOT}' resource; start each node with "
                               f"ray start ... --resources '{{\"{SLOT}\": 1}}' (see docs/cluster.md)")
        probes = [_probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(
            config.threads, config.interop_threads, config.omp_wait_policy) for n in usable]
        prints = ray.get(probes, timeout=120)
        return [Node(n["NodeID"], n.get("NodeManagerAddress", ""), dict(n.get("Resources", {})), fp)
                for n, fp in zip(usable, prints)]

    def start_runs(self, store: ResultStore, config: SuiteConfig, base_run_id: str) -> list[KindRun]:
        """One new run per hardware kind, its env the fingerprint of the kind's first node."""
        kinds = group_by_kind(self.nodes(config), self.nodes_by)
        runs = []
        for kind, nodes in kinds.items():
            run_id = f"{base_run_id}.{slug(kind)}" if len(kinds) > 1 or self.nodes_by == "all" else base_run_id
            env = {**nodes[0].fingerprint, "cluster": self._cluster_env(base_run_id, kind, nodes),
                   "workloads": workloads.described(config.workloads)}
            store.hold_run(run_id)
            store.start_run(run_id, config.suite, config.model_dump(), env)
            runs.append(KindRun(kind, run_id, nodes))
        return runs

    def resume_runs(self, store: ResultStore, config: SuiteConfig, group: str) -> tuple[list[KindRun], list[str]]:
        """The runs of ``group`` whose kind has nodes in the cluster now, each held by this process
        (StoreBusy while another process writes one); and the kinds without."""
        kinds = group_by_kind(self.nodes(config), self.nodes_by)
        runs, missing = [], []
        for row in store.runs():
            env = row["env"] if isinstance(row["env"], dict) else json.loads(row["env"] or "{}")
            cluster = env.get("cluster") or {}
            if cluster.get("group") != group:
                continue
            if cluster.get("hardware") in kinds:
                store.hold_run(row["run_id"])
                runs.append(KindRun(cluster["hardware"], row["run_id"], kinds[cluster["hardware"]],
                                    completed_cells(store, row["run_id"])))
            else:
                missing.append(cluster.get("hardware"))
        for kr in runs:  # every run held first: a refused resume changes none
            store.mark_running(kr.run_id)
        return sorted(runs, key=lambda r: r.kind), missing

    def _cluster_env(self, group: str, kind: str, nodes: list[Node]) -> dict:
        return {"executor": "ray", "group": group, "hardware": kind, "nodes_by": self.nodes_by,
                "nodes": [n.describe() for n in nodes]}

    # -- running -------------------------------------------------------------------------------
    def run(self, config: SuiteConfig, store: ResultStore, runs: list[KindRun], progress: ProgressFn | None = None,
            on_cell_done: CellDoneFn | None = None) -> dict[str, SuiteOutcome]:
        """Runs every kind's pending units; returns each run's outcome (cells done before included)."""
        progress = progress or (lambda *_: None)
        on_cell_done = on_cell_done or (lambda *_: None)
        artifacts = str(store.artifacts_dir.absolute())
        for kr in runs:
            kr.runner = SuiteRunner(config, store, kr.run_id, entries=self.entries, drivers=self.drivers)
            kr.outcome = SuiteOutcome(kr.run_id)
            for status in kr.done.values():
                kr.outcome.add(status)
            kr.pending = [u for u in units_mod.plan(kr.runner) if any(c.id not in kr.done for c in self._all_cells(u))]
        total = sum(kr.runner.total for kr in runs)
        state = {"done": sum(len(kr.done) for kr in runs), "started": time.monotonic(), "fresh": 0}
        flights: dict = {}

        def record(kr: KindRun, node: Node | None, cell: Cell, result: dict, flight: InFlight | None = None) -> None:
            runtime = dict(result.get("runtime") or {})
            if node is not None:
                runtime["node"] = node.describe()
            if flight is not None:  # the driver's clock: Ray's overhead is this span minus the node's
                runtime["executor"] = {"name": "ray", "unit": flight.unit.name, "submitted_at": flight.submitted,
                                       "arrived_at": time.time()}
            result = {**result, "runtime": runtime}
            store.record_cell(kr.run_id, cell, result)
            kr.outcome.add(result.get("status", "failed"))
            kr.done[cell.id] = result.get("status", "failed")
            state["done"] += 1
            state["fresh"] += 1
            if node is not None:
                self.per_node[node.node_id] = self.per_node.get(node.node_id, 0) + 1
            on_cell_done(f"{cell.id} @ {kr.kind}", result)
            progress(self._progress_text(runs, state, total, cell.id), state["done"], total)

        def fail_unit(kr: KindRun, unit: units_mod.Unit, node: Node | None, error: str, received: set[str]) -> None:
            for cell in self._all_cells(unit):
                if cell.id not in received and cell.id not in kr.done:
                    record(kr, node, cell, {"status": "failed", "error": error, "metrics": []})

        try:
            while any(kr.pending for kr in runs) or flights:
                self._submit(runs, flights, config, artifacts, fail_unit)
                if not flights:
                    continue
                ready, _ = ray.wait(list(flights), num_returns=1, timeout=POLL_S)
                for gen in ready:
                    flight = flights[gen]
                    try:
                        item = ray.get(next(gen))
                    except StopIteration:
                        del flights[gen]
                        continue
                    except ray.exceptions.NodeDiedError:
                        del flights[gen]
                        self._lose_node(flight.node, runs)
                        fail_unit(flight.kind_run, flight.unit, flight.node, NODE_LOST, flight.received)
                        continue
                    except ray.exceptions.RayError as exc:  # the task's worker died (OOM kill...), or Ray itself
                        del flights[gen]
                        if not self._alive(flight.node):
                            self._lose_node(flight.node, runs)
                            fail_unit(flight.kind_run, flight.unit, flight.node, NODE_LOST, flight.received)
                        else:
                            fail_unit(flight.kind_run, flight.unit, flight.node,
                                      f"the Ray task of this cell failed: {str(exc).splitlines()[0]}", flight.received)
                        continue
                    self._receive(item, flight, record, fail_unit)
        except BaseException:  # Ctrl-C: cancel what runs on the nodes; what is stored stays
            for gen in flights:
                try:
                    ray.cancel(gen, force=True)
                except Exception:  # noqa: BLE001
                    pass
            raise
        return {kr.run_id: kr.outcome for kr in runs}

    @staticmethod
    def _all_cells(unit: units_mod.Unit) -> list[Cell]:
        return unit.cells + [cell for _, cell in unit.untimed_after]

    def _receive(self, item: tuple, flight: InFlight, record, fail_unit) -> None:
        kr = flight.kind_run
        if item[0] == "cell":
            cell = Cell(**item[1])
            flight.received.add(cell.id)
            record(kr, flight.node, cell, item[2], flight)
        elif item[0] == "error":
            fail_unit(kr, flight.unit, flight.node, f"the unit failed on its node: {item[1]}", flight.received)
        elif item[0] == "deferred":  # a workload's untimed cells, now that its parity is known
            for criterion, cell, reason in item[1]:
                cell = Cell(**cell)
                if cell.id not in kr.done:
                    kr.pending.append(units_mod.cell_unit(kr.runner, criterion, cell, reason))

    def _submit(self, runs: list[KindRun], flights: dict, config: SuiteConfig, artifacts: str, fail_unit) -> None:
        """Starts what may start: a timed unit on a node of its kind running nothing; an untimed
        unit on a node with no timed unit, once its kind has no timed unit left to start."""
        for kr in runs:
            if not kr.pending:
                continue
            if not kr.nodes:  # every node of this kind is gone
                for unit in kr.pending:
                    fail_unit(kr, unit, None, f"{NODE_LOST} (no node of kind {kr.kind} left)", set())
                kr.pending = []
                continue
            load = {n.node_id: [f for f in flights.values() if f.node.node_id == n.node_id] for n in kr.nodes}
            timed_waiting = any(u.timed for u in kr.pending)
            for unit in list(kr.pending):
                if unit.timed:
                    node = next((n for n in kr.nodes if not load[n.node_id]), None)
                elif not timed_waiting:
                    free = [n for n in kr.nodes if not any(f.unit.timed for f in load[n.node_id])
                            and len(load[n.node_id]) < config.untimed_parallel]
                    node = min(free, key=lambda n: len(load[n.node_id]), default=None)
                else:
                    node = None
                if node is None:
                    continue
                kr.pending.remove(unit)
                gen = self._task(unit, node, config).remote(self._job(kr, unit, config, artifacts))
                flight = InFlight(unit, kr, node, time.time())
                flights[gen] = flight
                load[node.node_id].append(flight)

    def _task(self, unit: units_mod.Unit, node: Node, config: SuiteConfig):
        options = {"scheduling_strategy": NodeAffinitySchedulingStrategy(node.node_id, soft=False)}
        if unit.timed:
            options["resources"] = {SLOT: 1}
            if node.gpus and config.device != "cpu":  # the node is the unit's alone: all its GPUs
                options["num_gpus"] = node.gpus
        return _run_unit.options(**options)

    def _job(self, kr: KindRun, unit: units_mod.Unit, config: SuiteConfig, artifacts: str) -> dict:
        ids = {c.id for c in self._all_cells(unit)}
        return {"config": config.model_dump(mode="json"), "run_id": kr.run_id, "artifacts_dir": artifacts,
                "done": {k: v for k, v in kr.done.items() if k in ids}, "entries": self.entries,
                "drivers": self.drivers, "unit": unit.spec()}

    @staticmethod
    def _alive(node: Node) -> bool:
        return any(n["NodeID"] == node.node_id and n.get("Alive") for n in ray.nodes())

    @staticmethod
    def _lose_node(node: Node, runs: list[KindRun]) -> None:
        for kr in runs:
            kr.nodes = [n for n in kr.nodes if n.node_id != node.node_id]

    def _progress_text(self, runs: list[KindRun], state: dict, total: int, last: str) -> str:
        names = {n.node_id: (n.label or n.fingerprint.get("hostname") or n.node_id[:8]) + f"/{n.node_id[:4]}"
                 for kr in runs for n in kr.nodes}
        per_node = " · ".join(f"{names.get(nid, nid[:8])}: {k}" for nid, k in sorted(self.per_node.items()))
        elapsed = time.monotonic() - state["started"]
        left = total - state["done"]
        eta = f", ETA {_duration(elapsed / state['fresh'] * left)}" if state["fresh"] and left > 0 else ""
        return f"[{per_node}{eta}] {last}"


def completed_cells(store: ResultStore, run_id: str) -> dict[str, str]:
    """The run's cells a resume skips: every final one except those failed by a lost node."""
    return {r["cell_id"]: r["status"] for r in store.cells(run_id)
            if r["status"] in FINAL_STATUSES and not (r["error"] or "").startswith(NODE_LOST)}


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
