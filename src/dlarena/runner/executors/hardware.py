"""Hardware kinds of a cluster's nodes, for ``--nodes-by``.

Each node reports its fingerprint (measure/env.py: hostname, CPU model, GPUs) and may advertise a
hardware label as a custom Ray resource ``dlarena_hw_<label>`` (``ray start --resources
'{"dlarena_hw_a100": 1}'``): a label names the node's kind for every ``--nodes-by`` and is how a
test cluster on one machine gets nodes of different kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SLOT = "dlarena_slot"  # one per node: a timed unit holds it, so one timed unit runs on a node at a time
LABEL_PREFIX = "dlarena_hw_"


@dataclass(frozen=True)
class Node:
    node_id: str
    address: str
    resources: dict
    fingerprint: dict = field(default_factory=dict)

    @property
    def label(self) -> str | None:
        labels = sorted(r[len(LABEL_PREFIX):] for r in self.resources if r.startswith(LABEL_PREFIX))
        return labels[0] if labels else None

    @property
    def has_slot(self) -> bool:
        return self.resources.get(SLOT, 0) >= 1

    @property
    def gpus(self) -> int:
        return int(self.resources.get("GPU", 0))

    def describe(self) -> dict:
        """What each cell stores about the node that measured it."""
        fp = self.fingerprint
        return {"node_id": self.node_id, "address": self.address, "hostname": fp.get("hostname"),
                "cpu_model": fp.get("cpu_model"), "gpus": fp.get("gpus", []), "label": self.label}


def kind_of(node: Node, nodes_by: str) -> str:
    """The node's hardware kind under ``nodes_by`` (gpu-type, cpu-model or all)."""
    if nodes_by == "all":
        return f"{node.label or node.fingerprint.get('hostname') or 'node'}-{node.node_id[:8]}"
    if node.label:
        return node.label
    if nodes_by == "gpu-type":
        gpus = sorted({g.split(",")[0].strip() for g in node.fingerprint.get("gpus") or []})
        return " + ".join(gpus) if gpus else f"CPU {node.fingerprint.get('cpu_model', 'unknown')}"
    if nodes_by == "cpu-model":
        return node.fingerprint.get("cpu_model") or "unknown CPU"
    raise ValueError(f"unknown --nodes-by '{nodes_by}'; valid: gpu-type, cpu-model, all")


def group_by_kind(nodes: list[Node], nodes_by: str) -> dict[str, list[Node]]:
    """Nodes by kind, kinds in a stable order (by name), nodes by id."""
    kinds: dict[str, list[Node]] = {}
    for node in sorted(nodes, key=lambda n: n.node_id):
        kinds.setdefault(kind_of(node, nodes_by), []).append(node)
    return dict(sorted(kinds.items()))


def slug(kind: str) -> str:
    """A kind as a run-id suffix: letters, digits, dashes."""
    return re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")[:40] or "node"
