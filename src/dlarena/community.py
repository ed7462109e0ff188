"""Community figures: a packaged data file of dated, sourced figures as published, and a refresh
from the public GitHub and PyPI-stats APIs that adds current figures when the network allows."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import date
from importlib import resources
from pathlib import Path

# Where each framework's figures come from when refreshed.
SOURCES = {
    "torch": {"github": "pytorch/pytorch", "pypi": "torch"},
    "tensorflow": {"github": "tensorflow/tensorflow", "pypi": "tensorflow"},
}
GITHUB_API = "https://api.github.com"
PYPISTATS_API = "https://pypistats.org/api"
REFRESHED_FILE = "community.json"
LABELS = {
    "github_stars": "GitHub stars",
    "paper_implementations_pct": "share of paper implementations (%)",
    "developer_survey_pct": "developer survey share (%)",
    "pypi_downloads_last_month": "PyPI downloads, last month",
}


class CommunityRefreshError(RuntimeError):
    """The public APIs could not be reached or answered unexpectedly; one line, for the CLI."""


def packaged() -> dict:
    return json.loads(resources.files("dlarena").joinpath("data/community.json").read_text())


def refreshed_path(results_dir: str | Path | None = None) -> Path:
    base = Path(results_dir) if results_dir else Path(os.environ.get("DLARENA_RESULTS", "dlarena-results"))
    return base / REFRESHED_FILE


def load(results_dir: str | Path | None = None) -> list[dict]:
    """Packaged figures, plus any fetched by ``--refresh`` (kept beside the results database)."""
    figures = list(packaged()["figures"])
    path = refreshed_path(results_dir)
    if path.exists():
        figures += json.loads(path.read_text()).get("figures", [])
    return figures


def latest(figures: list[dict], framework: str) -> dict[str, dict]:
    """Per metric, the most recent figure with a value for this framework."""
    out: dict[str, dict] = {}
    for f in figures:
        if f["framework"] != framework or f.get("value") is None:
            continue
        if f["metric"] not in out or str(f.get("as_of") or "") >= str(out[f["metric"]].get("as_of") or ""):
            out[f["metric"]] = f
    return out


def _get_json(url: str, timeout: float) -> dict:
    request = urllib.request.Request(url, headers={"User-Agent": "dlarena", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        host = url.split("/")[2]
        reason = getattr(exc, "reason", exc)
        raise CommunityRefreshError(f"cannot reach {host} ({reason}); offline? The stored figures are unchanged.") from None
    except json.JSONDecodeError:
        raise CommunityRefreshError(f"unexpected answer from {url} (not JSON); the stored figures are unchanged.") from None


def fetch(timeout: float = 10.0, github_api: str | None = None, pypistats_api: str | None = None) -> list[dict]:
    """Current stars and last month's downloads; raises CommunityRefreshError when offline."""
    github_api = github_api or os.environ.get("DLARENA_GITHUB_API", GITHUB_API)
    pypistats_api = pypistats_api or os.environ.get("DLARENA_PYPISTATS_API", PYPISTATS_API)
    today = date.today().isoformat()
    figures = []
    for framework, src in SOURCES.items():
        repo_url = f"{github_api}/repos/{src['github']}"
        stars = _get_json(repo_url, timeout).get("stargazers_count")
        stats_url = f"{pypistats_api}/packages/{src['pypi']}/recent"
        downloads = (_get_json(stats_url, timeout).get("data") or {}).get("last_month")
        if stars is None or downloads is None:
            raise CommunityRefreshError(f"unexpected answer for {framework}: stars={stars}, downloads={downloads}")
        figures += [
            {"metric": "github_stars", "framework": framework, "value": stars, "unit": "stars", "as_of": today,
             "kind": "fetched", "source": f"GitHub REST API, {src['github']}", "url": repo_url},
            {"metric": "pypi_downloads_last_month", "framework": framework, "value": downloads, "unit": "downloads",
             "as_of": today, "kind": "fetched", "source": f"pypistats.org API, package '{src['pypi']}' (without mirrors)",
             "url": stats_url},
        ]
    return figures


def refresh(results_dir: str | Path | None = None, timeout: float = 10.0) -> tuple[Path, list[dict]]:
    figures = fetch(timeout)
    path = refreshed_path(results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(path.read_text()).get("figures", []) if path.exists() else []
    keep = [f for f in previous if f.get("as_of") != figures[0]["as_of"]]  # one refresh per day is kept
    path.write_text(json.dumps({"figures": keep + figures}, indent=1))
    return path, figures
