"""Import this repository as the package `finephys`, the way ComfyUI imports a node folder
(whatever the folder is called), so scripts and tests use the same relative imports."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_DIR = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "finephys"


def sports2d_demo_video() -> Path:
    """The Sports2D package's demo video (a gymnast's flip; installed by scripts/bootstrap.sh),
    the real video the demo and the benchmarks use."""
    spec = importlib.util.find_spec("Sports2D")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the sports2d package is not installed: run scripts/bootstrap.sh")
    return Path(list(spec.submodule_search_locations)[0]) / "Demo" / "demo.mp4"


def load_package() -> ModuleType:
    if PACKAGE_NAME in sys.modules:
        return sys.modules[PACKAGE_NAME]
    spec = importlib.util.spec_from_file_location(
        PACKAGE_NAME, REPO_DIR / "__init__.py", submodule_search_locations=[str(REPO_DIR)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE_NAME] = module
    spec.loader.exec_module(module)
    return module
