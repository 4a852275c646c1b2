"""``posturewatch model list | fetch | verify | path``: the pose model files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from posturewatch.capture.pose import PoseEstimator
from posturewatch.cli.parsing import add_command, add_global_options, path_arg
from posturewatch.core.typed_settings import Settings
from posturewatch.storage import pose_model_files as models
from posturewatch.storage.config_file import load_settings

EPILOG = """examples:
  posturewatch model list                  variants, sizes, which are present and where
  posturewatch model fetch                 download the configured variant (default: full)
  posturewatch model fetch lite            download another variant
  posturewatch model verify                check the model in use against its SHA-256
  posturewatch model verify full --model ~/Downloads/pose_landmarker_full.task
  posturewatch model path --json           where the model is, without downloading

lookup order: --model PATH, model.path in the config, $POSTUREWATCH_MODEL_DIR,
the package's models/ directory, then the user cache (where downloads go).

environment:
  POSTUREWATCH_MODEL_DIR       a directory searched first for the model file
  POSTUREWATCH_MODEL_URL_BASE  download BASE/<file> from a mirror instead of the pinned
                               URL; the file must still match the pinned size and SHA-256
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "model",
        help="list, download, verify and locate the pose model",
        description="The MediaPipe Pose Landmarker files posturewatch uses, pinned by "
        "version, size and SHA-256 in models/manifest.toml.",
        epilog=EPILOG,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument(
        "name", nargs="?", metavar="NAME", help="lite, full or heavy (default: model.variant)"
    )
    explicit = argparse.ArgumentParser(add_help=False)
    explicit.add_argument(
        "--model", type=path_arg, metavar="PATH", help="a .task file that wins over all else"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, parents, summary, handler in (
        ("list", [common], "show each variant, its size, and whether and where it is", _list),
        ("fetch", [named, common], "download and verify a variant (once)", _fetch),
        ("verify", [named, explicit, common], "check the resolved file's size and SHA-256",
         _verify),
        ("path", [named, explicit, common], "print the resolved file, never downloading",
         _print_path),
    ):
        command = actions.add_parser(action, parents=parents, help=summary,
                                     description=summary)
        add_global_options(command)
        command.set_defaults(func=handler)


def _spec(args: argparse.Namespace, config: Settings) -> models.ModelSpec:
    return models.get_spec(args.name or config.model.variant)


def _list(args: argparse.Namespace) -> int:
    config = load_settings(args.config)
    selected = config.model.variant
    rows = []
    for spec in models.load_manifest().values():
        found = models.locate(spec)
        problem = models.problem(found, spec) if found else None
        rows.append({
            "name": spec.name,
            "file": spec.file,
            "size": spec.size,
            "sha256": spec.sha256,
            "url": models.download_url(spec),
            "selected": spec.name == selected,
            "present": found is not None,
            "path": str(found) if found else None,
            "ok": problem is None if found else None,
            "problem": problem,
        })
    search = [str(d) for d in models.search_dirs()]
    override = config.model.path or None
    if args.json:
        print(json.dumps({"models": rows, "search_dirs": search, "model_path": override,
                          "download_dir": str(models.download_dir())}, indent=2))
        return 0
    for row in rows:
        status = "missing" if not row["present"] else "ok" if row["ok"] else "DAMAGED"
        mark = "*" if row["selected"] else " "
        print(f"{mark} {row['name']:<6} {row['size'] / 1e6:5.1f} MB  {status:<8} "
              f"{row['path'] or ''}".rstrip())
    print(f"searched, in order: {', '.join(search)}")
    if override:
        print(f"model.path in the config overrides these: {override}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    spec = _spec(args, load_settings(args.config))
    found = models.locate(spec)
    if found is not None and models.problem(found, spec) is None:
        path, downloaded = found, False
    else:  # missing, or damaged: then the damaged copy is replaced where it lies
        target = found.parent if found else models.download_dir()
        path, downloaded = models.fetch(spec, target), True
    if args.json:
        print(json.dumps({"name": spec.name, "path": str(path), "downloaded": downloaded,
                          "sha256": spec.sha256}))
    else:
        print(f"{'downloaded and verified' if downloaded else 'already present and verified'}:"
              f" {path}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    config = load_settings(args.config)
    path = models.resolve_model(config.model, args.model, variant=args.name, download=False)
    spec = models.spec_for(path)  # resolve_model has verified such a file already
    if spec is None and args.name:
        spec = models.get_spec(args.name)
        models.verify(path, spec)
    if spec is None:  # no hash to check against: at least it must load
        _check_loads(path, config)
    if args.json:
        print(json.dumps({"path": str(path), "verified": spec is not None, "loadable": True,
                          "name": spec.name if spec else None,
                          "sha256": spec.sha256 if spec else None}))
    elif spec:
        print(f"OK: {path} is the {spec.name} model ({spec.size:,} bytes, "
              f"SHA-256 {spec.sha256})")
    else:
        print(f"{path} loads as a pose model, but it is your own (not in the manifest), so "
              "it is unpinned: no hash to verify; name a variant to check it against that one")
    return 0


def _check_loads(path: Path, config: Settings) -> None:
    """Load ``path`` with MediaPipe and close it again; a ModelError if it does not load."""
    with PoseEstimator(path, config.pose, video=False):
        pass


def _print_path(args: argparse.Namespace) -> int:
    config = load_settings(args.config)
    path = models.resolve_model(config.model, args.model, variant=args.name, download=False)
    print(json.dumps({"path": str(path)}) if args.json else path)
    return 0
