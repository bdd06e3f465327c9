"""Synthetic floor-exercise gymnastics with exact flight physics, deterministic from a seed.

generate_clip(family, seed) -> MotionClip; generate_dataset(count, seed) -> list of clips;
variety_report(clips) -> spread statistics. Modules: body (skeleton, limits, FK, leg IK),
curves (splines), ground (planted support phases), flight (ballistic COM, conserved angular
momentum), plan (joins), motions (the families), generate, report.
"""
from .generate import FAMILIES, generate_clip, generate_dataset, plan_clip
from .report import variety_report

__all__ = ["FAMILIES", "generate_clip", "generate_dataset", "plan_clip", "variety_report"]
