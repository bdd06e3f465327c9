"""Custom socket types our nodes exchange. The Python objects behind them live in the core."""
from comfy_api.latest import io

Pose2D = io.Custom("FINEPHYS_POSE2D")  # skeleton.Pose2DSequence
Pose3D = io.Custom("FINEPHYS_POSE3D")  # skeleton.Pose3DSequence
PoseKeypoint = io.Custom("POSE_KEYPOINT")  # comfyui_controlnet_aux's OpenPose-18 JSON frames

CATEGORY = "FinePhys"
DemoBankType = io.Custom("FINEPHYS_DEMO_BANK")  # lifter.bank.DemoBank
PhysicsReportType = io.Custom("FINEPHYS_PHYSICS_REPORT")  # physnet.report.PhysicsReport
GuidanceType = io.Custom("FINEPHYS_GUIDANCE")  # adapters.guidance.HeatmapGuidance
