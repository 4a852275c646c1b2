"""The guidance catalog: what each reminder asks the person to do, and which document says so.

The catalog is data (``config/guidance.toml``) so wording can change without code. It is
checked on load, because a reminder that points at a missing entry, or cites nothing,
would break the promise that every reminder says why and where it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from posturewatch.errors import PostureWatchError

KINDS = (
    "movement", "stretch", "exercise", "posture", "setup", "breathing", "habit", "relief",
    "safety",
)
# Seed documents are named <3 digits>_<16 hex digits>.txt; only the names ship with us.
SOURCE_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
_REQUIRED = ("id", "title", "kind", "steps", "duration", "why", "brief", "cautions", "sources")
_OPTIONAL = ("hold_s", "from_documents", "note", "where")
PLACES = ("desk", "standing", "floor")  # where an entry can be done
AT_THE_DESK = frozenset(("desk", "standing"))  # what fits the working day
_NEEDS_WHERE = ("stretch", "exercise", "movement", "breathing")
_DOCUMENT_KEYS = frozenset(("title", "publisher", "date", "untitled"))
BRIEF_MAX = 120  # characters: a bubble says the brief and a few words of its own


class GuidanceError(PostureWatchError):
    """The catalog file is broken, or a guidance id is unknown."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    kind: str
    steps: tuple[str, ...]
    duration: str  # how long or how often, in words
    why: str
    cautions: tuple[str, ...]
    sources: tuple[str, ...]  # seed file names
    hold_s: float | None = None  # seconds per hold, for stretches
    from_documents: bool = True
    note: str = ""  # what we added beyond the documents
    brief: str = ""  # the why in one line, for a reminder's bubble
    where: tuple[str, ...] = ()  # of PLACES; empty: not a thing done somewhere

    def fits(self, places: frozenset[str]) -> bool:
        """Can it be done in one of ``places``?"""
        return bool(places.intersection(self.where))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "steps": list(self.steps),
            "duration": self.duration,
            "hold_s": self.hold_s,
            "why": self.why,
            "brief": self.brief,
            "where": list(self.where),
            "cautions": list(self.cautions),
            "sources": list(self.sources),
            "from_documents": self.from_documents,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Document:
    """A guidance document as a reader can look it up: the documents do not ship with us,
    so the file name we keep them under means nothing to anyone else."""

    file: str  # the seed file name: for developers (JSON, a page's small print)
    title: str
    publisher: str = ""  # who put it out, as the document names them; "" if it does not
    published: date | None = None
    untitled: bool = False  # the document has no title: ``title`` is our description

    def citation(self) -> str:
        """``Title — Publisher, 22 June 2023``, saying so where one is not known."""
        title = f"{self.title} (untitled; our description)" if self.untitled else self.title
        when = (f"{self.published.day} {self.published:%B %Y}" if self.published
                else "undated")
        return f"{title} — {self.publisher or 'publisher not named'}, {when}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "title": self.title, "publisher": self.publisher or None,
                "date": self.published.isoformat() if self.published else None,
                "untitled": self.untitled}


@dataclass(frozen=True)
class Catalog:
    entries: tuple[Entry, ...]
    documents: Mapping[str, Document] = field(default_factory=dict)  # by seed file name

    def document(self, name: str) -> dict[str, Any]:
        """A cited document as JSON shows it: file name, title, publisher, date."""
        return self.source(name).to_dict()

    def cite(self, name: str) -> str:
        """A cited document as a person reads it: title, publisher and date."""
        return self.source(name).citation()

    def title_of(self, name: str) -> str:
        return self.source(name).title

    def source(self, name: str) -> Document:
        try:
            return self.documents[name]
        except KeyError:
            raise GuidanceError(
                f"document {name} has no title in the catalog's [sources]", "add its title"
            ) from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    def get(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise GuidanceError(
            f"unknown guidance id {entry_id!r}", f"use one of: {', '.join(self.ids)}"
        )

    def of_kind(self, kind: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise GuidanceError(f"{where}: {key} must be non-empty text", "fix the catalog entry")
    return value.strip()


def _texts(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise GuidanceError(f"{where}: {key} must be a non-empty list", "fix the catalog entry")
    return tuple(_text(where, key, item) for item in value)


def _entry(origin: str, number: int, raw: Any) -> Entry:
    where = f"{origin}: entry {number}"
    if not isinstance(raw, dict):
        raise GuidanceError(f"{where} is not a table", "write each entry as [[entry]]")
    if isinstance(raw.get("id"), str):
        where = f"{origin}: entry {raw['id']!r}"
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise GuidanceError(f"{where} lacks {', '.join(missing)}", "add the missing fields")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise GuidanceError(
            f"{where} has unknown field {unknown[0]!r}", "remove it or fix its spelling"
        )
    kind = _text(where, "kind", raw["kind"])
    if kind not in KINDS:
        raise GuidanceError(
            f"{where}: kind {kind!r} is not known", f"use one of: {', '.join(KINDS)}"
        )
    sources = _texts(where, "sources", raw["sources"])
    for source in sources:
        if not SOURCE_NAME.match(source):
            raise GuidanceError(
                f"{where}: source {source!r} is not a seed file name",
                "cite documents by file name, like 002_cfa01021598e5606.txt",
            )
    hold = raw.get("hold_s")
    if hold is not None and (
        isinstance(hold, bool) or not isinstance(hold, (int, float)) or hold <= 0
    ):
        raise GuidanceError(
            f"{where}: hold_s must be a positive number of seconds", "write e.g. hold_s = 30"
        )
    if kind == "stretch" and hold is None:
        raise GuidanceError(f"{where}: a stretch needs hold_s", "add the hold time in seconds")
    from_documents = raw.get("from_documents", True)
    if not isinstance(from_documents, bool):
        raise GuidanceError(
            f"{where}: from_documents must be true or false", "write true or false, unquoted"
        )
    note = raw.get("note", "")
    brief = _text(where, "brief", raw["brief"])
    if len(brief) > BRIEF_MAX:
        raise GuidanceError(f"{where}: brief is {len(brief)} characters",
                            f"say it in at most {BRIEF_MAX}; the full why is in `why`")
    places = _texts(where, "where", raw["where"]) if "where" in raw else ()
    for place in places:
        if place not in PLACES:
            raise GuidanceError(f"{where}: where {place!r} is not known",
                                f"use any of: {', '.join(PLACES)}")
    if kind in _NEEDS_WHERE and not places:
        raise GuidanceError(f"{where}: a {kind} needs `where`",
                            f"say where it can be done: any of {', '.join(PLACES)}")
    return Entry(
        id=_text(where, "id", raw["id"]),
        title=_text(where, "title", raw["title"]),
        kind=kind,
        steps=_texts(where, "steps", raw["steps"]),
        duration=_text(where, "duration", raw["duration"]),
        why=_text(where, "why", raw["why"]),
        cautions=_texts(where, "cautions", raw["cautions"]),
        sources=sources,
        hold_s=None if hold is None else float(hold),
        from_documents=from_documents,
        note=_text(where, "note", note) if note else "",
        brief=brief,
        where=places,
    )


def _documents(origin: str, raw: Any) -> dict[str, Document]:
    """The [sources] table: seed file name -> its title, publisher and date."""
    if not isinstance(raw, dict):
        raise GuidanceError(f"{origin}: [sources] must be a table", "see the file's header")
    documents = {}
    for name, fields_ in raw.items():
        where = f"{origin}: [sources] {name}"
        if not SOURCE_NAME.match(name):
            raise GuidanceError(
                f"{origin}: [sources] {name!r} is not a seed file name",
                "name documents by file name, like 002_cfa01021598e5606.txt",
            )
        if not isinstance(fields_, dict) or set(fields_) - _DOCUMENT_KEYS:
            raise GuidanceError(
                f"{where} must be a table of {', '.join(sorted(_DOCUMENT_KEYS))}",
                'write e.g. { title = "...", publisher = "...", date = 2023-06-22 }',
            )
        published = fields_.get("date")
        if published is not None and (isinstance(published, datetime)
                                      or not isinstance(published, date)):
            raise GuidanceError(f"{where}: date must be a day such as 2023-06-22",
                                "write it without quotes or a time")
        publisher = fields_.get("publisher", "")
        documents[name] = Document(
            name, _text(where, "title", fields_.get("title")),
            _text(where, "publisher", publisher) if publisher else "", published,
            fields_.get("untitled", False) is True)
    return documents


def parse_catalog(data: Any, origin: str) -> Catalog:
    """A catalog from the parsed TOML of ``origin`` (named in errors); every entry checked,
    ids unique, every cited document titled."""
    extra = sorted(set(data) - {"entry", "sources"})
    if extra or not isinstance(data.get("entry"), list) or not data["entry"]:
        raise GuidanceError(
            f"{origin}: expected [[entry]] tables and a [sources] table", "see the file's header"
        )
    documents = _documents(origin, data.get("sources", {}))
    entries = tuple(_entry(origin, n, raw) for n, raw in enumerate(data["entry"], 1))
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise GuidanceError(
                f"{origin}: id {entry.id!r} appears twice", "give each entry its own id"
            )
        seen.add(entry.id)
    for entry in entries:
        for name in entry.sources:
            if name not in documents:
                raise GuidanceError(
                    f"{origin}: entry {entry.id!r} cites {name}, which has no title in [sources]",
                    "add the document's title to [sources]",
                )
    return Catalog(entries, documents)
