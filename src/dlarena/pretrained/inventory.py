"""What the model zoos available to each framework's users offer, per framework and domain, and
whether their representative architectures really build here.

Each framework registers the zoos its users can load (its "pretrained" plugin module's ``SOURCES``,
see ``dlarena.frameworks``); the listers below are shared by those modules. Two things are
recorded per zoo: the architecture NAMES it lists (context: counts per zoo and domain; names are
normalised, lower case, letters and digits only, so that ``ResNet50`` and ``resnet50`` count
once), and the BUILDS of its representative architectures (``dlarena.pretrained.builds``: built
from configs with random weights, one forward pass, nothing downloaded) that the score rests on.
A zoo whose package is not installed, or does not import beside the installed framework (e.g. a
torchvision built for another torch), is reported as such, with why: never as a zero.

Zoos are credited the same way for every framework: a zoo serves its *native* users (``native``)
and, where a framework's users run it through another library (Keras 3 on their framework's
backend), it is listed for them too, labelled ``via``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from dataclasses import dataclass, field
from typing import Callable

from dlarena.cell import error_line
from dlarena import frameworks

DOMAINS = ("vision", "text", "audio")


@dataclass
class Zoo:
    name: str  # as users know it
    package: str  # import name
    framework: str
    status: str = "ok"  # "ok" | "not installed" | "not importable" | "error"
    version: str | None = None
    note: str = ""
    via: str = ""  # e.g. "Keras 3": usable by this framework's users through another library
    domains: dict[str, list[str]] = field(default_factory=dict)  # domain -> architecture names
    native: str = ""  # whose native users it serves, e.g. "PyTorch", "Keras 3 users on any backend"
    families: tuple[str, ...] = ()  # the representative families its builder tries
    builds: list[dict] = field(default_factory=list)  # dlarena.pretrained.builds.Build as dicts

    @property
    def label(self) -> str:
        return f"{self.name} (via {self.via})" if self.via else self.name

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.domains.values())


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# -- one lister per zoo: module -> {domain: names} ---------------------------------------------

def list_torchvision(tv) -> dict[str, list[str]]:
    return {"vision": sorted(tv.models.list_models())}


def list_timm(timm) -> dict[str, list[str]]:
    return {"vision": sorted(timm.list_models())}


def list_torchaudio(ta) -> dict[str, list[str]]:
    pipelines = importlib.import_module("torchaudio.pipelines")
    return {"audio": sorted(n for n in dir(pipelines) if n.isupper() or (n[:1].isupper() and "_" in n))}


def list_keras_applications(keras) -> dict[str, list[str]]:
    apps = keras.applications
    return {"vision": sorted(n for n in dir(apps) if n[:1].isupper() and callable(getattr(apps, n)))}


def _domain_of_class(name: str) -> str:
    if re.search(r"Image|Vision|Video|Detector|Segment|ViT|Depth", name):
        return "vision"
    if re.search(r"Audio|Speech|Whisper|Wav|Moonshine", name):
        return "audio"
    return "text"


def list_keras_hub(hub) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, cls in inspect.getmembers(hub.models, inspect.isclass):
        if name.endswith("Backbone") and name != "Backbone":
            tasks = [t for t, c in inspect.getmembers(hub.models, inspect.isclass)
                     if t.startswith(name[: -len("Backbone")]) and t != name]
            domain = _domain_of_class(" ".join([name, *tasks]))
            out.setdefault(domain, []).append(name[: -len("Backbone")])
    return {k: sorted(v) for k, v in out.items()}


_TRANSFORMERS_AUTO = {"": "modeling_auto", "TF_": "modeling_tf_auto", "FLAX_": "modeling_flax_auto"}


def list_transformers(prefix: str) -> Callable:
    """transformers' auto mappings: model type -> class, for PyTorch (""), TensorFlow ("TF_") or
    Flax ("FLAX_"); transformers 5 dropped the TensorFlow and Flax classes, so those list nothing."""
    def lister(transformers) -> dict[str, list[str]]:
        try:
            auto = importlib.import_module(f"transformers.models.auto.{_TRANSFORMERS_AUTO[prefix]}")
        except ImportError:
            return {}
        base = getattr(auto, f"{prefix}MODEL_MAPPING_NAMES", {})
        task_maps = [m for m in dir(auto) if m.startswith(f"{prefix}MODEL_FOR_") and m.endswith("_MAPPING_NAMES")]
        vision_maps = [m for m in task_maps if re.search("IMAGE|VISION|VIDEO|OBJECT_DETECTION|SEGMENTATION|DEPTH", m)]
        audio_maps = [m for m in task_maps if re.search("AUDIO|CTC|SPEECH", m)]
        vision = {t for m in vision_maps for t in getattr(auto, m, {})}
        audio = {t for m in audio_maps for t in getattr(auto, m, {})}
        out: dict[str, list[str]] = {}
        for model_type in base:
            domain = "vision" if model_type in vision else "audio" if model_type in audio else "text"
            out.setdefault(domain, []).append(model_type)
        return {k: sorted(v) for k, v in out.items()}
    return lister


def list_nothing(module) -> dict[str, list[str]]:
    """A library that ships no pretrained models (only examples): listed so that its absence shows."""
    return {}


@dataclass(frozen=True)
class ZooSource:
    """One zoo a framework's users can load from; each framework lists its own in its "pretrained"
    plugin module (``SOURCES``)."""
    name: str  # as users know it
    package: str  # import name
    lister: Callable  # module -> {domain: architecture names}
    via: str = ""  # how this framework's users run it when it is not the framework's own (e.g. "Keras 3")
    empty_note: str = ""  # why it lists nothing, when that is expected
    native: str = ""  # whose native users it serves
    # Builds its representative architectures in this process: fn() -> [Build as dict]; None: lists only.
    builder: Callable | None = None
    families: tuple[str, ...] = ()  # the families of FAMILIES its builder tries (what it would add if missing)
    prepare: Callable | None = None  # called before the package is imported (e.g. choose Keras's backend)


def inspect_zoo(name: str, package: str, lister: Callable, framework: str, via: str = "",
                empty_note: str = "", native: str = "", families: tuple[str, ...] = ()) -> Zoo:
    zoo = Zoo(name, package, framework, via=via, native=native, families=tuple(families))
    if importlib.util.find_spec(package) is None:
        zoo.status, zoo.note = "not installed", f"package '{package}' is not installed"
        return zoo
    try:
        module = importlib.import_module(package)
    except Exception as exc:  # e.g. torchvision built for another torch: a fact to report
        zoo.status, zoo.note = "not importable", error_line(exc, limit=200)
        return zoo
    zoo.version = getattr(module, "__version__", None)
    try:
        zoo.domains = {k: v for k, v in lister(module).items() if v}
    except Exception as exc:
        zoo.status, zoo.note = "error", error_line(exc, limit=200)
        return zoo
    if not zoo.domains:
        zoo.note = empty_note or f"{package} {zoo.version or ''} lists no {framework} architectures".replace("  ", " ")
    return zoo


def sources(framework: str) -> list[ZooSource]:
    """The zoos ``framework`` registers (its "pretrained" plugin); none when it registers no plugin."""
    if frameworks.info(framework).plugin("pretrained") is None:
        return []
    return list(frameworks.plugin_module(framework, "pretrained").SOURCES)


def inspect_source(source: ZooSource, framework: str, build: bool = True) -> Zoo:
    """One zoo: its names, then (``build``) its representative architectures built here."""
    prepared = ""
    if source.prepare is not None and importlib.util.find_spec(source.package) is not None:
        try:
            source.prepare()
        except Exception as exc:  # e.g. Keras already loaded on another backend: builds go to a child process
            prepared = error_line(exc, limit=200)
    zoo = inspect_zoo(source.name, source.package, source.lister, framework, source.via, source.empty_note,
                      source.native, source.families)
    if prepared and zoo.status == "ok":
        zoo.note = (zoo.note + "; " if zoo.note else "") + f"names listed as loaded here, builds in a child process: {prepared}"
    if build and zoo.status == "ok" and source.builder is not None:
        try:
            zoo.builds = list(source.builder())
        except Exception as exc:
            zoo.builds = [{"zoo": source.package, "arch": "(all)", "family": None, "status": "failed",
                           "error": error_line(exc, limit=200), "output_shape": None, "seconds": 0.0}]
    return zoo


def inventory(framework: str, build: bool = True) -> list[Zoo]:
    return [inspect_source(s, framework, build) for s in sources(framework)]


def built(zoo: Zoo | dict) -> list[dict]:
    builds = zoo.builds if isinstance(zoo, Zoo) else zoo.get("builds") or []
    return [b for b in builds if b["status"] == "built"]


def families_built(zoos) -> dict[str, list[str]]:
    """family -> the labels of the zoos that built it (zoos as Zoo records or their stored dicts)."""
    out: dict[str, list[str]] = {}
    for z in zoos:
        label = z.label if isinstance(z, Zoo) else z.get("label", z["name"])
        for b in built(z):
            if b.get("family"):
                out.setdefault(b["family"], [])
                if label not in out[b["family"]]:
                    out[b["family"]].append(label)
    return out


# -- the Keras 3 zoos, listed the same way for every framework whose users run Keras 3 ---------

KERAS_NATIVE = "Keras 3 users on any backend (TensorFlow, JAX, PyTorch)"
VIA_KERAS = "Keras 3"


def keras_zoos(keras_framework: str, compiled_forward: str | None = None) -> list[ZooSource]:
    """keras.applications and keras-hub for the users of the framework Keras 3 runs on as
    ``keras_framework`` (its registry entry, e.g. Keras 3 on the worker's own framework);
    ``compiled_forward``: "module:function" running the forward pass compiled, see builds.forward."""
    from functools import partial

    from dlarena.pretrained import builds
    from dlarena.pretrained.families import FAMILIES

    prepare = partial(builds.keras_module, keras_framework)
    hub_families = tuple(f for f in FAMILIES)
    return [
        ZooSource("keras.applications", "keras", list_keras_applications, via=VIA_KERAS, native=KERAS_NATIVE,
                  builder=partial(builds.build_keras_zoo, "keras", keras_framework, compiled_forward), families=("resnet",),
                  prepare=prepare),
        ZooSource("keras-hub", "keras_hub", list_keras_hub, via=VIA_KERAS, native=KERAS_NATIVE,
                  builder=partial(builds.build_keras_zoo, "keras_hub", keras_framework, compiled_forward), families=hub_families,
                  prepare=prepare),
    ]


def distinct(zoos: list[Zoo], domain: str | None = None) -> set[str]:
    return {normalise(n) for z in zoos if z.status == "ok" for d, names in z.domains.items()
            if domain is None or d == domain for n in names}
