"""Shared test data and helpers (importable from any test: tests/ is on sys.path)."""
import json
from pathlib import Path

import numpy as np

from finephys.skeleton.h36m import NUM_JOINTS

# A standing H36M-17 pose in metres, world axes (x right, y forward, z up), pelvis at 1 m,
# ankles 4 cm above the floor (in contact), as in the DeepMimic clips.
STANDING_POSE = np.array([
    [0.00, 0.0, 1.00], [-0.12, 0.0, 1.00], [-0.12, 0.0, 0.55], [-0.12, 0.0, 0.04],
    [0.12, 0.0, 1.00], [0.12, 0.0, 0.55], [0.12, 0.0, 0.04],
    [0.00, 0.0, 1.25], [0.00, 0.0, 1.50], [0.00, -0.05, 1.62], [0.00, 0.0, 1.75],
    [0.18, 0.0, 1.48], [0.18, 0.0, 1.20], [0.18, 0.0, 0.95],
    [-0.18, 0.0, 1.48], [-0.18, 0.0, 1.20], [-0.18, 0.0, 0.95],
])
assert STANDING_POSE.shape == (NUM_JOINTS, 3)


def rotation_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


REPO_DIR = Path(__file__).resolve().parent.parent


def load_workflow(name: str) -> dict:
    """An API-format workflow shipped in workflows/api/."""
    return json.loads((REPO_DIR / "workflows" / "api" / name).read_text())


def strip_meta(prompt: dict) -> dict:
    """An API prompt without the editor's titles (`_meta`), for comparing prompts."""
    return {k: {"class_type": v["class_type"], "inputs": v["inputs"]} for k, v in prompt.items()}
