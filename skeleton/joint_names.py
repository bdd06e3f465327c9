"""Map the joints of common rigs to H36M-17 by name.

Handles CMU-style BVH names (Hips, LeftUpLeg, LeftLeg, LeftFoot, Spine, Spine1, Neck, Neck1,
Head, LeftShoulder, LeftArm, LeftForeArm, LeftHand), Mixamo (the same names behind a
"mixamorig:" / "mixamorig1:" prefix, plus Spine2 and HeadTop_End), 3ds Max Biped
("Bip01 L Thigh"), generic names ("l_hip", "left_knee", "hip_l", "R.Wrist", "pelvis",
"thorax", "nose", "head_top", ...) and the exact H36M JOINT_NAMES.

Matching ignores case, a namespace prefix ("mixamorig:", "Armature|") and the separators
_ - space and . . The traps in mocap rigs that the rules below encode:

* "LeftUpLeg" is the hip, "LeftLeg" the knee and "LeftFoot" the ankle;
* "LeftArm" is the shoulder and "LeftForeArm" the elbow, while "LeftShoulder" in such a rig
  is the clavicle; "left_shoulder" is the shoulder only when no upper-arm joint exists;
* "LHipJoint" (CMU) sits at the pelvis, so it is the hip only when nothing better exists;
* in CMU / Mixamo "Neck" is the base of the neck (H36M thorax), "Head" the base of the skull
  (about nose height, H36M neck/nose) and the head's end site / HeadTop_End the H36M head.

Where a joint has no source of its own it is derived: pelvis = mean of the hips,
thorax = mean of the shoulders, spine = mean(pelvis, thorax), neck/nose = mean(thorax, head).
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np

from .errors import PoseDataError
from .h36m import (
    HEAD, JOINT_NAMES, L_ANKLE, L_ELBOW, L_HIP, L_KNEE, L_SHOULDER, L_WRIST, NECK_NOSE,
    NUM_JOINTS, PELVIS, R_ANKLE, R_ELBOW, R_HIP, R_KNEE, R_SHOULDER, R_WRIST, SPINE, THORAX,
)

# Body-part words per sided joint, best first (a rig with "LeftUpperArm" and "LeftShoulder"
# is a Unity-style rig whose LeftShoulder is the clavicle). Side words go before or after.
_LIMB_PARTS: dict[tuple[int, int], tuple[str, ...]] = {
    (L_HIP, R_HIP): ("hip", "upleg", "upperleg", "thigh", "hipjoint"),
    (L_KNEE, R_KNEE): ("knee", "leg", "lowleg", "lowerleg", "calf", "shin"),
    (L_ANKLE, R_ANKLE): ("ankle", "foot"),
    (L_SHOULDER, R_SHOULDER): ("upperarm", "uparm", "arm", "shoulder"),
    (L_ELBOW, R_ELBOW): ("elbow", "forearm", "lowarm", "lowerarm"),
    (L_WRIST, R_WRIST): ("wrist", "hand"),
}
_SIDES = (("left", "l"), ("right", "r"))

_PELVIS = ("pelvis", "hips", "hip", "hipscenter", "midhip", "spinebase", "root")
_THORAX = ("thorax", "neckbase", "spineshoulder", "upperchest", "chest", "neck")
_NOSE = ("necknose", "nose")
_HEAD_TOP = ("headtop", "headtopend", "tophead", "topofhead")
# motion/bvh.py names an End Site "<joint>_End"; 3ds Max writes "Head Nub".
_HEAD_END = ("headend", "headnub", "headsite", "headendsite")
_SPINE_CHAIN = re.compile(r"spine(\d*)")
_OTHER_SPINE = ("spinemid", "torso", "abdomen")


def normalize_name(name: str) -> str:
    """Lower case, without a namespace ("mixamorig:"), a Biped "Bip01" prefix or separators."""
    name = re.split(r"[:|]", str(name))[-1].lower()
    name = re.sub(r"[\s_.\-]", "", name)
    return re.sub(r"^bip0*1", "", name) or name


def h36m_weights_from_names(names: Sequence[str], source: str = "") -> np.ndarray:
    """Weights W [17,J] with h36m_joints = W @ source_joints; every row sums to 1.

    A row with one 1 copies a source joint; rows with several entries average (derived
    joints). Raises PoseDataError naming the H36M joints that could not be found and the
    names given; `source` (a file name) prefixes the message.
    """
    keys = [normalize_name(n) for n in names]
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        index.setdefault(k, i)  # a repeated name: the first one wins
    used: set[int] = set()
    rows: dict[int, np.ndarray] = {}

    def take(candidates: Sequence[str]) -> Optional[int]:
        for key in candidates:
            i = index.get(key)
            if i is not None and i not in used:
                return i
        return None

    def assign(joint: int, i: Optional[int]) -> bool:
        if i is None:
            return False
        used.add(i)
        rows[joint] = np.zeros(len(keys))
        rows[joint][i] = 1.0
        return True

    def derive(joint: int, *parts: int) -> None:
        if joint not in rows and all(p in rows for p in parts):
            rows[joint] = sum(rows[p] for p in parts) / len(parts)

    # Sided limbs first so "hip" alone can only mean the pelvis afterwards.
    for joints, parts in _LIMB_PARTS.items():
        for joint, (long_side, short_side) in zip(joints, _SIDES):
            forms = [f for p in parts for s in (long_side, short_side) for f in (s + p, p + s)]
            assign(joint, take(forms))
    assign(PELVIS, take(_PELVIS))
    assign(THORAX, take(_THORAX))

    # Spine: the middle of a numbered chain (CMU Spine/Spine1 -> Spine, Mixamo
    # Spine/Spine1/Spine2 -> Spine1, UE spine_01..03 -> spine_02).
    chain = sorted(
        (int(m.group(1) or 0), i) for i, k in enumerate(keys)
        if (m := _SPINE_CHAIN.fullmatch(k)) and i not in used
    )
    assign(SPINE, chain[(len(chain) - 1) // 2][1] if chain else take(_OTHER_SPINE))

    # Head and nose: an explicit nose makes "head" the H36M head (top); otherwise a head top
    # (named, or the head's end site) is the H36M head and the "head" joint (skull base) the
    # nose, as in CMU and Mixamo rigs.
    has_nose = assign(NECK_NOSE, take(_NOSE))
    if not assign(HEAD, take(_HEAD_TOP)):
        assign(HEAD, take(("head",) + _HEAD_END) if has_nose else take(_HEAD_END + ("head",)))
    if not has_nose:
        assign(NECK_NOSE, take(("head", "neck")))

    derive(PELVIS, L_HIP, R_HIP)
    derive(THORAX, L_SHOULDER, R_SHOULDER)
    derive(SPINE, PELVIS, THORAX)
    derive(NECK_NOSE, THORAX, HEAD)

    missing = [JOINT_NAMES[j] for j in range(NUM_JOINTS) if j not in rows]
    if missing:
        where = f"{source}: " if source else ""
        raise PoseDataError(
            f"{where}cannot map the skeleton to H36M-17: found no joint for "
            f"{', '.join(missing)}; the joint names given were {list(map(str, names))}"
        )
    return np.stack([rows[j] for j in range(NUM_JOINTS)])


def h36m_sources_from_names(names: Sequence[str], source: str = "") -> list[tuple[int, ...]]:
    """For each of the 17 H36M joints, the indices into `names` of the joints that define it
    (one index, or several that h36m_weights_from_names averages)."""
    weights = h36m_weights_from_names(names, source)
    return [tuple(int(i) for i in np.flatnonzero(row)) for row in weights]


def map_to_h36m(positions: np.ndarray, names: Sequence[str], source: str = "") -> np.ndarray:
    """Source joint positions [...,J,3] -> H36M-17 positions [...,17,3]."""
    positions = np.asarray(positions, dtype=np.float64)
    if positions.shape[-2] != len(names):
        raise PoseDataError(
            f"{source + ': ' if source else ''}{positions.shape[-2]} joints but "
            f"{len(names)} joint names"
        )
    return np.einsum("kj,...jd->...kd", h36m_weights_from_names(names, source), positions)
