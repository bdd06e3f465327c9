"""Re-estimating a lifted 3D sequence with trained PhysNet weights.

Pose3DSequence (camera frame, root-relative joints + root trajectory, i.e. S3D_dd) ->
Pose3DSequence S3D_pp in the same frame, plus a PhysicsReport (contacts, flight phases, COM).
The camera's elevation says where gravity points (physnet/frames.py); 0 = a level camera.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from ..modelfiles import load_safetensors_model
from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose3DSequence
from .config import PhysNetConfig
from .constraints import median_bone_lengths
from .frames import GravityFrame
from .model import PhysNet
from .report import PhysicsReport

FLIGHT_EXTRA = "physnet_flight"  # Pose3DSequence.extras key: the frames PhysNet marked as flight [T] bool

PACKAGE_WEIGHTS = Path(__file__).resolve().parent / "weights"
DEFAULT_NAME = "finephys_physnet"
SHIPPED_WEIGHTS = PACKAGE_WEIGHTS / f"{DEFAULT_NAME}.safetensors"


def load_physnet(weights: Union[str, Path], config: Optional[Union[str, Path]] = None) -> tuple[PhysNet, PhysNetConfig]:
    """PhysNet from <name>.safetensors and its <name>.json (beside it by default). Errors name
    the file and what is wrong (missing, not safetensors, another architecture)."""
    return load_safetensors_model(weights, config, "PhysNet", PhysNetConfig.from_json, PhysNet,
                                  lambda _, path: f"PhysNet as {path.name} describes it")


class PhysNetRunner:
    """S3D_dd -> (S3D_pp, PhysicsReport)."""

    def __init__(self, model: PhysNet, config: PhysNetConfig, name: str = "physnet") -> None:
        self.model, self.config, self.name = model, config, name

    @classmethod
    def from_files(cls, weights: Union[str, Path]) -> "PhysNetRunner":
        model, config = load_physnet(weights)
        return cls(model, config, Path(weights).stem)

    @classmethod
    def default(cls) -> "PhysNetRunner":
        return cls.from_files(SHIPPED_WEIGHTS)

    def reestimate(self, pose3d: Pose3DSequence, elevation_deg: float = 0.0) -> tuple[Pose3DSequence, PhysicsReport]:
        if pose3d.num_frames < 3:
            raise PoseDataError(f"PhysNet needs at least 3 frames (the Verlet update looks at "
                                f"t-1, t, t+1); this sequence has {pose3d.num_frames}")
        if not pose3d.has_trajectory:
            raise PoseDataError("PhysNet needs a root trajectory (gravity acts on the body's path): "
                                "use a 3D sequence from FinePhys ICL Lift 3D, which estimates one")
        points = pose3d.global_joints()
        try:
            frame = GravityFrame.for_elevation(points, elevation_deg)
        except ValueError as exc:
            raise PoseDataError(str(exc)) from exc
        q = frame.to_gravity(points)
        lengths = median_bone_lengths(pose3d.joints.astype(np.float64), pose3d.confidence)
        # The rollout is hundreds of tiny sequential ops: splitting each over threads only adds
        # synchronisation (measured: 832 vs 243 frames/s with 1 vs 2 threads on a busy 2-core box).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                out = self.model(torch.from_numpy(q).float()[None], torch.tensor([1.0 / pose3d.fps]),
                                 torch.from_numpy(lengths).float()[None])
        finally:
            torch.set_num_threads(threads)
        pose_g = out.pose[0].double().numpy()
        pose_cam = frame.to_camera(pose_g)
        root = pose_cam[:, 0]
        result = Pose3DSequence(joints=pose_cam - root[:, None], fps=pose3d.fps, root=root,
                                confidence=pose3d.confidence, source=f"{self.name}: {pose3d.source}",
                                extras=dict(pose3d.extras))
        probs = torch.sigmoid(out.contact_logits).reshape(2, -1, 3).mean(0).numpy()
        flight = out.flight[0].numpy() > 0.5
        result.extras[FLIGHT_EXTRA] = flight  # for Fuse & Project's flight law
        report = PhysicsReport.build(q, pose_g, probs, flight, pose3d.fps, elevation_deg)
        return result, report
