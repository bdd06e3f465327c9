import numpy as np
import pytest
from fp_scene import FakeBackend, draw_scene, person_keypoints

from finephys.detect.pipeline import detect_poses
from finephys.detect.tracker import TrackerOptions, track_frames
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.h36m import PELVIS

W, H = 640, 480


def _walk(t_len=40):
    """Actor A: small, on a ledge, walks right then jumps; distractor B: larger and nearer the
    camera, walks left below A, its head passing through A's crop (as in the Sports2D demo)."""
    actor = [np.array([150.0 + 6 * t, 120.0 - (40 * np.sin(np.pi * (t - 20) / 12) if 20 <= t < 32 else 0)])
             for t in range(t_len)]
    distractor = [np.array([560.0 - 12 * t, 330.0]) for t in range(t_len)]
    return actor, distractor


def _frames(actor, distractor, hidden=(), turn=None):
    """turn: {frame: angle in degrees} of the actor (a salto)."""
    frames = []
    for t, (a, b) in enumerate(zip(actor, distractor)):
        angle = (turn or {}).get(t, 0.0)
        people = [] if t in hidden else [person_keypoints(a, 90, angle)]
        people.append(person_keypoints(b, 180))  # the distractor is bigger: a single-person
        frames.append(draw_scene(W, H, people))  # detector on the whole frame picks it
    return frames


def test_whole_frame_detection_would_switch_but_the_tracker_does_not():
    actor, distractor = _walk()
    frames = _frames(actor, distractor)
    whole = FakeBackend()
    picked = [whole.detect(f)[0].keypoints[11:13].mean(axis=0) for f in frames]
    assert np.linalg.norm(picked[0] - distractor[0]) < 2  # the naive choice is the distractor
    options = TrackerOptions(target="nearest_point", point=(150 / W, 120 / H))
    kp, conf, log = track_frames(frames, FakeBackend(), options)
    assert all(log.found)
    error = np.linalg.norm(kp[:, PELVIS] - np.array(actor), axis=-1)
    assert error.max() < 1.0  # every frame on the actor, including where B crosses A
    assert log.rejected, "the distractor should have been seen and turned away"


def test_targets_choose_at_acquisition():
    actor, distractor = _walk(3)
    frames = _frames(actor, distractor)
    largest, _, _ = track_frames(frames, FakeBackend(), TrackerOptions(target="largest"))
    assert np.linalg.norm(largest[0, PELVIS] - distractor[0]) < 1.0
    near, _, _ = track_frames(frames, FakeBackend(), TrackerOptions(target="nearest_point", point=(0.2, 0.4)))
    assert np.linalg.norm(near[0, PELVIS] - actor[0]) < 1.0
    with pytest.raises(PoseDataError, match="nearest_point"):
        TrackerOptions(target="nearest_point")
    with pytest.raises(PoseDataError, match="largest"):
        TrackerOptions(target="tallest")


def test_missed_frames_are_zero_confidence_and_interpolated():
    actor, distractor = _walk()
    frames = _frames(actor, distractor, hidden=range(10, 14))
    options = TrackerOptions(target="nearest_point", point=(150 / W, 120 / H))
    seq, log = detect_poses(frames, FakeBackend(), 30.0, options)
    assert [t for t, f in enumerate(log.found) if not f] == [10, 11, 12, 13]
    assert (seq.confidence[10:14] == 0).all() and seq.interpolated[10:14].all()
    assert not seq.interpolated[:10].any() and np.isfinite(seq.keypoints).all()
    # linear between frames 9 and 14, which the actor walks in a straight line
    np.testing.assert_allclose(seq.keypoints[10:14, PELVIS], np.array(actor[10:14]), atol=1.0)
    assert np.linalg.norm(seq.keypoints[14:, PELVIS] - np.array(actor[14:]), axis=-1).max() < 1.0


def test_a_salto_is_followed_through_turned_crops():
    actor, distractor = _walk()
    far = [d + np.array([400.0, 0.0]) for d in distractor]  # stays right, away from the jump
    turn = {t: 360.0 * (t - 20) / 12 for t in range(20, 32)}  # one turn during the jump
    frames = _frames(actor, far, turn=turn)
    options = TrackerOptions(target="nearest_point", point=(150 / W, 120 / H))
    kp, conf, log = track_frames(frames, FakeBackend(), options)
    inverted = [t for t, a in turn.items() if 90 < a % 360 < 270]  # head below the hips
    assert all(log.found) and inverted and all(log.upside_down[t] for t in inverted)
    t = inverted[len(inverted) // 2]
    truth = person_keypoints(actor[t], 90, turn[t])
    # COCO 0 (nose) -> H36M 9: mapped back to the frame, not to the turned crop
    np.testing.assert_allclose(kp[t, 9], truth[0], atol=1.0)
    _, _, upright_only = track_frames(frames, FakeBackend(), TrackerOptions(
        target="nearest_point", point=(150 / W, 120 / H), try_upside_down=False))
    assert not any(upright_only.found[t] for t in inverted)


def test_nobody_in_view_gives_an_empty_valid_sequence():
    frames = [draw_scene(W, H, []) for _ in range(5)]
    seq, log = detect_poses(frames, FakeBackend(), 25.0)
    assert not any(log.found) and (seq.confidence == 0).all() and np.isfinite(seq.keypoints).all()
    assert seq.num_frames == 5


def test_bad_batches():
    with pytest.raises(PoseDataError, match="empty"):
        detect_poses([], FakeBackend(), 30.0)
    frames = [draw_scene(W, H, []), draw_scene(W // 2, H, [])]
    with pytest.raises(PoseDataError, match="same size"):
        detect_poses(frames, FakeBackend(), 30.0)
    with pytest.raises(PoseDataError, match="uint8"):
        detect_poses([np.zeros((8, 8, 3), np.float32)], FakeBackend(), 30.0)
    single, _ = detect_poses([draw_scene(W, H, [person_keypoints((300, 200), 120)])], FakeBackend(), 30.0)
    assert single.num_frames == 1 and single.confidence.max() > 0
