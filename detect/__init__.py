"""Pose Detect: 2D pose detection backends, the one-actor tracker, gap filling and video frames."""
