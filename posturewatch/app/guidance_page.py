"""A reminder's full guidance as a local HTML page: what a bubble has no room for.

The bubble says what to do and why in a line; its "Show me how" button opens this page in
the browser: the steps, how long, where it can be done, the cautions, what we added beyond
the documents, the documents it comes from (title, publisher and date; our copy's file
name in small print), any entry the reminder
also points to (water with a break, breathing with a stretch) and the warning signs that
need a professional. One self-contained file in the report's style: inline CSS, no
scripts, nothing loaded from anywhere. Pages are written to the user's cache folder
(``<cache>/posturewatch/guidance``), atomically, and opened with :mod:`webbrowser`.
"""

from __future__ import annotations

import html
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from posturewatch.app.page_style import CSS
from posturewatch.core.guidance import Catalog, Entry
from posturewatch.storage.atomic import write_atomic
from posturewatch.storage.paths import user_cache_dir

WARNING_SIGNS = "see_a_professional"
PLACE_WORDS = {"desk": "at your desk", "standing": "standing beside it", "floor": "on the floor"}

PAGE_CSS = """
ol.steps li { margin: 0 0 6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; }
ul.cautions li, ul.sources li { margin: 0 0 4px; }
small.file { font: 11px monospace; color: #888; margin-left: 6px; white-space: nowrap; }
section.warning { border-left: 4px solid #e15759; padding: 2px 0 2px 14px; margin-top: 24px; }
section.also { border-left: 4px solid #4e79a7; padding: 2px 0 2px 14px; margin-top: 24px; }
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _sources(entry: Entry, catalog: Catalog) -> str:
    return "\n".join(
        f"<li>{_esc(catalog.cite(name))} <small class=\"file\">our copy: {_esc(name)}</small></li>"
        for name in entry.sources)


def entry_html(entry: Entry, catalog: Catalog, *, level: int = 2) -> str:
    """One catalog entry as a block of HTML (``level``: its heading's level)."""
    steps = "\n".join(f"<li>{_esc(step)}</li>" for step in entry.steps)
    cautions = "\n".join(f"<li>{_esc(c)}</li>" for c in entry.cautions)
    facts = [("How long", entry.duration)]
    if entry.where:
        facts.append(("Where", ", ".join(PLACE_WORDS[p] for p in entry.where)))
    if entry.hold_s:
        facts.append(("Hold", f"about {entry.hold_s:g} seconds each time"))
    facts.append(("Why", entry.why))
    rows = "\n".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts)
    note = f'<p class="note">{_esc(entry.note)}</p>\n' if entry.note else ""
    h = f"h{level}"
    return f"""<{h}>{_esc(entry.title)}</{h}>
<ol class="steps">
{steps}
</ol>
<dl class="facts">
{rows}
</dl>
<{h}>Caution</{h}>
<ul class="cautions">
{cautions}
</ul>
{note}<p class="note">Sources:</p>
<ul class="sources">
{_sources(entry, catalog)}
</ul>"""


def warning_signs_html(catalog: Catalog, *, level: int = 2) -> str:
    """The signs that need a doctor rather than a stretch, as a section (the guidance pages
    and the report both show it)."""
    entry = catalog.get(WARNING_SIGNS)
    signs = "\n".join(f"<li>{_esc(step)}</li>" for step in entry.steps)
    h = f"h{level}"
    return f"""<section class="warning" id="warning-signs">
<{h}>{_esc(entry.title)}</{h}>
<p>{_esc(entry.why)} {_esc(entry.duration)}</p>
<ul>
{signs}
</ul>
<p class="note">{_esc(' '.join(entry.cautions))} Sources: {_esc('; '.join(
        catalog.cite(name) for name in entry.sources))}.</p>
</section>"""


def render(entry: Entry, catalog: Catalog, *, also: Sequence[Entry] = (),
           heading: str = "") -> str:
    """The whole page for ``entry`` (and the entries a reminder also points to)."""
    extra = "\n".join(
        f'<section class="also" id="also-{_esc(e.id)}">\n<p class="note">Also in this '
        f'reminder:</p>\n{entry_html(e, catalog)}\n</section>'
        for e in also)
    warning = "" if entry.id == WARNING_SIGNS else warning_signs_html(catalog)
    title = heading or entry.title
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>posturewatch: {_esc(title)}</title>
<style>{CSS}{PAGE_CSS}</style>
</head>
<body>
<main>
<p class="note">posturewatch guidance</p>
<section id="entry">
{entry_html(entry, catalog, level=1)}
</section>
{extra}
{warning}
</main>
</body>
</html>
"""


def pages_dir() -> Path:
    return user_cache_dir() / "guidance"


def write_page(entry_id: str, catalog: Catalog, *, also: Sequence[str] = (),
               path: Path | None = None) -> Path:
    """Write the page for ``entry_id`` (plus ``also``) to ``path`` (default: the cache
    folder, named after the entries) and return where it went."""
    entry = catalog.get(entry_id)
    extra = [catalog.get(e) for e in also if e != entry_id]
    if path is None:
        path = pages_dir() / ("-".join([entry_id, *(e.id for e in extra)]) + ".html")
    write_atomic(path, render(entry, catalog, also=extra))
    return path


def open_page(entry_id: str, catalog: Catalog, *, also: Sequence[str] = ()) -> Path:
    """Write the page and open it in the browser; returns where it is."""
    path = write_page(entry_id, catalog, also=also)
    webbrowser.open(path.resolve().as_uri())
    return path
