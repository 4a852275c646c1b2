"""``posturewatch guidance [ID]``: the exercises and tips the reminders point to."""

from __future__ import annotations

import argparse
import json
from typing import Any

from posturewatch.cli.parsing import add_command, path_arg
from posturewatch.core.guidance import Catalog, Entry, GuidanceError
from posturewatch.storage.catalog_file import load_catalog

EPILOG = """examples:
  posturewatch guidance                    every entry: id, kind, title
  posturewatch guidance wall_angel         steps, hold, cautions and sources of one entry
  posturewatch guidance --json             the whole catalog, machine-readable
  posturewatch guidance wall_angel --open  its guidance page in your browser
  posturewatch guidance seated_cat_cow --html page.html   (any id) the page, written to a file
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "guidance",
        help="print the exercise and tip catalog, or one entry",
        description="The guidance catalog: every exercise and tip the reminders use, in "
        "our words, with the documents it comes from.",
        epilog=EPILOG,
    )
    parser.add_argument("id", nargs="?", help="one entry's id (omit for the list)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--also", action="append", default=[], metavar="ID",
                        help="with --open or --html: another entry on the same page")
    parser.add_argument("--html", type=path_arg, metavar="FILE.html",
                        help="write the entry's guidance page (steps, cautions, sources, "
                        "warning signs) to FILE.html")
    parser.add_argument("--open", action="store_true",
                        help="open the entry's guidance page in your web browser")
    parser.set_defaults(func=run)


def _show(entry: Entry, catalog: Catalog) -> None:
    print(f"{entry.title}  [{entry.id}, {entry.kind}]")
    for number, step in enumerate(entry.steps, 1):
        print(f"  {number}. {step}")
    print(f"  how long: {entry.duration}")
    if entry.where:
        print(f"  where: {', '.join(entry.where)}")
    print(f"  why: {entry.why}")
    for caution in entry.cautions:
        print(f"  caution: {caution}")
    if entry.note:
        print(f"  note: {entry.note}")
    if not entry.from_documents:
        print("  not from the guidance documents")
    print("  sources:")
    for source in entry.sources:
        print(f"    {catalog.cite(source)}")


def _json(entry: Entry, catalog: Catalog) -> dict[str, Any]:
    return {**entry.to_dict(), "documents": [catalog.document(s) for s in entry.sources]}


def _page(args: argparse.Namespace, catalog: Catalog) -> int:
    from posturewatch.app import guidance_page
    from posturewatch.storage.atomic import check_writable

    if args.html:
        check_writable(args.html)
        guidance_page.write_page(args.id, catalog, also=args.also, path=args.html)
        print(f"guidance page written to {args.html}")
    if args.open:
        print(f"opened {guidance_page.open_page(args.id, catalog, also=args.also)}")
    return 0


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    if (args.html or args.open) and args.id is None:
        raise GuidanceError("--html and --open show one entry", "name its id, e.g. wall_angel")
    if args.id is not None:
        entry = catalog.get(args.id)  # unknown id: one-line error listing the valid ones
        for other in args.also:
            catalog.get(other)
        if args.html or args.open:
            return _page(args, catalog)
        if args.json:
            print(json.dumps(_json(entry, catalog), indent=2))
        else:
            _show(entry, catalog)
        return 0
    if args.json:
        print(json.dumps([_json(entry, catalog) for entry in catalog.entries], indent=2))
        return 0
    width = max(len(entry.id) for entry in catalog.entries)
    for entry in catalog.entries:
        print(f"{entry.id:<{width}}  {entry.kind:<9}  {entry.title}")
    print("\n`posturewatch guidance ID` shows one entry in full.")
    return 0
