"""Community figures: a packaged data file of dated, sourced figures as published, and a refresh
from the public GitHub, PyPI-stats and PyPI APIs that adds current figures from those that answer.
Which repositories and packages stand for a framework is in its registry entry (``community``).

Each figure carries ``as_of`` (its date), ``kind`` ("published", "fetched" or "not refreshed") and
``series`` (one source and method: figures are compared over time only within a series). Figures
with ``"role": "article"`` are those of the article's time, kept as the claims' "then" values and
shown as history: never the scored evidence. Per metric and framework the newest dated figure wins;
a refreshed figure replaces a published one only when it is newer."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

from dlarena import frameworks
from dlarena.evidence import parse_date

GITHUB_API = "https://api.github.com"
PYPISTATS_API = "https://pypistats.org/api"
PYPI_API = "https://pypi.org/pypi"
REFRESHED_FILE = "community.json"
LABELS = {
    "github_stars": "GitHub stars",
    "paper_implementations_pct": "share of paper implementations (%)",
    "research_implementations_pct": "share of AI research implementations (%)",
    "developer_survey_pct": "developer survey share (%)",
    "pypi_downloads_last_month": "PyPI downloads, last month",
    "pypi_releases_last_year": "PyPI releases, last 365 days",
}
# Shown, never scored: more releases is activity, not quality.
UNSCORED = {"pypi_releases_last_year"}
ARTICLE = "article"  # a figure's "role": the article's time, history only
# The series a fetched figure belongs to (one source and method per series).
SERIES = {"github_stars": "github-stargazers", "pypi_downloads_last_month": "pypistats-last-month-without-mirrors",
          "pypi_releases_last_year": "pypi-json-releases"}


def sources(framework: str) -> dict[str, list[str]]:
    """Where a framework's figures come from when refreshed (its registry entry):
    {"github": ["owner/repo", ...], "pypi": ["package", ...]}; the first of each is its headline."""
    out: dict[str, list[str]] = {}
    for kind, name in frameworks.info(framework).community:
        out.setdefault(kind, []).append(name)
    return out


def with_sources(selected=None) -> list[str]:
    return [fw for fw in (selected if selected is not None else frameworks.FRAMEWORKS)
            if fw in frameworks.FRAMEWORKS and frameworks.FRAMEWORKS[fw].community]


def metric_name(base: str, names: list[str], name: str) -> str:
    """``github_stars`` for the headline repo, ``github_stars:google/flax`` for a further one."""
    return base if name == names[0] else f"{base}:{name}"


def label(metric: str) -> str:
    base, _, subject = metric.partition(":")
    return LABELS.get(base, base) + (f" ({subject})" if subject else "")


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


def is_article(figure: dict) -> bool:
    """A figure of the article's time (its "then" value): shown as history, never scored."""
    return figure.get("role") == ARTICLE


def newer(figure: dict, than: dict | None) -> bool:
    """``figure`` is dated strictly later than ``than`` (a figure without a date is never newer), so a
    refreshed figure replaces a published one of the same metric only when it is newer."""
    when = parse_date(figure.get("as_of"))
    if than is None:
        return True
    before = parse_date(than.get("as_of"))
    return when is not None and (before is None or when > before)


def latest(figures: list[dict], framework: str) -> dict[str, dict]:
    """Per metric, the newest current (not the article's) figure with a value for this framework."""
    out: dict[str, dict] = {}
    for f in figures:
        if f["framework"] != framework or f.get("value") is None or is_article(f):
            continue
        if newer(f, out.get(f["metric"])):
            out[f["metric"]] = f
    return out


def _get_json(url: str, timeout: float) -> dict:
    request = urllib.request.Request(url, headers={"User-Agent": "dlarena", "Accept": "application/json"})
    host = url.split("/")[2]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode())
    except urllib.error.HTTPError as exc:
        raise CommunityRefreshError(f"{host} answered HTTP {exc.code} for {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unreachable(host, f"cannot reach {host} ({reason}); offline?") from None
    except json.JSONDecodeError:
        raise CommunityRefreshError(f"unexpected answer from {url} (not JSON)") from None


class Unreachable(CommunityRefreshError):
    def __init__(self, host: str, message: str):
        super().__init__(message)
        self.host = host


def _stars(api: str, repo: str, timeout: float) -> tuple[float, str, str]:
    url = f"{api}/repos/{repo}"
    return _get_json(url, timeout).get("stargazers_count"), f"GitHub REST API, {repo}", url


def _downloads(api: str, package: str, timeout: float) -> tuple[float, str, str]:
    url = f"{api}/packages/{package}/recent"
    value = (_get_json(url, timeout).get("data") or {}).get("last_month")
    return value, f"pypistats.org API, package '{package}' (without mirrors)", url


def _releases(api: str, package: str, timeout: float) -> tuple[float, str, str]:
    url = f"{api}/{package}/json"
    year_ago = (datetime.now(timezone.utc) - timedelta(days=365)).isoformat()
    releases = _get_json(url, timeout).get("releases")
    if releases is None:
        return None, "", url
    first_upload = [min(f["upload_time_iso_8601"] for f in files) for files in releases.values() if files]
    return (sum(t >= year_ago for t in first_upload), f"PyPI JSON API, package '{package}' (versions first uploaded "
            "in the last 365 days)", url)


# source kind -> (metric, unit, fetcher, environment variable overriding the API, default API)
FETCHERS = {
    "github": [("github_stars", "stars", _stars, "DLARENA_GITHUB_API", GITHUB_API)],
    "pypi": [("pypi_downloads_last_month", "downloads", _downloads, "DLARENA_PYPISTATS_API", PYPISTATS_API),
             ("pypi_releases_last_year", "releases", _releases, "DLARENA_PYPI_API", PYPI_API)],
}


def fetch(timeout: float = 10.0, selected=None, today: date | None = None) -> tuple[list[dict], list[str]]:
    """Current figures from every source that answers, dated ``today`` (kind "fetched"), and one line
    per figure that could not be fetched; raises CommunityRefreshError when no source answers (offline)."""
    today = (today or date.today()).isoformat()
    figures, failures, unreachable, first_error = [], [], {}, None
    for framework in with_sources(selected):
        for kind, names in sources(framework).items():
            for metric, unit, fetcher, env, default in FETCHERS[kind]:
                api = os.environ.get(env, default)
                for name in names:
                    host = api.split("/")[2]
                    what = f"{framework} {label(metric_name(metric, names, name))}"
                    if host in unreachable:  # one wait per dead host, not one per figure
                        failures.append(f"{what}: {unreachable[host]}")
                        continue
                    try:
                        value, source, url = fetcher(api, name, timeout)
                        if value is None:
                            raise CommunityRefreshError(f"unexpected answer from {url} (no {metric})")
                    except CommunityRefreshError as exc:
                        if isinstance(exc, Unreachable):
                            unreachable[exc.host] = str(exc)
                        first_error = first_error or str(exc)
                        failures.append(f"{what}: {exc}")
                        continue
                    figures.append({"metric": metric_name(metric, names, name), "framework": framework, "value": value,
                                    "unit": unit, "as_of": today, "kind": "fetched", "series": SERIES[metric], "source": source,
                                    "url": url})
    if not figures:
        raise CommunityRefreshError(f"{first_error or 'no framework has community sources'}. The stored figures are unchanged.")
    return figures, failures


def refresh(results_dir: str | Path | None = None, timeout: float = 10.0,
            today: date | None = None) -> tuple[Path, list[dict], list[str]]:
    figures, failures = fetch(timeout, today=today)
    path = refreshed_path(results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(path.read_text()).get("figures", []) if path.exists() else []
    keep = [f for f in previous if f.get("as_of") != figures[0]["as_of"]]  # one refresh per day is kept
    path.write_text(json.dumps({"figures": keep + figures}, indent=1))
    return path, figures, failures
