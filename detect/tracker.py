"""One actor over time: detect in a region that follows the chosen person.

Why not detect on whole frames: a single-person detector returns whoever is most prominent,
and that changes. On the Sports2D demo plain MediaPipe follows the gymnast until he turns
upside down in the flip (~frame 168), then jumps to a woman walking in front of the camera.

How: each frame the actor's torso centre (shoulders and hips) is predicted from its last position and velocity,
and the backend runs on a square crop around it (a few sizes, tight first). A detection is
accepted only if its torso centre lies within a gate around the prediction; a person outside
the gate is masked out of the crop (filled with the crop's median colour) and the backend
asked again, so a single-person detector can still find the actor behind a distractor. When
every crop fails, the crop is tried upside down (detectors are trained on upright people; a
salto is not). Frames where nothing passes are misses: confidence 0, filled in later by
detect/gaps.py. The first detection (acquisition) looks at the whole frame and at four
overlapping tiles and picks a person by the user's rule: largest, most central, or nearest a
point.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import numpy as np

from ..skeleton.convert import to_h36m
from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import L_HIP, L_SHOULDER, NUM_JOINTS, R_HIP, R_SHOULDER
from .backend import PersonDetection, PoseBackend, check_image

TARGETS = ("largest", "most_central", "nearest_point")
TORSO = (L_HIP, R_HIP, L_SHOULDER, R_SHOULDER)


@dataclass(frozen=True)
class TrackerOptions:
    """target: how the actor is chosen when the track starts ("largest", "most_central",
    "nearest_point" with `point` = (x, y) as fractions of the frame).
    keypoint_threshold: joints above this confidence define the body's centre and size.
    crop_scales: crop half-sizes in body sizes, tried in order.
    gate: how far (in body sizes) the torso may be from where it was predicted.
    max_size_change: the factor by which the body's size may change from one found frame to
    the next (a tuck halves it; someone nearer the camera is bigger still).
    """

    target: str = "largest"
    point: Optional[tuple[float, float]] = None
    keypoint_threshold: float = 0.5
    min_keypoints: int = 4
    crop_scales: tuple[float, ...] = (0.8, 1.15, 1.6)
    gate: float = 0.45
    max_size_change: float = 2.0  # a person more than this much bigger or smaller is someone else
    max_masks: int = 2
    try_upside_down: bool = True
    min_body_fraction: float = 0.07  # smallest body size, as a fraction of the longer side

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise PoseDataError(f"unknown target {self.target!r}; choose one of {', '.join(TARGETS)}")
        if self.target == "nearest_point":
            if self.point is None or not all(0.0 <= v <= 1.0 for v in self.point):
                raise PoseDataError("target 'nearest_point' needs a point (x, y) with both in [0, 1]")


@dataclass
class Candidate:
    keypoints: np.ndarray  # [17,2] H36M, frame pixels
    confidence: np.ndarray  # [17]
    centre: np.ndarray  # [2] torso centre
    size: float  # extent of the confident joints, px
    box: np.ndarray  # [4] x0, y0, x1, y1 of the confident joints
    whole: bool = True  # most of the torso seen: a person that can be followed


@dataclass
class TrackLog:
    """What the tracker did, per frame. found [T] bool; crop [T,4] (x0,y0,x1,y1, zeros while
    acquiring); upside_down [T] bool; rejected: (frame, centre) of people turned away."""

    found: list[bool] = field(default_factory=list)
    crop: list[tuple[int, int, int, int]] = field(default_factory=list)
    upside_down: list[bool] = field(default_factory=list)
    rejected: list[tuple[int, tuple[float, float]]] = field(default_factory=list)
    detector_calls: int = 0


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection of two boxes (x0, y0, x1, y1) over the smaller one's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(w * h / max(smaller, 1e-9))


class ActorTracker:
    """Feed frames in order with step(); each returns H36M-17 keypoints [17,2] and confidence
    [17] for the tracked actor (confidence all 0 on a miss)."""

    def __init__(self, backend: PoseBackend, options: TrackerOptions = TrackerOptions()) -> None:
        self.backend = backend
        self.options = options
        self.log = TrackLog()
        self._centre: Optional[np.ndarray] = None
        self._velocity = np.zeros(2)
        self._size = 0.0
        self._missed = 0
        self._frame = -1

    # ------------------------------------------------------------------ candidates
    def _candidate(self, det: PersonDetection, offset: np.ndarray, flip: Optional[np.ndarray]) -> Optional[Candidate]:
        kp = np.asarray(det.keypoints, dtype=np.float64)
        if flip is not None:  # detected in a crop turned by 180 degrees
            kp = flip - kp
        kp = kp + offset
        h36m, conf = to_h36m(kp[None], np.asarray(det.confidence, dtype=np.float64)[None],
                             self.backend.keypoint_format)
        h36m, conf = h36m[0], conf[0]
        good = conf >= self.options.keypoint_threshold
        if good.sum() < self.options.min_keypoints:
            return None
        # A body without most of its torso (cut by the crop, half hidden) is too easily
        # someone else's head and shoulders: it can be masked out but not followed.
        whole = (conf[list(TORSO)] >= 0.5 * self.options.keypoint_threshold).sum() >= 3
        pts = h36m[good]
        torso = [j for j in TORSO if good[j]]
        centre = h36m[torso].mean(axis=0) if len(torso) >= 2 else (pts.min(0) + pts.max(0)) / 2
        size = float(np.ptp(pts, axis=0).max())
        box = np.concatenate([pts.min(0), pts.max(0)])
        return Candidate(h36m, conf, centre, size, box, whole)

    def _detect(self, frame: np.ndarray, box: tuple[int, int, int, int], upside_down: bool = False) -> tuple[list[PersonDetection], np.ndarray, np.ndarray, Optional[np.ndarray]]:
        x0, y0, x1, y1 = box
        crop = frame[y0:y1, x0:x1]
        flip = None
        if upside_down:
            crop = crop[::-1, ::-1]
            flip = np.array([x1 - x0, y1 - y0], dtype=np.float64)
        crop = np.ascontiguousarray(crop)
        self.log.detector_calls += 1
        return self.backend.detect(crop), crop, np.array([x0, y0], dtype=np.float64), flip

    # ------------------------------------------------------------------ acquisition
    def _acquire(self, frame: np.ndarray) -> Optional[Candidate]:
        height, width = frame.shape[:2]
        boxes = [(0, 0, width, height)]
        tw, th = 2 * width // 3, 2 * height // 3
        boxes += [(x, y, x + tw, y + th) for y in (0, height - th) for x in (0, width - tw)]
        found: list[Candidate] = []
        for box in boxes:
            detections, crop, offset, flip = self._detect(frame, box)
            for _ in range(self.options.max_masks + 1):
                new = [c for c in (self._candidate(d, offset, flip) for d in detections) if c is not None]
                if not new:
                    break
                found += [c for c in new if c.whole]
                if not self.backend.single_person:
                    break
                # Ask a single-person backend for the next person: hide the ones found.
                crop = crop.copy()
                for c in new:
                    self._mask(crop, c, offset)
                self.log.detector_calls += 1
                detections = self.backend.detect(crop)
        people: list[Candidate] = []
        # The same person seen in several tiles counts once (the most complete view).
        for c in sorted(found, key=lambda c: -c.size):
            if all(_overlap(c.box, p.box) < 0.5 for p in people):
                people.append(c)
        if not people:
            return None
        if self._centre is not None:  # lost earlier: take back the one nearest the last place
            return min(people, key=lambda c: np.linalg.norm(c.centre - self._centre))
        target = self.options.target
        if target == "largest":
            return max(people, key=lambda c: c.size)
        reference = np.array([width / 2, height / 2]) if target == "most_central" else \
            np.array(self.options.point) * np.array([width, height])
        return min(people, key=lambda c: np.linalg.norm(c.centre - reference))

    # ------------------------------------------------------------------ tracking
    @staticmethod
    def _mask(crop: np.ndarray, person: Candidate, offset: np.ndarray) -> None:
        margin = 0.15 * person.size
        x0, y0 = np.maximum((person.box[:2] - margin - offset).astype(int), 0)
        x1, y1 = (person.box[2:] + margin - offset).astype(int)
        crop[y0:y1, x0:x1] = np.median(crop.reshape(-1, 3), axis=0).astype(crop.dtype)

    def _crop_box(self, predicted: np.ndarray, half: float, width: int, height: int) -> Optional[tuple[int, int, int, int]]:
        x0, y0 = int(max(0, predicted[0] - half)), int(max(0, predicted[1] - half))
        x1, y1 = int(min(width, predicted[0] + half)), int(min(height, predicted[1] + half))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        return x0, y0, x1, y1

    def _follow(self, frame: np.ndarray) -> Optional[Candidate]:
        height, width = frame.shape[:2]
        opts = self.options
        predicted = self._centre + self._velocity * (self._missed + 1)
        step = 0.0085 * max(width, height)  # the gate widens by this much per missed frame
        gate = min(opts.gate * self._size + step * self._missed, 0.9 * self._size)
        growth = 1.0 + 0.1 * min(self._missed, 10)
        attempts = [(s, False) for s in opts.crop_scales]
        if opts.try_upside_down:
            attempts.append((1.0, True))
        for scale, upside_down in attempts:
            box = self._crop_box(predicted, scale * self._size * growth, width, height)
            if box is None:
                continue
            detections, crop, offset, flip = self._detect(frame, box, upside_down)
            for attempt in range(opts.max_masks + 1):
                cands = [c for c in (self._candidate(d, offset, flip) for d in detections) if c is not None]
                if not cands:
                    break
                floor = opts.min_body_fraction * max(width, height)
                near = [c for c in cands if c.whole and np.linalg.norm(c.centre - predicted) < gate
                        and opts.max_size_change ** -1 < max(c.size, floor) / self._size < opts.max_size_change]
                if near:
                    self.log.crop[-1] = box
                    self.log.upside_down[-1] = upside_down
                    return min(near, key=lambda c: np.linalg.norm(c.centre - predicted))
                for c in cands:
                    self.log.rejected.append((self._frame, (float(c.centre[0]), float(c.centre[1]))))
                if not self.backend.single_person or upside_down or attempt == opts.max_masks:
                    break
                crop = crop.copy()  # hide the distractor and ask again
                for c in cands:
                    self._mask(crop, c, offset)
                self.log.detector_calls += 1
                detections = self.backend.detect(crop)
        return None

    def step(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One frame [H,W,3] uint8 RGB -> (keypoints [17,2], confidence [17])."""
        frame = check_image(frame)
        self._frame += 1
        self.log.found.append(False)
        self.log.crop.append((0, 0, 0, 0))
        self.log.upside_down.append(False)
        height, width = frame.shape[:2]
        lost_long = self._missed > 30  # ~1 s: the prediction means little any more
        if self._centre is None or lost_long:
            person = self._acquire(frame)
            if person is not None and self._centre is not None:
                # Taking a track back after a long loss: only someone near where it was.
                radius = self._size * (2.0 + 0.1 * self._missed)
                if np.linalg.norm(person.centre - self._centre) > radius:
                    person = None
        else:
            person = self._follow(frame)
        if person is None:
            self._missed += 1
            return np.zeros((NUM_JOINTS, 2)), np.zeros(NUM_JOINTS)
        floor = self.options.min_body_fraction * max(width, height)
        if self._centre is not None and not lost_long:
            measured = (person.centre - self._centre) / (self._missed + 1)
            velocity = 0.7 * self._velocity + 0.3 * measured
            limit = 0.1 * max(self._size, floor)  # a wrong detection must not fling the crop away
            speed = float(np.linalg.norm(velocity))
            self._velocity = velocity * min(1.0, limit / speed) if speed > 0 else velocity
        else:
            self._velocity = np.zeros(2)
        self._centre = person.centre
        self._size = max(person.size, floor)
        self._missed = 0
        self.log.found[-1] = True
        return person.keypoints, person.confidence


def track_frames(
    frames: Iterable[np.ndarray],
    backend: PoseBackend,
    options: TrackerOptions = TrackerOptions(),
    on_frame: Optional[Callable[[int], None]] = None,
) -> tuple[np.ndarray, np.ndarray, TrackLog]:
    """Track one actor through frames ([H,W,3] uint8 RGB each, same size).

    Returns (keypoints [T,17,2], confidence [T,17], log); missed frames have confidence 0 and
    zero positions (detect/gaps.py fills them). on_frame(i) is called after each frame (progress,
    cancellation: it may raise to stop)."""
    tracker = ActorTracker(backend, options)
    keypoints, confidence = [], []
    shape = None
    for i, frame in enumerate(frames):
        if shape is None:
            shape = np.shape(frame)
        elif np.shape(frame) != shape:
            raise PoseDataError(
                f"frame {i} has shape {list(np.shape(frame))}, frame 0 had {list(shape)}: "
                "all frames must have the same size"
            )
        kp, conf = tracker.step(frame)
        keypoints.append(kp)
        confidence.append(conf)
        if on_frame is not None:
            on_frame(i)
    if not keypoints:
        raise PoseDataError("no frames to detect poses in (the batch is empty)")
    return np.stack(keypoints).astype(np.float32), np.stack(confidence).astype(np.float32), tracker.log
