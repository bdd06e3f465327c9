"""Helpers every node wrapper shares: where files may come from, error messages, progress."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

import folder_paths

from ..skeleton.errors import PoseDataError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PACKAGE_DIR / "samples"
SAMPLE_PREFIX = "[sample] "
MODEL_FOLDER = "finephys"
MODEL_EXTENSIONS = {".safetensors"}


def register_model_folder() -> None:
    """models/finephys, listed with .safetensors files only (never pickles)."""
    default = os.path.join(folder_paths.models_dir, MODEL_FOLDER)
    folder_paths.add_model_folder_path(MODEL_FOLDER, default)
    paths = folder_paths.folder_names_and_paths[MODEL_FOLDER][0]
    folder_paths.folder_names_and_paths[MODEL_FOLDER] = (paths, set(MODEL_EXTENSIONS))


def list_input_files(extensions: set[str], include_json_folders: bool = False) -> list[str]:
    """Files under ComfyUI's input folder with one of `extensions` (relative paths), folders
    holding .json files (with a trailing '/') when asked, then our shipped samples."""
    root = Path(folder_paths.get_input_directory())
    found: list[str] = []
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = Path(dirpath).relative_to(root)
            if include_json_folders and rel_dir != Path(".") and any(f.endswith(".json") for f in filenames):
                found.append(rel_dir.as_posix() + "/")
            for name in sorted(filenames):
                if Path(name).suffix.lower() in extensions:
                    found.append((rel_dir / name).as_posix())
    if SAMPLES_DIR.is_dir():
        found += [SAMPLE_PREFIX + p.name for p in sorted(SAMPLES_DIR.iterdir())
                  if p.suffix.lower() in extensions]
    return found


def default_weights_label(name: str) -> str:
    """The dropdown entry for a model shipped inside the package."""
    return f"[default] {name}"


def weight_choices(default_name: str, marker: str) -> list[str]:
    """The shipped model, then every <name>.safetensors in models/finephys with a <name>.json
    beside it whose name contains `marker` (so the lifter's list shows no PhysNet, and so on)."""
    found = [default_weights_label(default_name)]
    for name in folder_paths.get_filename_list(MODEL_FOLDER):
        path = folder_paths.get_full_path(MODEL_FOLDER, name)
        if path and Path(path).with_suffix(".json").is_file() and marker in Path(name).stem:
            found.append(name)
    return found


def weights_path(choice: str, default_name: str, package_dir: Path, what: str) -> Path:
    """The file a weights dropdown value names: the shipped one in package_dir, or one in
    models/finephys; a PoseDataError names the file and folder when it is missing."""
    if choice == default_weights_label(default_name):
        path = package_dir / f"{default_name}.safetensors"
        if not path.is_file():
            raise PoseDataError(f"the shipped {what} weights {path.name} are missing from {path.parent}")
        return path
    path = folder_paths.get_full_path(MODEL_FOLDER, choice)
    if path is None:
        raise PoseDataError(f"{choice!r} not found in models/{MODEL_FOLDER}/")
    return Path(path)


def output_file(node_name: str, filename_prefix: str, width: int, height: int, extension: str) -> tuple[Path, str, str]:
    """Where a node saves its next file in ComfyUI's output folder, numbered as SaveImage
    does: (path, file name, subfolder). ComfyUI refuses prefixes that leave the folder."""
    try:
        folder, name, counter, subfolder, _ = folder_paths.get_save_image_path(
            filename_prefix, folder_paths.get_output_directory(), width, height)
    except Exception as exc:
        raise ValueError(f"{node_name}: bad filename_prefix {filename_prefix!r} ({exc})") from None
    file = f"{name}_{counter:05}_.{extension}"
    return Path(folder) / file, file, subfolder


def resolve_input_path(choice: str) -> Path:
    """The file a dropdown value names, refusing anything outside the input folder or our
    samples folder."""
    if choice.startswith(SAMPLE_PREFIX):
        root, rel = SAMPLES_DIR, choice[len(SAMPLE_PREFIX):]
    else:
        root, rel = Path(folder_paths.get_input_directory()), choice
    root = root.resolve()
    path = (root / rel).resolve()
    if path != root and root not in path.parents:
        raise PoseDataError(f"{choice!r} is outside the allowed folder {root.name}/")
    if not path.exists():
        raise PoseDataError(f"{choice!r} not found in {root.name}/")
    return path


def file_fingerprint(path: Path) -> str:
    """Changes when a file, or any file in a folder, is modified."""
    files = sorted(path.glob("*")) if path.is_dir() else [path]
    stats = [(f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file()]
    return repr(stats)


def progress(total: int) -> Callable[[int], None]:
    """A per-item callback that advances ComfyUI's progress bar and stops on cancellation."""
    import comfy.model_management
    import comfy.utils

    bar = comfy.utils.ProgressBar(total)

    def step(_: int) -> None:
        comfy.model_management.throw_exception_if_processing_interrupted()
        bar.update(1)

    return step


def combo_errors(node_cls, **values: str) -> bool | str:
    """Check dropdown values against the node's schema.

    ComfyUI 0.3.75 does not check V3 Combo values against their options, so an API prompt
    could pass anything; nodes call this from `validate_inputs` (naming each combo input as an
    argument, which keeps ComfyUI's own min/max checks for the others)."""
    schema = node_cls.define_schema()
    options = {i.id: i.options for i in schema.inputs if getattr(i, "options", None) is not None}
    for name, value in values.items():
        if value not in options[name]:
            shown = options[name] if len(options[name]) <= 20 else f"{len(options[name])} options"
            return f"{name}: {value!r} is not one of {shown}"
    return True


def user_error(node_name: str, exc: PoseDataError) -> ValueError:
    """Turn a data error into a plain ValueError whose message names the node."""
    return ValueError(f"{node_name}: {exc}")


def optional_size(value: int) -> Optional[int]:
    return value if value > 0 else None
