"""The 3D half of the pipeline as one estimator: lift (S3D_dd) -> PhysNet (S3D_pp) -> fuse.
Used by FinePhys-Bench and by scripts; the nodes run the same steps one by one."""
from __future__ import annotations

from ..skeleton.sequence import Pose2DSequence, Pose3DSequence
from .fuse import fuse
from .inference import PhysNetRunner

OUTPUTS = ("physics", "fused")


class LiftAndReestimate:
    """Pose2DSequence -> Pose3DSequence. The camera's elevation (degrees, looking down) tells
    PhysNet where gravity points; FinePhys-Bench passes each case's (evaluation/protocol.py)."""

    uses_camera_elevation = True

    def __init__(self, lifter, runner: PhysNetRunner, output: str = "fused", weight: float = 0.5,
                 rigid_bones: bool = False, data_band_s: float = 0.0, flight_law: bool = False,
                 physics_detail: float = 1.0, flight_ramp_s: float = 0.0) -> None:
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        self.lifter, self.runner, self.output, self.weight = lifter, runner, output, weight
        self.fusion = dict(rigid_bones=rigid_bones, data_band_s=data_band_s, flight_law=flight_law,
                           physics_detail=physics_detail, flight_ramp_s=flight_ramp_s)

    def __call__(self, pose2d: Pose2DSequence, elevation_deg: float = 0.0) -> Pose3DSequence:
        data = self.lifter(pose2d)
        physics, _ = self.runner.reestimate(data, elevation_deg)
        return physics if self.output == "physics" else fuse(data, physics, self.weight, **self.fusion)
