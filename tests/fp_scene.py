"""A tiny synthetic scene and a fake detector for testing the tracker without a real model.

Each person is drawn as 17 COCO keypoints, 3x3 squares whose colour encodes (person, joint):
red = 40 + 10 * person, green = 10 * joint + 5, blue = 200. The fake backend reads them back
from whatever crop it is given, so crops, masks and rotations behave as with a real detector.
Like MediaPipe it is single-person: it reports only the most prominent person, taken as the
one lowest in the image (nearest the camera), and it cannot see people upside down (head
below hips), like detectors trained on upright people.
"""
from __future__ import annotations

import numpy as np

from finephys.detect.backend import PersonDetection

# A standing person in COCO-17 order, unit height (y down), centred on the hips.
_COCO_UNIT = np.array([
    [0.0, -0.9], [-0.04, -0.93], [0.04, -0.93], [-0.08, -0.9], [0.08, -0.9],  # face
    [-0.18, -0.7], [0.18, -0.7], [-0.22, -0.4], [0.22, -0.4], [-0.24, -0.15], [0.24, -0.15],
    [-0.1, 0.0], [0.1, 0.0], [-0.1, 0.45], [0.1, 0.45], [-0.1, 0.9], [0.1, 0.9],
])


def person_keypoints(centre: tuple[float, float], height: float, angle_deg: float = 0.0) -> np.ndarray:
    """COCO-17 pixels [17,2] of a person with hips at `centre` and the given height, turned by
    angle_deg about the hips (180 = upside down, as mid-salto)."""
    a = np.radians(angle_deg)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return np.asarray(centre, dtype=np.float64) + (_COCO_UNIT @ rotation.T) * height


def draw_scene(width: int, height: int, people: list[np.ndarray], background: int = 90) -> np.ndarray:
    """[H,W,3] uint8 with each person's [17,2] keypoints drawn in their code colours."""
    image = np.full((height, width, 3), background, dtype=np.uint8)
    for pid, keypoints in enumerate(people):
        for j, (x, y) in enumerate(np.round(keypoints).astype(int)):
            if 1 <= x < width - 1 and 1 <= y < height - 1:
                image[y - 1:y + 2, x - 1:x + 2] = (40 + 10 * pid, 10 * j + 5, 200)
    return image


class FakeBackend:
    name = "fake"
    keypoint_format = "coco17"
    single_person = True

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, image: np.ndarray) -> list[PersonDetection]:
        self.calls += 1
        people = []
        ys, xs = np.nonzero(image[..., 2] == 200)
        reds, greens = image[ys, xs, 0].astype(int), image[ys, xs, 1].astype(int)
        for pid in range(8):
            mine = reds == 40 + 10 * pid
            kp = np.zeros((17, 2))
            conf = np.zeros(17)
            for j in range(17):
                sel = mine & (greens == 10 * j + 5)
                if sel.any():
                    kp[j] = (xs[sel].mean(), ys[sel].mean())
                    conf[j] = 0.9
            if conf.sum() < 4 * 0.9:
                continue
            head_y = kp[0, 1] if conf[0] else None
            hip_y = kp[11:13, 1][conf[11:13] > 0]
            if head_y is not None and len(hip_y) and head_y > hip_y.mean():
                continue  # upside down: this detector cannot see it
            lowest = kp[conf > 0, 1].max()
            people.append((lowest, PersonDetection(kp, conf)))
        if not people:
            return []
        return [max(people, key=lambda p: p[0])[1]]

    def close(self) -> None:
        pass
