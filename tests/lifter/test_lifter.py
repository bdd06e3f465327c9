import json
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from finephys.lifter.bank import DemoBank
from finephys.lifter.image_fit import ImageFitSettings
from finephys.lifter.inference import Lifter, load_weights
from finephys.lifter.windows import window_starts
from finephys.lifter.model import LifterConfig, build_lifter
from finephys.motion.synthetic import generate_clip
from finephys.motion.cameras import orbit_camera, project_clip
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.h36m import flip_permutation, mirror_joints
from finephys.skeleton.sequence import Pose2DSequence


def _tiny(tmp_path, kind="icl", name="tiny_lifter"):
    config = LifterConfig(kind=kind, window=9, dim=16, depth=1, heads=2, tcn_channels=16)
    torch.manual_seed(0)
    model = build_lifter(config)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp_path / f"{name}.safetensors")
    config.save(tmp_path / f"{name}.json")
    return tmp_path / f"{name}.safetensors", config


@pytest.fixture(scope="module")
def clip_2d():
    clip = generate_clip("back_salto", 3)
    camera = orbit_camera([*clip.root[:, :2].mean(0), 1.0], 7.0, 90, 5, 1280, 720, 1280.0)
    return clip, camera, project_clip(clip, camera)


@pytest.mark.parametrize("kind", ["icl", "tcn"])
def test_lift_any_length_with_trajectory(tmp_path, clip_2d, kind):
    weights, config = _tiny(tmp_path, kind)
    lifter = Lifter.from_files(weights)
    _, camera, pose2d = clip_2d
    for length in (4, 9, pose2d.num_frames):
        out = lifter(pose2d.slice(0, length))
        assert out.num_frames == length and out.has_trajectory and np.isfinite(out.joints).all()
        assert np.allclose(out.joints[:, 0], 0)  # root-relative
        assert (out.root[:, 2] > 0).all()  # in front of the camera


def test_icl_demonstrations_change_the_output(tmp_path, clip_2d):
    weights, config = _tiny(tmp_path)
    clip, camera, pose2d = clip_2d
    bank = DemoBank.from_clips([generate_clip("vertical_jump", 1)], config.window)
    alone = Lifter.from_files(weights, use_demonstrations=False)(pose2d)
    shown = Lifter.from_files(weights, bank=bank)(pose2d)
    assert not np.allclose(alone.joints, shown.joints)
    pair = DemoBank.from_pair(pose2d, clip.to_camera(camera), config.window)
    assert len(pair) >= 1 and pair.window == 9
    with pytest.raises(PoseDataError, match="same frames"):
        DemoBank.from_pair(pose2d.slice(0, 10), clip.to_camera(camera), config.window)
    wrong_window = DemoBank.from_clips([generate_clip("turn", 1)], 5)
    with pytest.raises(PoseDataError, match="5-frame windows"):
        Lifter.from_files(weights).lift(pose2d, demonstration=wrong_window)


def _mirrored(pose2d: Pose2DSequence) -> Pose2DSequence:
    """The same 2D seen in a mirror: x about the image centre (the principal point), sides swapped."""
    kp = mirror_joints(pose2d.keypoints - [pose2d.width / 2, 0.0]) + [pose2d.width / 2, 0.0]
    return Pose2DSequence(kp, pose2d.confidence[:, flip_permutation()], pose2d.image_size, pose2d.fps)


@pytest.mark.parametrize("kind", ["icl", "tcn"])
def test_test_time_flip_makes_the_lift_mirror_symmetric(tmp_path, clip_2d, kind):
    weights, config = _tiny(tmp_path, kind)
    _, _, pose2d = clip_2d
    bank = DemoBank.from_clips([generate_clip("vertical_jump", 1)], config.window) if kind == "icl" else None
    raw = Lifter.from_files(weights, bank=bank).with_image_fit(None)
    flipped = raw.with_test_time_flip(True)
    # mirror the input, lift, mirror back: the flip-averaged lift is unchanged, the single pass is not
    direct, back = flipped(pose2d), flipped(_mirrored(pose2d))
    np.testing.assert_allclose(mirror_joints(back.joints), direct.joints, atol=1e-5)
    np.testing.assert_allclose(back.root * [-1, 1, 1], direct.root, atol=1e-4)
    single = raw(pose2d)
    assert not np.allclose(mirror_joints(raw(_mirrored(pose2d)).joints), single.joints, atol=1e-3)
    # the raw answer stays one pass by default (PhysNet was trained on it); fitting flips by default
    np.testing.assert_array_equal(single.joints, raw.with_test_time_flip(False)(pose2d).joints)
    fitted = raw.with_image_fit(ImageFitSettings(iterations=5))
    np.testing.assert_array_equal(fitted(pose2d).joints, fitted.with_test_time_flip(True)(pose2d).joints)
    assert not np.allclose(fitted(pose2d).joints, fitted.with_test_time_flip(False)(pose2d).joints)


def test_flip_lifts_every_overlapping_window_and_its_mirror(tmp_path, clip_2d, monkeypatch):
    weights, config = _tiny(tmp_path)
    _, _, pose2d = clip_2d
    lifter = Lifter.from_files(weights).with_image_fit(None)
    batches = []
    original = Lifter._lift_windows

    def counting(self, queries, bank, batch):
        batches.append(len(queries))
        return original(self, queries, bank, batch)

    monkeypatch.setattr(Lifter, "_lift_windows", counting)
    half_stride = len(window_starts(pose2d.num_frames, config.window, config.window // 2))
    lifter.with_test_time_flip(False)(pose2d)
    lifter.with_test_time_flip(True)(pose2d)
    # the same half-overlapping windows either way; with the flip, each also mirrored (one batch)
    assert batches == [half_stride, 2 * half_stride]


def test_fit_gets_the_spread_of_the_lifters_answers(tmp_path, clip_2d, monkeypatch):
    """The fitted lift hands the fit the spread of its four answers per frame (two windows,
    each also mirrored), measured against the blended lift the fit starts from."""
    import finephys.lifter.inference as inference
    from finephys.lifter.image_fit import bone_spread

    weights, config = _tiny(tmp_path)
    _, _, pose2d = clip_2d
    lifter = Lifter.from_files(weights)
    seen, windows = [], []
    original_fit, original_windows = inference.fit_lift_to_image, Lifter._lift_windows

    def fit(joints, root, keypoints, confidence, camera, fps, settings, spread=None):
        seen.append((joints.copy(), spread))
        return original_fit(joints, root, keypoints, confidence, camera, fps, settings, spread)

    def lift_windows(self, queries, bank, batch):
        windows.append(original_windows(self, queries, bank, batch))
        return windows[-1]

    monkeypatch.setattr(inference, "fit_lift_to_image", fit)
    monkeypatch.setattr(Lifter, "_lift_windows", lift_windows)
    lifter(pose2d)
    (lifted, spread), = seen
    both = windows[0]
    n = len(both) // 2
    starts = window_starts(pose2d.num_frames, config.window, config.window // 2)
    answers = np.concatenate([both[:n], mirror_joints(both[n:])])
    np.testing.assert_allclose(spread, bone_spread(answers, starts + starts, lifted))
    assert spread.shape == (16,) and (spread > 0).all()  # an untrained network: every bone disagrees
    lifter.lift(pose2d, fit_to_image=False)  # the raw lift is not fitted
    assert len(seen) == 1


def test_bank_retrieval_save_and_load(tmp_path):
    bank = DemoBank.from_clips([generate_clip("split_leap", 2), generate_clip("turn", 2)], 9)
    assert len(bank) > 16 and set(bank.families) == {"split_leap", "turn"}
    pick = bank.retrieve(bank.clean_2d[[3, 40]])
    assert list(pick) == [3, 40]  # an entry's own 2D finds it
    bank.save(tmp_path / "bank.safetensors")
    again = DemoBank.load(tmp_path / "bank.safetensors")
    np.testing.assert_array_equal(again.target_3d, bank.target_3d)
    assert again.names == bank.names
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(PoseDataError, match="junk.safetensors"):
        DemoBank.load(tmp_path / "junk.safetensors")


def test_bad_weights_and_inputs(tmp_path, clip_2d):
    weights, _ = _tiny(tmp_path)
    other = LifterConfig(kind="icl", window=9, dim=32, depth=1, heads=2)
    other.save(tmp_path / "tiny_lifter.json")  # config no longer matches the weights
    with pytest.raises(PoseDataError, match="do not fit"):
        load_weights(weights)
    with pytest.raises(PoseDataError, match="not found"):
        load_weights(tmp_path / "missing.safetensors")
    (tmp_path / "broken.safetensors").write_bytes(b"not safetensors")
    LifterConfig().save(tmp_path / "broken.json")
    with pytest.raises(PoseDataError, match="broken.safetensors"):
        load_weights(tmp_path / "broken.safetensors")
    (tmp_path / "odd.json").write_text('{"kind": "gan"}')
    (tmp_path / "odd.safetensors").write_bytes(b"")
    with pytest.raises(PoseDataError, match="unknown lifter kind"):
        load_weights(tmp_path / "odd.safetensors")
    weights, _ = _tiny(tmp_path, name="fine_lifter")
    _, _, pose2d = clip_2d
    nobody = Pose2DSequence(pose2d.keypoints, np.zeros_like(pose2d.confidence), pose2d.image_size, pose2d.fps)
    with pytest.raises(PoseDataError, match="confidence 0"):
        Lifter.from_files(weights)(nobody)


def test_bank_is_rebuilt_at_the_query_frame_rate(tmp_path, clip_2d):
    salto = generate_clip("back_salto", 5)  # 30 frames/s
    bank = DemoBank.from_clips([salto], 9, views=((0.0, 5.0), (90.0, 5.0)))
    assert bank.frame_rate == 30.0 and bank.for_frame_rate(29.97) is bank  # within the tolerance
    slow = bank.for_frame_rate(15.0)
    assert slow.frame_rate == 15.0 and bank.for_frame_rate(15.0) is slow  # rebuilt once, kept
    # the same motion in half the frames: a 15 frames/s window shows what two 30 frames/s windows do
    assert len(slow) < len(bank)
    np.testing.assert_allclose(slow.target_3d[0, 1], bank.target_3d[0, 2], atol=1e-5)
    # saved and loaded, the bank keeps its clips and can still be rebuilt
    bank.save(tmp_path / "bank.safetensors")
    again = DemoBank.load(tmp_path / "bank.safetensors")
    assert again.frame_rate == 30.0 and [c.name for c in again.clips] == [salto.name] and again.views == bank.views
    np.testing.assert_allclose(again.for_frame_rate(15.0).target_3d, slow.target_3d, atol=1e-5)
    # a merge keeps the clips; a user's pair has none, so it and its merges are used as they are
    both = bank.merged(DemoBank.from_clips([generate_clip("turn", 1)], 9, views=bank.views))
    assert len(both.clips) == 2 and both.for_frame_rate(15.0).families.count("turn") > 0
    clip, camera, pose2d = clip_2d
    pair = DemoBank.from_pair(pose2d, clip.to_camera(camera), 9)
    assert pair.frame_rate == pose2d.fps and pair.for_frame_rate(15.0) is pair
    assert bank.merged(pair).for_frame_rate(15.0).clips == []


def test_lifter_retrieves_at_the_sequence_frame_rate(tmp_path, clip_2d):
    weights, config = _tiny(tmp_path)
    _, _, pose2d = clip_2d
    bank = DemoBank.from_clips([generate_clip("back_salto", 5)], config.window, views=((0.0, 5.0), (90.0, 5.0)))
    slow_2d = Pose2DSequence(pose2d.keypoints, pose2d.confidence, pose2d.image_size, fps=15.0)
    lifter = Lifter.from_files(weights, bank=bank).with_image_fit(None)
    # the same windows without their clip: used at 30 frames/s as they are
    as_is = Lifter.from_files(weights, bank=DemoBank(bank.clean_2d, bank.target_3d, bank.names, bank.families))
    lifted = lifter(slow_2d).joints
    rated = Lifter.from_files(weights, bank=bank.for_frame_rate(15.0)).with_image_fit(None)
    np.testing.assert_array_equal(lifted, rated(slow_2d).joints)  # the 15 frames/s windows were used
    assert not np.allclose(lifted, as_is.with_image_fit(None)(slow_2d).joints)


def test_first_format_bank_files_still_load(tmp_path):
    from safetensors.numpy import save_file

    bank = DemoBank.from_clips([generate_clip("turn", 2)], 9, views=((0.0, 5.0),))
    save_file({"clean_2d": bank.clean_2d, "target_3d": bank.target_3d}, str(tmp_path / "v1.safetensors"),
              metadata={"format": "finephys_demo_bank_v1", "names": json.dumps(bank.names),
                        "families": json.dumps(bank.families)})
    old = DemoBank.load(tmp_path / "v1.safetensors")
    assert old.clips == [] and old.frame_rate is None and old.for_frame_rate(15.0) is old
    np.testing.assert_array_equal(old.clean_2d, bank.clean_2d)


def test_rebuilt_banks_kept_are_few():
    from finephys.lifter.bank import MAX_CACHED_RATES

    bank = DemoBank.from_clips([generate_clip("turn", 2)], 9, views=((0.0, 5.0),))
    rates = [10.0 + i for i in range(MAX_CACHED_RATES + 2)]
    for fps in rates:
        assert bank.for_frame_rate(fps).frame_rate == fps
    assert len(bank._by_rate) == MAX_CACHED_RATES and rates[0] not in bank._by_rate
