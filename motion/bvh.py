"""BVH motion files: reading, writing, forward kinematics, H36M-17 import and export.

Conventions (the Biovision ones that Blender, MotionBuilder and the CMU files use):

* A joint's local translation is its OFFSET plus its position channels; its local rotation is
  the product of its rotation channels in the order listed, angles in degrees:
  "Zrotation Xrotation Yrotation" gives R = Rz @ Rx @ Ry, and a child at offset o sits at
  p_joint + G_joint @ o with G_joint = G_parent @ R.
* An End Site is reported as a point named "<joint>_End".

Import (load_bvh_clip) maps the rig to H36M-17 by name (skeleton/joint_names.py), converts
to our world frame (z up, metres) and puts it on the floor with motion/ground.py. Units,
when scale="auto", come from the leg length (hip to knee to ankle, median over frames, mean
of both legs), which is 0.6-1.1 m for an adult: the first of metres, centimetres, inches,
CMU units (1/0.45 inch, the cgspeed CMU conversions) and millimetres that puts the leg in
that range is used, else the one that puts it nearest (in ratio) to 0.85 m.

Export (h36m_to_bvh) writes a Y-up file in METRES (Blender imports BVH units as they are,
so the figure comes in at real size with the default import scale 1.0), facing +Z with
the left side at +X, root "Hips" with 6 channels and every other joint "Zrotation Xrotation
Yrotation". Joint names read back as H36M: Hips, RightUpLeg, RightLeg, RightFoot, LeftUpLeg,
LeftLeg, LeftFoot, Spine, Neck (thorax), Head (neck/nose) whose End Site is the H36M head,
LeftArm, LeftForeArm, LeftHand, RightArm, RightForeArm, RightHand.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np

from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import (
    HEAD, L_ANKLE, L_ELBOW, L_HIP, L_KNEE, L_SHOULDER, L_WRIST, NECK_NOSE, NUM_JOINTS, PELVIS,
    R_ANKLE, R_ELBOW, R_HIP, R_KNEE, R_SHOULDER, R_WRIST, SPINE, THORAX,
)
from ..skeleton.joint_names import map_to_h36m
from .clip import Y_UP_TO_Z_UP, MotionClip
from .ground import UNIT_SCALES, to_z_up, world_clip

PathLike = Union[str, Path]

MAX_BVH_BYTES = 256 * 1024 * 1024
CHANNEL_NAMES = tuple(f"{a}{k}" for k in ("position", "rotation") for a in "XYZ")
_CHANNELS = {c.lower(): c for c in CHANNEL_NAMES}

LEG_RANGE = (0.6, 1.1)  # m: hip-to-ankle length of an adult
LEG_TYPICAL = 0.85  # m: the leg length "auto" aims for when no unit lands in LEG_RANGE
AUTO_UNITS = (("m", 1.0), ("cm", 0.01), ("in", 0.0254), ("cmu", 0.0254 / 0.45), ("mm", 0.001))


@dataclass(eq=False)
class BvhJoint:
    """One joint of the hierarchy. offset [3] and end_site [3] are in the file's units."""

    name: str
    parent: int  # index into Bvh.joints, -1 for a root
    offset: np.ndarray
    channels: tuple[str, ...] = ()
    end_site: Optional[np.ndarray] = None  # offset of the joint's End Site, if it has one


@dataclass(eq=False)
class Bvh:
    """A BVH file: joints in file order (parents first) and motion [F,C], where the C columns
    are every joint's channels in joint order."""

    joints: list[BvhJoint]
    frame_time: float
    motion: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        self.motion = np.asarray(self.motion, dtype=np.float64)
        if self.motion.ndim != 2 or self.motion.shape[1] != self.num_channels:
            raise PoseDataError(
                f"{self._where}: motion must have shape [F,{self.num_channels}], "
                f"got {list(self.motion.shape)}"
            )
        for j, joint in enumerate(self.joints):
            if not -1 <= joint.parent < j:
                raise PoseDataError(f"{self._where}: joint {joint.name!r} comes before its parent")

    @property
    def _where(self) -> str:
        return self.source or "BVH"

    @property
    def num_channels(self) -> int:
        return sum(len(j.channels) for j in self.joints)

    @property
    def num_frames(self) -> int:
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    def joint_names(self, end_sites: bool = False) -> list[str]:
        """Names of the points global_positions returns, in the same order."""
        names = [j.name for j in self.joints]
        if end_sites:
            names += [f"{j.name}_End" for j in self.joints if j.end_site is not None]
        return names

    def global_positions(self, end_sites: bool = False) -> np.ndarray:
        """Forward kinematics in the file's units and axes: [F,J,3], or [F,J+E,3] with the E
        end sites after the joints when `end_sites`."""
        frames = self.num_frames
        pos = np.zeros((frames, len(self.joints), 3))
        rot = np.zeros((frames, len(self.joints), 3, 3))
        ends = []
        col = 0
        for j, joint in enumerate(self.joints):
            values = self.motion[:, col: col + len(joint.channels)]
            col += len(joint.channels)
            local_t = np.tile(np.asarray(joint.offset, dtype=np.float64), (frames, 1))
            local_r = np.tile(np.eye(3), (frames, 1, 1))
            for k, channel in enumerate(joint.channels):
                axis = "XYZ".index(channel[0])
                if channel.endswith("position"):
                    local_t[:, axis] += values[:, k]
                else:
                    local_r = local_r @ _axis_rotation(axis, np.radians(values[:, k]))
            if joint.parent < 0:
                pos[:, j], rot[:, j] = local_t, local_r
            else:
                p = joint.parent
                pos[:, j] = pos[:, p] + np.einsum("fab,fb->fa", rot[:, p], local_t)
                rot[:, j] = rot[:, p] @ local_r
            if end_sites and joint.end_site is not None:
                ends.append(pos[:, j] + rot[:, j] @ np.asarray(joint.end_site, dtype=np.float64))
        return np.concatenate([pos, np.stack(ends, axis=1)], axis=1) if ends else pos


def _axis_rotation(axis: int, angle: np.ndarray) -> np.ndarray:
    """Right-handed rotations about x, y or z by `angle` [F] radians -> [F,3,3]."""
    c, s = np.cos(angle), np.sin(angle)
    r = np.zeros(angle.shape + (3, 3))
    i, k = [(1, 2), (2, 0), (0, 1)][axis]  # the plane the rotation turns, in positive order
    r[..., axis, axis] = 1.0
    r[..., i, i], r[..., i, k], r[..., k, i], r[..., k, k] = c, -s, s, c
    return r


# --------------------------------------------------------------------------------------------
# Parsing


class _Cursor:
    """Hierarchy tokens with their line numbers."""

    def __init__(self, lines: list[str], where: str):
        self.tokens = [(t, n) for n, line in enumerate(lines, 1) for t in line.split()]
        self.i = 0
        self.where = where
        self.last_line = len(lines)

    def fail(self, problem: str, line: Optional[int] = None) -> PoseDataError:
        line = self.line if line is None else line
        return PoseDataError(f"{self.where}: line {line}: {problem}")

    @property
    def line(self) -> int:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else self.last_line

    def peek(self) -> Optional[str]:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def next(self, what: str) -> str:
        if self.i >= len(self.tokens):
            raise self.fail(f"file ends where {what} was expected")
        self.i += 1
        return self.tokens[self.i - 1][0]

    def expect(self, word: str) -> None:
        line = self.line
        token = self.next(repr(word))
        if token.upper() != word.upper():
            raise self.fail(f"expected {word!r}, found {token!r}", line)

    def name(self) -> str:
        """A joint name: the rest of the keyword's line (names may hold spaces), minus '{'."""
        line = self.tokens[self.i - 1][1]  # the ROOT / JOINT keyword's line
        parts = []
        while self.i < len(self.tokens) and self.tokens[self.i][1] == line and self.peek() != "{":
            parts.append(self.next("a name"))
        if not parts:
            raise self.fail("joint without a name", line)
        return " ".join(parts)

    def numbers(self, count: int, what: str) -> np.ndarray:
        line = self.line
        values = [self.next(what) for _ in range(count)]
        try:
            out = np.array([float(v) for v in values])
        except ValueError:
            raise self.fail(f"{what} must be {count} numbers, found {values}", line) from None
        if not np.isfinite(out).all():
            raise self.fail(f"{what} holds a non-finite number: {values}", line)
        return out


def _parse_joint(cur: _Cursor, joints: list[BvhJoint], parent: int) -> None:
    opened = cur.line
    name = cur.name()
    cur.expect("{")
    index = len(joints)
    joint = BvhJoint(name=name, parent=parent, offset=np.zeros(3))
    joints.append(joint)
    has_offset = False
    while True:
        token = cur.peek()
        if token is None:
            raise cur.fail(f"unbalanced braces: joint {name!r} opened at line {opened} is never closed")
        line = cur.line
        cur.next("")
        keyword = token.upper()
        if keyword == "OFFSET":
            joint.offset, has_offset = cur.numbers(3, "OFFSET"), True
        elif keyword == "CHANNELS":
            count = cur.next("a channel count")
            if not count.isdigit():
                raise cur.fail(f"CHANNELS count must be a whole number, found {count!r}", line)
            channels = []
            for _ in range(int(count)):
                word = cur.next("a channel name")
                if word.lower() not in _CHANNELS:
                    raise cur.fail(
                        f"unknown channel name {word!r} (expected one of {', '.join(CHANNEL_NAMES)})"
                    )
                channels.append(_CHANNELS[word.lower()])
            joint.channels = tuple(channels)
        elif keyword == "JOINT":
            _parse_joint(cur, joints, index)
        elif keyword == "END":
            cur.expect("Site")
            cur.expect("{")
            cur.expect("OFFSET")
            if joint.end_site is not None:
                raise cur.fail(f"joint {name!r} has a second End Site", line)
            joint.end_site = cur.numbers(3, "End Site OFFSET")
            cur.expect("}")
        elif token == "}":
            if not has_offset:
                raise cur.fail(f"joint {name!r} has no OFFSET", opened)
            return
        else:
            raise cur.fail(f"unexpected {token!r} in joint {name!r}", line)


def parse_bvh(text: str, source: str = "") -> Bvh:
    """Parse BVH text. `source` (a file name) starts every error message."""
    where = source or "BVH text"
    lines = text.splitlines()
    motion_at = next((n for n, line in enumerate(lines) if line.split()[:1] == ["MOTION"]), None)
    if motion_at is None:
        if not text.strip():
            raise PoseDataError(f"{where}: file is empty")
        raise PoseDataError(f"{where}: no MOTION section (the file is truncated or not BVH)")

    cur = _Cursor(lines[:motion_at], where)
    cur.expect("HIERARCHY")
    joints: list[BvhJoint] = []
    while cur.peek() is not None:
        line = cur.line
        token = cur.next("ROOT")
        if token.upper() != "ROOT":
            what = "unbalanced braces: extra '}'" if token == "}" else f"expected ROOT, found {token!r}"
            raise cur.fail(what, line)
        _parse_joint(cur, joints, -1)
    if not joints:
        raise PoseDataError(f"{where}: the HIERARCHY holds no ROOT joint")
    num_channels = sum(len(j.channels) for j in joints)

    # MOTION header: "Frames: N" and "Frame Time: t" on the next non-blank lines.
    body = [(n, line) for n, line in enumerate(lines[motion_at + 1:], motion_at + 2) if line.strip()]
    header = {}
    for key, pattern in (("frames", r"frames\s*:\s*(\S*)"), ("frame time", r"frame\s+time\s*:\s*(\S*)")):
        if not body:
            raise PoseDataError(f"{where}: MOTION section ends before '{key.title()}:'")
        n, line = body.pop(0)
        match = re.fullmatch(pattern, line.strip(), flags=re.IGNORECASE)
        if match is None:
            raise PoseDataError(
                f"{where}: line {n}: expected '{key.title()}: <number>', found {line.strip()!r}"
            )
        header[key] = (n, match.group(1))
    n, frames_text = header["frames"]
    if not frames_text.isdigit():
        raise PoseDataError(f"{where}: line {n}: Frames must be a whole number, found {frames_text!r}")
    frames = int(frames_text)
    n, time_text = header["frame time"]
    try:
        frame_time = float(time_text)
    except ValueError:
        raise PoseDataError(f"{where}: line {n}: Frame Time must be a number, found {time_text!r}") from None
    if not (np.isfinite(frame_time) and frame_time > 0):
        raise PoseDataError(f"{where}: line {n}: Frame Time must be positive, found {time_text!r}")

    if len(body) != frames:
        raise PoseDataError(
            f"{where}: Frames says {frames} but the file holds {len(body)} frame lines"
            + (" (truncated?)" if len(body) < frames else "")
        )
    rows = [line.split() for _, line in body]
    for (n, _), row in zip(body, rows):
        if len(row) != num_channels:
            raise PoseDataError(
                f"{where}: line {n}: {len(row)} values, but the hierarchy has {num_channels} channels"
            )
    try:
        motion = np.array([v for row in rows for v in row], dtype=np.float64)
    except ValueError:
        for (n, _), row in zip(body, rows):
            for v in row:
                try:
                    float(v)
                except ValueError:
                    raise PoseDataError(f"{where}: line {n}: {v!r} is not a number") from None
        raise
    if not np.isfinite(motion).all():
        bad = int(np.flatnonzero(~np.isfinite(motion))[0]) // max(num_channels, 1)
        raise PoseDataError(f"{where}: line {body[bad][0]}: non-finite value (nan or inf)")
    return Bvh(joints, frame_time, motion.reshape(frames, num_channels), source=source)


def read_bvh(path: PathLike) -> Bvh:
    """Read and parse a BVH file; errors name the file (and the line)."""
    path = Path(path)
    if path.stat().st_size > MAX_BVH_BYTES:
        raise PoseDataError(f"{path.name}: file is larger than {MAX_BVH_BYTES >> 20} MB")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # old exporters write names in a local code page
    return parse_bvh(text, source=path.name)


# --------------------------------------------------------------------------------------------
# Writing


def format_bvh(bvh: Bvh, decimals: int = 6) -> str:
    """BVH text of `bvh`, numbers with `decimals` decimals (tabs indent, joints depth first)."""
    children: dict[int, list[int]] = {}
    for j, joint in enumerate(bvh.joints):
        children.setdefault(joint.parent, []).append(j)
    starts = np.cumsum([0] + [len(j.channels) for j in bvh.joints])
    num = f"{{:.{decimals}f}}"
    out = ["HIERARCHY"]
    order: list[int] = []  # joints in written order, which is the order of the motion columns

    def vec(v) -> str:
        return " ".join(num.format(float(x) + 0.0) for x in v)  # + 0.0: no "-0.000000"

    def emit(j: int, depth: int) -> None:
        joint, pad = bvh.joints[j], "\t" * depth
        order.append(j)
        out.append(f"{pad}{'ROOT' if joint.parent < 0 else 'JOINT'} {joint.name}")
        out.append(pad + "{")
        out.append(f"{pad}\tOFFSET {vec(joint.offset)}")
        out.append(f"{pad}\tCHANNELS {len(joint.channels)} {' '.join(joint.channels)}".rstrip())
        for c in children.get(j, []):
            emit(c, depth + 1)
        if joint.end_site is not None:
            out.extend([f"{pad}\tEnd Site", f"{pad}\t{{", f"{pad}\t\tOFFSET {vec(joint.end_site)}",
                        f"{pad}\t}}"])
        out.append(pad + "}")

    for root in children.get(-1, []):
        emit(root, 0)
    columns = np.concatenate([np.arange(starts[j], starts[j + 1]) for j in order]).astype(int)
    out += ["MOTION", f"Frames: {bvh.num_frames}", f"Frame Time: {bvh.frame_time:.10g}"]
    buffer = io.StringIO()
    np.savetxt(buffer, bvh.motion[:, columns].reshape(bvh.num_frames, -1), fmt=f"%.{decimals}f")
    return "\n".join(out) + "\n" + buffer.getvalue()


def write_bvh(path: PathLike, bvh: Bvh, decimals: int = 6) -> Path:
    """Write `bvh` to `path` (see format_bvh); returns the path."""
    path = Path(path)
    path.write_text(format_bvh(bvh, decimals), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# H36M-17 import


def _leg_length(joints: np.ndarray) -> float:
    """Median over frames of the mean hip-knee-ankle length of both legs. [F,17,3] -> float."""
    legs = [
        np.linalg.norm(joints[:, k] - joints[:, h], axis=-1)
        + np.linalg.norm(joints[:, a] - joints[:, k], axis=-1)
        for h, k, a in ((L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE))
    ]
    return float(np.median((legs[0] + legs[1]) / 2))


def resolve_scale(scale: Union[float, str], joints: np.ndarray, source: str = "") -> float:
    """Metres per file unit: a number, a unit name (m, cm, mm, in, cmu) or "auto" (by the leg
    length of the H36M joints [F,17,3], see the module docstring)."""
    where = source or "BVH"
    if isinstance(scale, str):
        key = scale.strip().lower()
        if key == "auto":
            leg = _leg_length(joints)
            if not leg > 0:
                raise PoseDataError(f"{where}: the legs have zero length; cannot guess the units")
            for _, factor in AUTO_UNITS:
                if LEG_RANGE[0] <= leg * factor <= LEG_RANGE[1]:
                    return factor
            return min((abs(np.log(leg * f / LEG_TYPICAL)), f) for _, f in AUTO_UNITS)[1]
        units = dict(UNIT_SCALES, cmu=AUTO_UNITS[3][1])
        if key not in units:
            raise PoseDataError(
                f"{where}: unknown scale {scale!r} (a number, 'auto' or one of {sorted(units)})"
            )
        return units[key]
    value = float(scale)
    if not (np.isfinite(value) and value > 0):
        raise PoseDataError(f"{where}: scale must be positive, got {scale!r}")
    return value


def _h36m_and_scale(bvh: Bvh, scale: Union[float, str], up_axis: str) -> tuple[np.ndarray, float]:
    where = bvh.source or "BVH"
    joints = map_to_h36m(bvh.global_positions(end_sites=True), bvh.joint_names(end_sites=True), where)
    factor = resolve_scale(scale, joints, where)
    return to_z_up(joints * factor, up_axis, where), factor


def bvh_to_h36m(bvh: Bvh, scale: Union[float, str] = "auto", up_axis: str = "y") -> np.ndarray:
    """H36M-17 joints of a BVH in our world axes and metres, without floor placement.
    -> [F,17,3]."""
    return _h36m_and_scale(bvh, scale, up_axis)[0]


def _snap_fps(fps: float) -> float:
    """Frame times are printed with few digits (0.033333): snap to a whole fps within 0.01%."""
    whole = round(fps)
    return float(whole) if whole > 0 and abs(fps - whole) <= 1e-4 * whole else fps


def load_bvh_clip(path: PathLike, scale: Union[float, str] = "auto", up_axis: str = "y") -> MotionClip:
    """A BVH file as a world-frame H36M-17 MotionClip (z up, metres, floor z = 0, contacts by
    motion/ground.py); fps = 1 / Frame Time, snapped to a whole number within 0.01%.
    extras["bvh_scale"] holds the metres per file unit used."""
    path = Path(path)
    bvh = read_bvh(path)
    if bvh.num_frames == 0:
        raise PoseDataError(f"{path.name}: the file holds no frames")
    joints, factor = _h36m_and_scale(bvh, scale, up_axis)
    return world_clip(joints, _snap_fps(bvh.fps), name=path.stem, source=str(path),
                      extras={"bvh_scale": factor})


# --------------------------------------------------------------------------------------------
# H36M-17 export

# (name, H36M joint, parent in this list): parents first. The H36M head is the Head's End Site.
EXPORT_JOINTS: tuple[tuple[str, int, int], ...] = (
    ("Hips", PELVIS, -1),
    ("RightUpLeg", R_HIP, 0), ("RightLeg", R_KNEE, 1), ("RightFoot", R_ANKLE, 2),
    ("LeftUpLeg", L_HIP, 0), ("LeftLeg", L_KNEE, 4), ("LeftFoot", L_ANKLE, 5),
    ("Spine", SPINE, 0), ("Neck", THORAX, 7), ("Head", NECK_NOSE, 8),
    ("LeftArm", L_SHOULDER, 8), ("LeftForeArm", L_ELBOW, 10), ("LeftHand", L_WRIST, 11),
    ("RightArm", R_SHOULDER, 8), ("RightForeArm", R_ELBOW, 13), ("RightHand", R_WRIST, 14),
)
_ONE_CHILD = {  # H36M joint -> (its one child, the child's rest direction in the Y-up file)
    R_HIP: (R_KNEE, (0, -1, 0)), R_KNEE: (R_ANKLE, (0, -1, 0)),
    L_HIP: (L_KNEE, (0, -1, 0)), L_KNEE: (L_ANKLE, (0, -1, 0)),
    SPINE: (THORAX, (0, 1, 0)), NECK_NOSE: (HEAD, (0, 1, 0)),
    L_SHOULDER: (L_ELBOW, (1, 0, 0)), L_ELBOW: (L_WRIST, (1, 0, 0)),
    R_SHOULDER: (R_ELBOW, (-1, 0, 0)), R_ELBOW: (R_WRIST, (-1, 0, 0)),
}
# (joint, left child, right child, up child): joints whose children fix a full rotation.
_BODY_FRAMES = ((PELVIS, L_HIP, R_HIP, SPINE), (THORAX, L_SHOULDER, R_SHOULDER, NECK_NOSE))
# Nominal end sites (m) so that Blender gives feet and hands a bone: feet forward, hands on.
_LEAF_END_SITES = {R_ANKLE: (0, 0, 0.12), L_ANKLE: (0, 0, 0.12), L_WRIST: (0.08, 0, 0),
                   R_WRIST: (-0.08, 0, 0)}
_ROTATION_CHANNELS = ("Zrotation", "Xrotation", "Yrotation")


def _unit(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm > 1e-12, norm, 1.0), norm[..., 0] > 1e-12


def body_frame(left: np.ndarray, right: np.ndarray, up: np.ndarray) -> np.ndarray:
    """[T,3,3] rotations whose columns are x = right-to-left, y = the `up` vector [T,3] made
    orthogonal to x, z = x cross y (forward)."""
    x, _ = _unit(left - right)
    y, _ = _unit(up - (up * x).sum(-1, keepdims=True) * x)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotations taking unit vectors a [T,3] to unit vectors b [T,3] -> [T,3,3]."""
    v, c = np.cross(a, b), (a * b).sum(-1)
    k = np.zeros(a.shape[:-1] + (3, 3))
    k[..., 0, 1], k[..., 0, 2], k[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    k = k - np.swapaxes(k, -1, -2)
    opposite = c < -1 + 1e-9
    out = np.eye(3) + k + k @ k / np.where(opposite, 1.0, 1 + c)[..., None, None]
    if opposite.any():  # half turn about any axis perpendicular to a
        aa = a[opposite]
        helper = np.eye(3)[np.argmin(np.abs(aa), axis=-1)]
        u, _ = _unit(np.cross(aa, helper))
        out[opposite] = 2 * u[:, :, None] * u[:, None, :] - np.eye(3)
    return out


def _euler_zxy(r: np.ndarray) -> np.ndarray:
    """Angles (z, x, y) in degrees with R = Rz @ Rx @ Ry. [T,3,3] -> [T,3]."""
    cos_x = np.hypot(r[..., 2, 0], r[..., 2, 2])
    x = np.arctan2(r[..., 2, 1], cos_x)
    z = np.arctan2(-r[..., 0, 1], r[..., 1, 1])
    y = np.arctan2(-r[..., 2, 0], r[..., 2, 2])
    lock = cos_x < 1e-9  # gimbal lock: y is free, put everything into z
    z = np.where(lock, np.arctan2(r[..., 1, 0], r[..., 0, 0]), z)
    y = np.where(lock, 0.0, y)
    return np.degrees(np.stack([z, x, y], axis=-1))


def h36m_to_bvh(joints: np.ndarray, fps: float) -> Bvh:
    """A Blender-ready BVH of an H36M-17 motion [T,17,3] (world, z up, metres); see the
    module docstring for the file's layout.

    Rest pose: a T-pose (legs down, arms out along X, spine and neck up) with the sequence's
    median bone lengths; the pelvis (hips + spine) and thorax (shoulders + neck) keep their
    median shape in a body frame. Rotations: full rotations for the pelvis and thorax from
    those body frames, the smallest (swing) rotation for joints with one child, none for the
    ankles and wrists. Motion with constant bone lengths and rigid pelvis/thorax shapes comes
    back exactly (to the file's 6 decimals) through FK.
    """
    world = np.asarray(joints, dtype=np.float64)
    if world.ndim != 3 or world.shape[1:] != (NUM_JOINTS, 3) or len(world) == 0:
        raise PoseDataError(f"BVH export: joints must have shape [T,17,3], got {list(world.shape)}")
    if not np.isfinite(world).all():
        raise PoseDataError("BVH export: joints hold NaN or inf")
    if not (np.isfinite(fps) and fps > 0):
        raise PoseDataError(f"BVH export: fps must be positive, got {fps}")
    p = world @ Y_UP_TO_Z_UP  # world = M @ file, so file rows = world rows @ M
    frames = len(p)

    rest: dict[int, np.ndarray] = {}  # H36M child -> rest offset from its parent (file axes)
    glob: dict[int, np.ndarray] = {}  # H36M joint -> [T,3,3] global rotation
    for joint, left, right, up in _BODY_FRAMES:
        frame = body_frame(p[:, left], p[:, right], p[:, up] - p[:, joint])
        glob[joint] = frame
        for child in (left, right, up):
            local = np.einsum("tba,tb->ta", frame, p[:, child] - p[:, joint])  # frame^T @ v
            rest[child] = np.median(local, axis=0)
    for joint, (child, direction) in _ONE_CHILD.items():
        length = np.median(np.linalg.norm(p[:, child] - p[:, joint], axis=-1))
        rest[child] = length * np.asarray(direction, dtype=np.float64)

    bvh_joints: list[BvhJoint] = []
    columns = [p[:, PELVIS]]
    for name, h, parent in EXPORT_JOINTS:
        parent_h = EXPORT_JOINTS[parent][1] if parent >= 0 else None
        parent_rot = glob[parent_h] if parent_h is not None else np.tile(np.eye(3), (frames, 1, 1))
        if h in _ONE_CHILD:
            child = _ONE_CHILD[h][0]
            a, _ = _unit(np.einsum("tab,b->ta", parent_rot, rest[child]))
            b, ok = _unit(p[:, child] - p[:, h])
            glob[h] = _swing(a, np.where(ok[:, None], b, a)) @ parent_rot
        elif h not in glob:  # ankles and wrists: no child to aim, keep the parent's rotation
            glob[h] = parent_rot
        local = np.swapaxes(parent_rot, -1, -2) @ glob[h]
        columns.append(_euler_zxy(local))
        end_site = rest[HEAD] if h == NECK_NOSE else _LEAF_END_SITES.get(h)
        bvh_joints.append(BvhJoint(
            name=name, parent=parent,
            offset=np.zeros(3) if parent < 0 else rest[h],
            channels=(("Xposition", "Yposition", "Zposition") if parent < 0 else ()) + _ROTATION_CHANNELS,
            end_site=None if end_site is None else np.asarray(end_site, dtype=np.float64),
        ))
    motion = np.concatenate(columns, axis=1)
    # Adding 360 degrees to any one Euler angle leaves the rotation as it is, so unwrapping each
    # channel is safe and spares Blender's curves the jumps at +-180.
    motion[:, 3:] = np.unwrap(motion[:, 3:], period=360.0, axis=0)
    return Bvh(bvh_joints, 1.0 / fps, motion, source="H36M export")


def save_h36m_bvh(path: PathLike, joints: np.ndarray, fps: float) -> Path:
    """Write an H36M-17 motion [T,17,3] (world, z up, metres) as a BVH file (metres, y up)."""
    return write_bvh(path, h36m_to_bvh(joints, fps))
