"""Import the repository as the package `finephys`, the way ComfyUI imports it."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()

from fp_testing import STANDING_POSE  # noqa: E402


@pytest.fixture
def standing_pose() -> np.ndarray:
    return STANDING_POSE.copy()


@pytest.fixture
def repo_dir() -> Path:
    return REPO_DIR
