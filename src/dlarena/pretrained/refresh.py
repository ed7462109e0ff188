"""Ecosystem figures for the pretrained criterion: the packaged, dated and sourced figures
(``data/pretrained_ecosystem.json``) and ``dlarena pretrained --refresh``, which counts models per
library on the Hugging Face Hub (``huggingface_hub.HfApi().list_models(library=...)``).

The Hub's listing has no count field: it pages through every model. A refresh therefore counts up
to ``limit`` models per library (newest first) and says "at least" when it stops at the limit. Each
figure carries ``as_of`` and its grade (``dlarena.evidence``: a fresh dated figure is a "snapshot",
an old one "stale"). These figures are context: the criterion's score rests on the builds made in
the run, never on them. Where the Hub is not reachable the refresh fails with one line, and nothing
is ever recorded as zero.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import date
from importlib import resources
from pathlib import Path

from dlarena.cell import error_line
from dlarena.evidence import grade_of_date

HUB_HOST = "huggingface.co"
LIBRARIES = ("transformers", "keras-hub", "keras", "timm")
REFRESHED_FILE = "pretrained_ecosystem.json"
DEFAULT_LIMIT = 5000


class RefreshError(RuntimeError):
    """The refresh could not fetch anything; its message is the one line to show."""


def published() -> list[dict]:
    data = json.loads(resources.files("dlarena").joinpath("data", "pretrained_ecosystem.json").read_text())
    return [f | {"kind": "published"} for f in data["figures"]]


def refreshed_path(results_dir: str | Path) -> Path:
    return Path(results_dir) / REFRESHED_FILE


def load(results_dir: str | Path | None = None, today: date | None = None) -> list[dict]:
    """The published figures, then any refreshed ones saved beside the results database, each with
    its ``grade``."""
    figures = published()
    if results_dir is not None and refreshed_path(results_dir).exists():
        figures += json.loads(refreshed_path(results_dir).read_text()).get("figures", [])
    return [f | {"grade": grade_of_date(f.get("as_of"), today)} for f in figures]


def reachable(host: str = HUB_HOST, timeout: float = 5.0) -> str | None:
    """None when a TCP connection to ``host``:443 opens within ``timeout``, else why not."""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return None
    except OSError as exc:
        return error_line(exc, limit=160)


def count_models(library: str, limit: int, api=None) -> tuple[int, bool]:
    """(models counted, whether counting stopped at ``limit``)."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    n = 0
    for _ in api.list_models(library=library, limit=limit):
        n += 1
    return n, n >= limit


def refresh(results_dir: str | Path, timeout: float = 10.0, limit: int = DEFAULT_LIMIT,
            libraries=LIBRARIES, api=None, host: str = HUB_HOST) -> tuple[Path, list[dict], list[str]]:
    """Counts models per library on the Hub and saves them beside the results database. Returns
    (file, figures fetched, "not refreshed: ..." lines for the libraries that failed); raises
    RefreshError with one line when the Hub is not reachable or nothing could be counted."""
    if api is None:
        why = reachable(host, timeout)
        if why is not None:
            raise RefreshError(f"not refreshed: {host} not reachable ({why}); the published figures stay as they are")
    fetched, missed = [], []
    today = date.today().isoformat()
    for library in libraries:
        box: dict = {}

        def work(library=library, box=box):
            try:
                box["count"] = count_models(library, limit, api)
            except Exception as exc:  # one library failing is reported, the others still count
                box["error"] = error_line(exc, limit=160)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        thread.join(timeout * 3)  # a library's listing is several pages; each page has ``timeout``
        if "count" not in box:
            missed.append(f"not refreshed: {library} ({box.get('error') or f'no answer within {timeout * 3:g} s'})")
            continue
        n, capped = box["count"]
        fetched.append({"id": f"hub-models-{library}", "library": library, "metric": "models on the Hugging Face Hub",
                        "value": n, "qualifier": "at least" if capped else "",
                        "text": f"HfApi().list_models(library={library!r}, limit={limit}) listed {n} models"
                                + (" (stopped at the limit)" if capped else ""),
                        "source": "Hugging Face Hub API (dlarena pretrained --refresh)",
                        "url": f"https://{HUB_HOST}/models?library={library}", "as_of": today, "kind": "fetched"})
    if not fetched:
        raise RefreshError("not refreshed: " + "; ".join(m.removeprefix("not refreshed: ") for m in missed))
    path = refreshed_path(results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"figures": fetched}, indent=1))
    return path, fetched, missed


def value_text(figure: dict) -> str:
    if figure.get("value") is None:
        return "–"
    qualifier = {"over": "over ", "at least": "at least "}.get(figure.get("qualifier") or "", "")
    return f"{qualifier}{figure['value']:,}"
