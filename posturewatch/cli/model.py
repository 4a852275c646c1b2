"""``posturewatch model list | fetch | verify | path``: the pose model files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from posturewatch.capture.pose import PoseEstimator
from posturewatch.cli.parsing import add_action, add_command, json_option, path_arg
from posturewatch.core.typed_settings import Settings
from posturewatch.errors import ModelError
from posturewatch.storage import pose_model_files as models
from posturewatch.storage.config_file import load_settings

EPILOG = """examples:
  posturewatch model list                  variants, sizes, which are present and where
  posturewatch model fetch                 download the configured variant (default: full)
  posturewatch model fetch lite            download another variant
  posturewatch model fetch /media/usb/pose_landmarker_full.task   install a copy you carried over
  posturewatch model verify                check the model in use against its SHA-256
  posturewatch model verify full --model ~/Downloads/pose_landmarker_full.task
  posturewatch model path --json           where the model is, without downloading

each action has its own help: `posturewatch model fetch --help`

lookup order: --model PATH, model.path in the config, $POSTUREWATCH_MODEL_DIR,
the package's models/ directory, then the user cache (where downloads go).

environment:
  POSTUREWATCH_MODEL_DIR       a directory searched first for the model file
  POSTUREWATCH_MODEL_URL_BASE  download BASE/<file> from a mirror instead of the pinned
                               URL; the file must still match the pinned size and SHA-256
"""

ACTIONS = {
    "list": ("show each variant, its size, and whether and where it is", """examples:
  posturewatch model list                  * marks the variant in use (model.variant)
  posturewatch model list --json           with URLs, hashes and the folders searched
"""),
    "fetch": ("download and verify a variant (once), or install a copy of the file you have",
              """examples:
  posturewatch model fetch                 the configured variant (default: full)
  posturewatch model fetch heavy           another variant (lite, full or heavy)
  posturewatch model fetch ~/Downloads/pose_landmarker_full.task
                                           no internet here: install a copy you carried
                                           over, checked against the pinned SHA-256
  POSTUREWATCH_MODEL_URL_BASE=https://mirror.example.com/models posturewatch model fetch
                                           from your organisation's mirror, verified

The file goes to the user cache (~/.cache/posturewatch/models on Linux).
"""),
    "verify": ("check the resolved file's size and SHA-256", """examples:
  posturewatch model verify                the model in use
  posturewatch model verify lite           another variant
  posturewatch model verify full --model ~/Downloads/pose_landmarker_full.task
  posturewatch model verify --model mine.task   your own model: is it loadable?
"""),
    "path": ("print the resolved file, never downloading", """examples:
  posturewatch model path                  the file `run` and `analyze` will load
  posturewatch model path heavy --json
"""),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "model",
        help="list, download, verify and locate the pose model",
        description="The MediaPipe Pose Landmarker files posturewatch uses, pinned by "
        "version, size and SHA-256 in models/manifest.toml.",
        epilog=EPILOG,
    )
    common = json_option()
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument(
        "name", nargs="?", metavar="NAME", help="lite, full or heavy (default: model.variant)"
    )
    carried = argparse.ArgumentParser(add_help=False)
    carried.add_argument(
        "name", nargs="?", metavar="NAME|FILE",
        help="lite, full or heavy (default: model.variant), or a model file to install",
    )
    explicit = argparse.ArgumentParser(add_help=False)
    explicit.add_argument(
        "--model", type=path_arg, metavar="PATH", help="a .task file that wins over all else"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, parents, handler in (
        ("list", [common], _list),
        ("fetch", [carried, common], _fetch),
        ("verify", [named, explicit, common], _verify),
        ("path", [named, explicit, common], _print_path),
    ):
        summary, examples = ACTIONS[action]
        command = add_action(actions, action, help=summary, epilog=examples, parents=parents)
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
    config = load_settings(args.config)
    carried = _carried(args.name)
    spec = models.identify(carried) if carried else _spec(args, config)
    found = models.locate(spec)
    if found is not None and models.problem(found, spec) is None:
        path, written = found, False
    else:  # missing, or damaged: then the damaged copy is replaced where it lies
        target = found.parent if found else models.download_dir()
        path = models.fetch(spec, target, url=carried.resolve().as_uri() if carried else None)
        written = True
    if args.json:
        print(json.dumps({"name": spec.name, "path": str(path),
                          "downloaded": written and not carried,
                          "copied_from": str(carried) if written and carried else None,
                          "sha256": spec.sha256}))
    elif not written:
        print(f"already present and verified: {path}")
    else:
        print(f"{'copied' if carried else 'downloaded'} and verified: {path}")
    return 0


def _carried(name: str | None) -> Path | None:
    """The model file named instead of a variant (``model fetch FILE``), else None."""
    if name is None or name in models.load_manifest():
        return None
    path = Path(name).expanduser()
    if path.is_file():
        return path
    if path.suffix in (".task", ".tflite") or len(path.parts) > 1:
        raise ModelError(f"no model file at {path}", "check the path")
    return None  # an unknown variant name: refused by get_spec, naming the known ones


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
