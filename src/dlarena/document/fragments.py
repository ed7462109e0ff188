"""Small builders for report sections: the same table as an HTML fragment and as Markdown.
Plain strings are escaped; ``Markup`` values (links, images) pass through as HTML."""

from __future__ import annotations

import base64

from markupsafe import Markup, escape


def html_table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f'<th class="l">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="l">{escape(as_text(v))}</td>' for v in row) + "</tr>\n" for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}</table>\n"


def md_table(headers: list[str], rows: list[list]) -> str:
    clean = lambda v: as_text(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(clean(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def as_text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def para(text: str) -> str:
    return f"<p>{escape(text)}</p>\n"


def muted(text: str) -> str:
    return f'<p class="muted">{escape(text)}</p>\n'


def image(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">\n'


def cut(text: str | None, n: int = 160) -> str:
    if not text:
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"
