"""What a report is built from, below every criterion: a section (what a criterion contributes to
report.html and summary.md), number and Markdown formatting, HTML/Markdown fragments
(``fragments``), figures (``plots``) and safe file names (``files``)."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass


@dataclass
class Section:
    anchor: str
    title: str
    html: str  # an HTML fragment (trusted: built by dlarena from stored rows)
    markdown: str


def fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def md_text(value) -> str:
    """Text from the rows for Markdown: ``&``, ``<``, ``>`` escaped, so no row can put raw HTML
    into summary.md."""
    return html_lib.escape("" if value is None else str(value), quote=False)


def md_cell(value) -> str:
    """``md_text`` for a table cell: also ``|`` escaped and the text on one line."""
    return " ".join(md_text(value).replace("|", "\\|").split())


_TAG = re.compile(r"<(?!br\s*/?>)(?=[A-Za-z/!?])", re.IGNORECASE)


def md_section(markdown: str) -> str:
    """A criterion section's Markdown with every HTML tag but a line break neutralised (``<tag`` ->
    ``&lt;tag``; ``<br>`` kept: sections break lines inside table cells with it): row text inside
    it cannot become raw HTML, while Markdown's own ``>`` quotes still work."""
    return _TAG.sub("&lt;", markdown or "")


