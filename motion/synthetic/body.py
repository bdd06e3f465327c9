"""The articulated body: sampled proportions and joint limits, forward kinematics, leg IK.

Body frame (pelvis at the origin): x forward, y to the body's left, z up. World joints are
  joints = root_position + root_rotation @ body_joints,
so every bone length is a sampled constant and never changes with the pose.

Joint angles are a vector of NUM_DOFS radians (see the DOF_* indices). Sign conventions:
flexion moves a limb (or the trunk, or the head) forward, abduction moves it away from the
midline, rotation is external rotation (knee / elbow crease turning outward), knee flexion
bends the shank backward, elbow flexion bends the forearm forward. Left and right use the same
numbers: the right side is the mirror image (y -> -y) of the left.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...skeleton import h36m as H

# ---- degrees of freedom -------------------------------------------------------------------
DOF_NAMES: tuple[str, ...] = (
    "trunk_flex", "trunk_lat", "trunk_twist",
    "neck_flex", "neck_lat", "neck_twist",
    "l_sh_flex", "l_sh_abd", "l_sh_rot", "l_elbow",
    "r_sh_flex", "r_sh_abd", "r_sh_rot", "r_elbow",
    "l_hip_flex", "l_hip_abd", "l_hip_rot", "l_knee",
    "r_hip_flex", "r_hip_abd", "r_hip_rot", "r_knee",
)
NUM_DOFS = len(DOF_NAMES)
TRUNK = slice(0, 3)
NECK = slice(3, 6)
ARM = {0: slice(6, 10), 1: slice(10, 14)}  # side 0 = left, 1 = right: (flex, abd, rot, elbow)
LEG = {0: slice(14, 18), 1: slice(18, 22)}  # (hip flex, hip abd, hip rot, knee)
SIDE_SIGN = {0: 1.0, 1: -1.0}  # y sign of a side in the body frame
ANKLES = (H.L_ANKLE, H.R_ANKLE)  # foot 0 = left, 1 = right: the order of MotionClip.contacts
HIPS = (H.L_HIP, H.R_HIP)

ANKLE_HEIGHT = 0.04  # m: ankle joint above the floor when the foot is flat (DeepMimic mocap)
REFERENCE_STATURE = 1.70  # m: the nominal segment lengths below are for this stature


# ---- rotations (batched over leading axes) -------------------------------------------------
def rot_x(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rot_y(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rot_z(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def euler_to_matrix(ypr: np.ndarray) -> np.ndarray:
    """Root orientation from (yaw, pitch, roll) [...,3]: R = Rz(yaw) Ry(pitch) Rx(roll).
    Positive pitch leans the body forward (its z axis towards its x axis)."""
    ypr = np.asarray(ypr, dtype=np.float64)
    return rot_z(ypr[..., 0]) @ rot_y(ypr[..., 1]) @ rot_x(ypr[..., 2])


def matrix_to_euler(R: np.ndarray) -> np.ndarray:
    """Inverse of euler_to_matrix (pitch in [-pi/2, pi/2]). [...,3,3] -> [...,3]."""
    yaw = np.arctan2(R[..., 1, 0], R[..., 0, 0])
    pitch = np.arcsin(np.clip(-R[..., 2, 0], -1.0, 1.0))
    roll = np.arctan2(R[..., 2, 1], R[..., 2, 2])
    return np.stack([yaw, pitch, roll], -1)


def _segment_rot(flex: np.ndarray, lat: np.ndarray, twist: np.ndarray) -> np.ndarray:
    """Trunk / neck rotation: twist about z, then flexion (forward) and lateral bend (left)."""
    return rot_z(twist) @ rot_y(flex) @ rot_x(-lat)


def _limb_rot(flex: np.ndarray, abd: np.ndarray, rot: np.ndarray, sign: float) -> np.ndarray:
    """Shoulder / hip rotation of a limb hanging along -z; sign = +1 left, -1 right."""
    return rot_y(-flex) @ rot_x(sign * abd) @ rot_z(sign * rot)


# ---- the body ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Body:
    """One sampled gymnast. Lengths in metres, limits [NUM_DOFS,2] in radians."""

    stature: float
    hip_offset: np.ndarray  # [3] left hip in the body frame (right: y mirrored)
    thigh: float
    shank: float
    lumbar: float  # pelvis -> spine
    thoracic: float  # spine -> thorax
    nose_offset: np.ndarray  # [3] thorax -> nose in the head frame
    head_offset: np.ndarray  # [3] nose -> head (mid-eyes) in the head frame
    shoulder_offset: np.ndarray  # [3] thorax -> left shoulder in the trunk frame
    upper_arm: float
    forearm: float
    limits: np.ndarray  # [NUM_DOFS,2]

    def as_dict(self) -> dict:
        """Plain-Python parameters for MotionClip.extras."""
        return {
            "stature": self.stature, "hip_offset": self.hip_offset.tolist(), "thigh": self.thigh,
            "shank": self.shank, "lumbar": self.lumbar, "thoracic": self.thoracic,
            "nose_offset": self.nose_offset.tolist(), "head_offset": self.head_offset.tolist(),
            "shoulder_offset": self.shoulder_offset.tolist(), "upper_arm": self.upper_arm,
            "forearm": self.forearm, "limits": self.limits.tolist(), "dof_names": list(DOF_NAMES),
        }

    def hip(self, side: int) -> np.ndarray:
        return self.hip_offset * np.array([1.0, SIDE_SIGN[side], 1.0])

    def leg_length(self, knee: float) -> float:
        """Hip-to-ankle distance for a knee flexion angle."""
        return float(np.sqrt(self.thigh**2 + self.shank**2 + 2 * self.thigh * self.shank * np.cos(knee)))

    def fk_body(self, angles: np.ndarray) -> np.ndarray:
        """Body-frame joints, pelvis at the origin. angles [...,NUM_DOFS] -> [...,17,3]."""
        a = np.asarray(angles, dtype=np.float64)
        out = np.zeros(a.shape[:-1] + (H.NUM_JOINTS, 3))
        down = np.array([0.0, 0.0, -1.0])
        # Trunk: half of the trunk rotation at the lumbar joint, half at the thoracic joint.
        half = _segment_rot(a[..., 0] / 2, a[..., 1] / 2, a[..., 2] / 2)
        trunk = half @ half
        out[..., H.SPINE, :] = half[..., :, 2] * self.lumbar
        out[..., H.THORAX, :] = out[..., H.SPINE, :] + trunk[..., :, 2] * self.thoracic
        head = trunk @ _segment_rot(a[..., 3], a[..., 4], a[..., 5])
        out[..., H.NECK_NOSE, :] = out[..., H.THORAX, :] + head @ self.nose_offset
        out[..., H.HEAD, :] = out[..., H.NECK_NOSE, :] + head @ self.head_offset
        for side, (sh, el, wr) in ((0, (H.L_SHOULDER, H.L_ELBOW, H.L_WRIST)),
                                   (1, (H.R_SHOULDER, H.R_ELBOW, H.R_WRIST))):
            s = SIDE_SIGN[side]
            arm = a[..., ARM[side]]
            off = self.shoulder_offset * np.array([1.0, s, 1.0])
            out[..., sh, :] = out[..., H.THORAX, :] + trunk @ off
            upper = trunk @ _limb_rot(arm[..., 0], arm[..., 1], arm[..., 2], s)
            out[..., el, :] = out[..., sh, :] + upper @ (down * self.upper_arm)
            lower = upper @ rot_y(-arm[..., 3])
            out[..., wr, :] = out[..., el, :] + lower @ (down * self.forearm)
        for side, (hp, kn, an) in ((0, (H.L_HIP, H.L_KNEE, H.L_ANKLE)),
                                   (1, (H.R_HIP, H.R_KNEE, H.R_ANKLE))):
            s = SIDE_SIGN[side]
            leg = a[..., LEG[side]]
            out[..., hp, :] = self.hip(side)
            thigh = _limb_rot(leg[..., 0], leg[..., 1], leg[..., 2], s)
            out[..., kn, :] = out[..., hp, :] + thigh @ (down * self.thigh)
            shank = thigh @ rot_y(leg[..., 3])
            out[..., an, :] = out[..., kn, :] + shank @ (down * self.shank)
        return out

    def fk(self, root: np.ndarray, rotation: np.ndarray, angles: np.ndarray) -> np.ndarray:
        """World joints: root [...,3], rotation [...,3,3], angles [...,NUM_DOFS] -> [...,17,3]."""
        local = self.fk_body(angles)
        return np.einsum("...ij,...kj->...ki", rotation, local) + np.asarray(root)[..., None, :]

    def leg_ik(
        self, side: int, root: np.ndarray, rotation: np.ndarray, ankle: np.ndarray,
        hip_rot: np.ndarray,
    ) -> np.ndarray:
        """Analytic two-bone IK: leg angles (hip flex, hip abd, hip rot, knee) [N,4] that put the
        ankle of `side` at the world point `ankle` [N,3] for the pelvis pose root [N,3],
        rotation [N,3,3], with the hip rotation given (hip_rot [N]: it fixes the swivel of the
        knee about the hip-ankle line). Unreachable targets give the straight leg (caller checks).
        """
        s = SIDE_SIGN[side]
        d = np.einsum("nji,nj->ni", rotation, ankle - root) - self.hip(side)
        d = d * np.array([1.0, s, 1.0])  # mirror the right leg onto the left
        dist2 = (d**2).sum(-1)
        l1, l2 = self.thigh, self.shank
        cos_k = np.clip((dist2 - l1**2 - l2**2) / (2 * l1 * l2), -1.0, 1.0)
        knee = np.arccos(cos_k)  # in [0, pi]: the shank always folds backward
        # Hip-to-ankle vector in the thigh's frame, then turned by the hip rotation.
        u = np.stack([-l2 * np.sin(knee), np.zeros_like(knee), -l1 - l2 * np.cos(knee)], -1)
        v = np.einsum("nij,nj->ni", rot_z(hip_rot), u)
        # Solve Ry(-f) Rx(a) v = d: the x row gives f, the (y, z) rows then give a.
        rho = np.sqrt(d[:, 0] ** 2 + d[:, 2] ** 2)
        beta = np.arctan2(d[:, 2], d[:, 0])
        flex = beta + np.arccos(np.clip(v[:, 0] / np.maximum(rho, 1e-12), -1.0, 1.0))
        flex = (flex + np.pi) % (2 * np.pi) - np.pi
        ez = -np.sin(flex) * d[:, 0] + np.cos(flex) * d[:, 2]
        abd = np.arctan2(ez, d[:, 1]) - np.arctan2(v[:, 2], v[:, 1])
        abd = (abd + np.pi) % (2 * np.pi) - np.pi
        return np.stack([flex, abd, np.asarray(hip_rot, dtype=np.float64) * np.ones_like(flex), knee], -1)


def _deg(lo: float, hi: float) -> tuple[float, float]:
    return np.radians(lo), np.radians(hi)


def sample_body(rng: np.random.Generator) -> Body:
    """A gymnast: stature 1.45-1.85 m, segments jittered +-3 %, widths +-8 %, and joint limits
    sampled within gymnast-flexible ranges (hips open to 120-170 deg for split leaps)."""
    stature = float(rng.uniform(1.45, 1.85))
    k = stature / REFERENCE_STATURE

    def seg(nominal: float, jitter: float = 0.03) -> float:
        return float(nominal * k * (1.0 + rng.uniform(-jitter, jitter)))

    hip_w, sh_w = seg(0.12, 0.08), seg(0.17, 0.08)
    # Face convention of the suite: nose ~0.15 m above and ~0.10 m in front of the thorax in the
    # head frame; mid-eyes ~0.04 m above and ~0.02 m behind the nose.
    nose = np.array([0.10, 0.0, 0.15]) * k * (1.0 + rng.uniform(-0.03, 0.03))
    head = np.array([-0.02, 0.0, 0.04]) * k
    lim = np.zeros((NUM_DOFS, 2))

    def put(name: str, lo: tuple[float, float], hi: tuple[float, float]) -> None:
        # lo/hi are ranges (deg) the lower / upper limit is drawn from.
        lim[DOF_NAMES.index(name)] = (np.radians(rng.uniform(*lo)), np.radians(rng.uniform(*hi)))

    put("trunk_flex", (-60, -35), (70, 100))
    put("trunk_lat", (-40, -25), (25, 40))
    put("trunk_twist", (-55, -35), (35, 55))
    put("neck_flex", (-60, -40), (45, 60))
    put("neck_lat", (-35, -25), (25, 35))
    put("neck_twist", (-80, -60), (60, 80))
    for side in "lr":
        put(f"{side}_sh_flex", (-70, -50), (175, 185))
        put(f"{side}_sh_abd", (-40, -25), (170, 185))
        put(f"{side}_sh_rot", (-90, -70), (70, 90))
        put(f"{side}_elbow", (0, 0), (140, 155))
        put(f"{side}_hip_flex", (-70, -45), (125, 170))
        put(f"{side}_hip_abd", (-35, -25), (70, 100))
        put(f"{side}_hip_rot", (-50, -35), (45, 60))
        put(f"{side}_knee", (0, 0), (140, 155))
    return Body(
        stature=stature,
        hip_offset=np.array([0.0, hip_w, -0.04 * k]),
        thigh=seg(0.43), shank=seg(0.43), lumbar=seg(0.22), thoracic=seg(0.24),
        nose_offset=nose, head_offset=head,
        shoulder_offset=np.array([0.0, sh_w, -0.03 * k]),
        upper_arm=seg(0.28), forearm=seg(0.25), limits=lim,
    )
