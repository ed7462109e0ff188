from dlarena.workloads.base import Workload
from dlarena.workloads.resnet.arch import make


def variant(size: str = "full", image: int = 0) -> Workload:
    """``size``: tiny | small | full (224x224, the real shape); ``image``: another input side."""
    return make("resnet50_v2", "v2", size, image or None)


WORKLOAD = variant()
