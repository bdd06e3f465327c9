"""The embedded default backend: MediaPipe BlazePose (mediapipe==0.10.21).

model_complexity=1 is the landmark model bundled in the wheel (pose_landmark_full.tflite);
0 and 2 would download theirs, so they are not offered. static_image_mode=True runs the
person detector on every call: the tracker moves its crop every frame, and MediaPipe's own
frame-to-frame tracking would then follow stale regions (measured on the Sports2D demo: it
drifts off the gymnast during the flip).
"""
from __future__ import annotations

import numpy as np

from .backend import DetectorUnavailable, PersonDetection, check_image


class MediaPipePoseBackend:
    name = "mediapipe"
    keypoint_format = "blazepose33"
    single_person = True

    def __init__(self, min_detection_confidence: float = 0.5) -> None:
        try:
            import mediapipe as mp
        except ImportError as exc:  # pragma: no cover - in the pinned stack
            raise DetectorUnavailable(
                "the MediaPipe backend needs the mediapipe package: pip install mediapipe==0.10.21"
            ) from exc
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=True, model_complexity=1,
            min_detection_confidence=min_detection_confidence,
        )

    def detect(self, image: np.ndarray) -> list[PersonDetection]:
        image = check_image(image)
        height, width = image.shape[:2]
        result = self._pose.process(image)
        if result.pose_landmarks is None:
            return []
        values = np.array([(lm.x, lm.y, lm.visibility) for lm in result.pose_landmarks.landmark])
        keypoints = values[:, :2] * np.array([width, height])
        return [PersonDetection(keypoints, np.clip(values[:, 2], 0.0, 1.0))]

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> "MediaPipePoseBackend":
        return self

    def __exit__(self, *_) -> None:
        self.close()
