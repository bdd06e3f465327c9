"""Real mocap: the DeepMimic humanoid clips that ship with pybullet (pybullet_data).

A clip file (data/motions/humanoid3d_<name>.txt) is JSON: {"Loop": ..., "Frames": [[...], ...]},
each frame row = duration (s), root position (3, metres), root rotation (quaternion w,x,y,z),
then the local joint rotations in the URDF's joint order: chest, neck, right hip, right knee,
right ankle, right shoulder, right elbow, left hip, left knee, left ankle, left shoulder, left
elbow (spherical joints as w,x,y,z quaternions, knees and elbows as one angle about z): 44
numbers. The skeleton is humanoid/humanoid.urdf, whose offsets are in DeepMimic's units:
pybullet's own DeepMimic environment loads it with globalScaling=0.25, so we do too.

The source frame is y up, the humanoid faces +x and its right side is +z. We rotate it into the
suite's world (motion/clip.py: z up, floor z = 0, facing +x, left +y).

H36M-17 from the 15 DeepMimic bodies: pelvis, hips, knees, ankles, shoulders, elbows and wrists
are the URDF joints of the same name (the root link's origin is the pelvis, midway between the
hips); spine is the chest joint (at the waist, about halfway up the trunk, where H36M puts it);
thorax is the neck joint (the base of the neck, between the shoulders). The nose and head use
the suite's face convention (shared with the synthetic body): in the neck link frame (x forward,
y up) the nose is 0.15 m up and 0.10 m forward (the front of the head sphere, radius 0.1025 m
centred 0.175 m up), and the head (mid-eyes, what 2D detectors give) 0.04 m above and 0.02 m
behind the nose.

Contact labels come from the URDF's collision shapes (the body DeepMimic simulates): a foot is
on the ground when the lowest corner of its box is within CONTACT_HEIGHT of the floor, and
`other_contact` marks frames where any other shape (hands in a cartwheel, the back in a roll,
knees in a crawl) is; flight is neither.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from ..skeleton import h36m as H
from ..skeleton.errors import PoseDataError
from .clip import Y_UP_TO_Z_UP, MotionClip
from .rotations import quat_to_matrix, slerp

URDF_SCALE = 0.25  # pybullet's DeepMimic env: loadURDF("humanoid/humanoid.urdf", globalScaling=0.25)
MOTION_COLUMNS = 44
# m: a collision shape whose lowest point is this close to the floor touches it. The mocap's
# soles hover 1-3 cm above or sink 2-6 cm below the floor while planted, so the threshold is
# the spec's 5 cm contact height, applied to the simulated body's surface.
CONTACT_HEIGHT = 0.05

# Joints whose rotations the motion rows carry, in row order, with their degrees of freedom.
MOTION_JOINTS: tuple[tuple[str, int], ...] = (
    ("chest", 4), ("neck", 4),
    ("right_hip", 4), ("right_knee", 1), ("right_ankle", 4), ("right_shoulder", 4), ("right_elbow", 1),
    ("left_hip", 4), ("left_knee", 1), ("left_ankle", 4), ("left_shoulder", 4), ("left_elbow", 1),
)

# H36M joint -> URDF joint whose world position it takes.
H36M_FROM_URDF: dict[int, str] = {
    H.PELVIS: "root",
    H.R_HIP: "right_hip", H.R_KNEE: "right_knee", H.R_ANKLE: "right_ankle",
    H.L_HIP: "left_hip", H.L_KNEE: "left_knee", H.L_ANKLE: "left_ankle",
    H.SPINE: "chest", H.THORAX: "neck",
    H.L_SHOULDER: "left_shoulder", H.L_ELBOW: "left_elbow", H.L_WRIST: "left_wrist",
    H.R_SHOULDER: "right_shoulder", H.R_ELBOW: "right_elbow", H.R_WRIST: "right_wrist",
}
# Face points in the neck link frame (metres, x forward, y up, z right).
NOSE_IN_NECK = np.array([0.10, 0.15, 0.0])
HEAD_IN_NECK = np.array([0.08, 0.19, 0.0])

# Evaluation split (spec section 4 / issue F2): fixed, and the only place it is written down.
HELD_OUT_CLIPS: tuple[str, ...] = ("backflip", "cartwheel", "spinkick", "dance_b")
ALL_CLIPS: tuple[str, ...] = (
    "backflip", "cartwheel", "crawl", "dance_a", "dance_b", "getup_facedown", "getup_faceup",
    "jump", "kick", "punch", "roll", "run", "spin", "spinkick", "walk",
)
TRAIN_CLIPS: tuple[str, ...] = tuple(c for c in ALL_CLIPS if c not in HELD_OUT_CLIPS)


def pybullet_data_dir() -> Path:
    """The pybullet_data folder of the installed pybullet (no import of pybullet itself)."""
    try:
        import pybullet_data
    except ImportError as exc:  # pragma: no cover - pybullet is in the pinned stack
        raise PoseDataError(
            "the DeepMimic clips come with pybullet: install pybullet==3.2.7 (pip install pybullet)"
        ) from exc
    return Path(pybullet_data.getDataPath())


def clip_path(name: str, data_dir: Optional[Path] = None) -> Path:
    """Path of humanoid3d_<name>.txt."""
    base = pybullet_data_dir() if data_dir is None else Path(data_dir)
    return base / "data" / "motions" / f"humanoid3d_{name}.txt"


# --------------------------------------------------------------------------- rotations

def _rot_z(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(angle), np.ones_like(angle)
    return np.stack([np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1),
                     np.stack([zero, zero, one], -1)], -2)


# --------------------------------------------------------------------------- skeleton

@dataclass(frozen=True)
class UrdfJoint:
    name: str
    parent: str  # parent joint name ("" for the root)
    offset: np.ndarray  # [3] metres (scaled), from the parent joint's frame origin
    kind: str  # "spherical", "revolute", "fixed"


@dataclass(frozen=True)
class CollisionShape:
    """A link's collision shape in its joint frame (metres): a capsule between two points
    with a radius (a sphere when the points coincide), or a box given by its 8 corners."""

    link: str
    points: np.ndarray  # [2,3] capsule/sphere segment ends, or [8,3] box corners
    radius: float  # 0 for a box


@lru_cache(maxsize=4)
def load_humanoid_skeleton(
    urdf_path: Optional[str] = None,
) -> tuple[tuple[UrdfJoint, ...], tuple[CollisionShape, ...]]:
    """Joint tree of humanoid.urdf (in file order, parents first) and every link's collision
    shape, scaled to metres. Each link takes the name of the joint that moves it."""
    path = Path(urdf_path) if urdf_path else pybullet_data_dir() / "humanoid" / "humanoid.urdf"
    try:
        # The shipped file ends in NUL padding, which XML parsers reject.
        root = ET.fromstring(path.read_bytes().rstrip(b"\x00\r\n\t "))
    except (OSError, ET.ParseError) as exc:
        raise PoseDataError(f"{path}: cannot read the DeepMimic humanoid URDF ({exc})") from exc

    def _floats(element: ET.Element, key: str) -> np.ndarray:
        return np.array([float(v) for v in element.attrib[key].split()])

    link_parent_joint: dict[str, str] = {}
    joints: list[UrdfJoint] = []
    for element in root.findall("joint"):
        name = element.attrib["name"]
        parent_link = element.find("parent").attrib["link"]
        child_link = element.find("child").attrib["link"]
        parent = "" if parent_link == "base" else link_parent_joint[parent_link]
        offset = _floats(element.find("origin"), "xyz") * URDF_SCALE
        joints.append(UrdfJoint(name, parent, offset, element.attrib["type"]))
        link_parent_joint[child_link] = name

    shapes: list[CollisionShape] = []
    for link in root.findall("link"):
        collision = link.find("collision")
        if collision is None or link.attrib["name"] not in link_parent_joint:
            continue
        centre = _floats(collision.find("origin"), "xyz") * URDF_SCALE
        roll = _floats(collision.find("origin"), "rpy")[0]
        geometry = collision.find("geometry")
        name = link_parent_joint[link.attrib["name"]]
        if (g := geometry.find("sphere")) is not None:
            shapes.append(CollisionShape(name, np.stack([centre, centre]), float(g.attrib["radius"]) * URDF_SCALE))
        elif (g := geometry.find("capsule")) is not None:
            # URDF capsules lie along z; every capsule here is rolled by -90 deg about x,
            # which turns that axis onto y (the bone direction).
            axis = np.array([0.0, -np.sin(roll), np.cos(roll)])
            half = float(g.attrib["length"]) * URDF_SCALE / 2
            ends = np.stack([centre - half * axis, centre + half * axis])
            if name.endswith("_knee"):
                # The shank capsule reaches down past the ankle, so it grazes the floor
                # whenever the foot is planted; only its knee end says "kneeling".
                ends = ends[[np.argmin(np.linalg.norm(ends, axis=1))] * 2]
            shapes.append(CollisionShape(name, ends, float(g.attrib["radius"]) * URDF_SCALE))
        elif (g := geometry.find("box")) is not None:
            half = _floats(g, "size") * URDF_SCALE / 2
            signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
            shapes.append(CollisionShape(name, centre + signs * half, 0.0))
    return tuple(joints), tuple(shapes)


def forward_kinematics(frames: np.ndarray, urdf_path: Optional[str] = None) -> dict[str, np.ndarray]:
    """World transforms of every URDF joint in the source frame (y up).

    frames [T,44] motion rows. Returns {joint name: (position [T,3], rotation [T,3,3])}
    packed as {name: np.ndarray [T,3,4]} ([R | p] per frame).
    """
    joints, _ = load_humanoid_skeleton(urdf_path)
    local: dict[str, np.ndarray] = {}
    col = 8
    for name, dof in MOTION_JOINTS:
        values = frames[:, col:col + dof]
        local[name] = quat_to_matrix(values) if dof == 4 else _rot_z(values[:, 0])
        col += dof
    world: dict[str, np.ndarray] = {}
    for joint in joints:
        if joint.parent == "":
            rot = quat_to_matrix(frames[:, 4:8])
            pos = frames[:, 1:4] + joint.offset
        else:
            parent = world[joint.parent]
            pos = parent[:, :, 3] + parent[:, :, :3] @ joint.offset
            rot = parent[:, :, :3]
        if joint.name in local:
            rot = rot @ local[joint.name]
        world[joint.name] = np.concatenate([rot, pos[:, :, None]], axis=2)
    return world


# --------------------------------------------------------------------------- file reading

def read_motion_file(path: Union[str, Path]) -> tuple[np.ndarray, dict]:
    """Parse a DeepMimic motion file. Returns (frames [T,44] float64, the JSON object)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise PoseDataError(f"{path}: no such DeepMimic motion file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoseDataError(f"{path}: not a readable DeepMimic motion file ({exc})") from exc
    rows = data.get("Frames") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise PoseDataError(f"{path}: no 'Frames' list (a DeepMimic motion file has one)")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != MOTION_COLUMNS:
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise PoseDataError(
                f"{path}: frame {i} has {got} values, a humanoid3d frame has {MOTION_COLUMNS}"
            )
    try:
        frames = np.array(rows, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PoseDataError(f"{path}: frames hold non-numeric values ({exc})") from exc
    if not np.isfinite(frames).all():
        raise PoseDataError(f"{path}: frames hold NaN or inf")
    if len(frames) < 2:
        raise PoseDataError(f"{path}: a clip needs at least 2 frames, found {len(frames)}")
    if (frames[:-1, 0] <= 0).any():
        bad = int(np.argmax(frames[:-1, 0] <= 0))
        raise PoseDataError(f"{path}: frame {bad} has a non-positive duration {frames[bad, 0]}")
    return frames, data


def _resample_uniform(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """Frames at uniform time steps of the clip's median duration.

    Every clip but one is uniform already (roll has one doubled frame). Resampling happens in
    joint-parameter space (positions linear, quaternions slerp) so bones keep their lengths.
    """
    durations = frames[:-1, 0]
    dt = float(np.median(durations))
    if abs(1.0 / dt - round(1.0 / dt)) < 1e-4 * round(1.0 / dt):
        dt = 1.0 / round(1.0 / dt)  # files print 1/60 s as 0.016666: the rate is 60 fps
    if np.allclose(durations, dt, rtol=1e-3, atol=0):
        return frames, 1.0 / dt
    times = np.concatenate([[0.0], np.cumsum(durations)])
    new_times = np.arange(0.0, times[-1] + 1e-9, dt)
    idx = np.clip(np.searchsorted(times, new_times, side="right") - 1, 0, len(frames) - 2)
    u = (new_times - times[idx]) / (times[idx + 1] - times[idx])
    a, b = frames[idx], frames[idx + 1]
    out = a + (b - a) * u[:, None]  # linear for positions and 1-dof angles
    col = 8
    out[:, 4:8] = slerp(a[:, 4:8], b[:, 4:8], u)
    for _, dof in MOTION_JOINTS:
        if dof == 4:
            out[:, col:col + 4] = slerp(a[:, col:col + 4], b[:, col:col + 4], u)
        col += dof
    out[:, 0] = dt
    return out, 1.0 / dt


def load_deepmimic_clip(
    name_or_path: Union[str, Path], data_dir: Optional[Path] = None
) -> MotionClip:
    """A DeepMimic clip as a world-frame H36M-17 MotionClip (z up, metres, floor z = 0).

    name_or_path: a clip name ("backflip") or a path to a humanoid3d_*.txt file.
    extras: "sole_height" [T,2] (left, right) lowest foot-box corner above the floor and
    "body_lowest" [T] the lowest point of every other collision shape, in metres.
    """
    text = str(name_or_path)
    if text in ALL_CLIPS:
        path, name = clip_path(text, data_dir), text
    else:
        path = Path(name_or_path)
        name = path.stem.removeprefix("humanoid3d_")
    frames, _ = read_motion_file(path)
    frames, fps = _resample_uniform(frames)
    world = forward_kinematics(frames)
    t_len = len(frames)

    joints = np.zeros((t_len, H.NUM_JOINTS, 3))
    for index, urdf_name in H36M_FROM_URDF.items():
        joints[:, index] = world[urdf_name][:, :, 3]
    neck = world["neck"]
    joints[:, H.NECK_NOSE] = neck[:, :, 3] + neck[:, :, :3] @ NOSE_IN_NECK
    joints[:, H.HEAD] = neck[:, :, 3] + neck[:, :, :3] @ HEAD_IN_NECK

    # Lowest point of every collision shape above the floor (y up in the source frame).
    _, shapes = load_humanoid_skeleton()
    lowest: dict[str, np.ndarray] = {}
    for shape in shapes:
        frame = world[shape.link]
        points = frame[:, None, :, 3] + np.einsum("tij,cj->tci", frame[:, :, :3], shape.points)
        height = points[..., 1].min(axis=1) - shape.radius
        lowest[shape.link] = np.minimum(lowest.get(shape.link, np.inf), height)
    sole = np.stack([lowest["left_ankle"], lowest["right_ankle"]], axis=1)  # MotionClip order
    others = np.min([h for link, h in lowest.items() if not link.endswith("_ankle")], axis=0)

    joints = joints @ Y_UP_TO_Z_UP.T
    return MotionClip(
        joints=joints,
        fps=fps,
        contacts=sole < CONTACT_HEIGHT,
        other_contact=others < CONTACT_HEIGHT,
        name=name,
        source=f"deepmimic:{path.name}",
        family=name,
        extras={"sole_height": sole, "body_lowest": others},
    )


def load_split(split: str, data_dir: Optional[Path] = None) -> list[MotionClip]:
    """All clips of a split: "train" (11 clips), "eval" (the 4 held-out clips) or "all"."""
    names: Sequence[str] = {"train": TRAIN_CLIPS, "eval": HELD_OUT_CLIPS, "all": ALL_CLIPS}.get(split, ())
    if not names:
        raise ValueError(f"unknown split {split!r}; choose 'train', 'eval' or 'all'")
    return [load_deepmimic_clip(n, data_dir) for n in names]
