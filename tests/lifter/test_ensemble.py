import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from finephys.lifter.bank import DemoBank
from finephys.lifter.ensemble import combine_lifters
from finephys.lifter.inference import Lifter, load_weights
from finephys.lifter.model import LifterConfig, LifterEnsemble, build_lifter
from finephys.motion.cameras import orbit_camera, project_clip
from finephys.motion.synthetic import generate_clip
from finephys.skeleton.errors import PoseDataError


def _member(tmp_path, name, seed, kind="icl", dim=16, offset=0.0):
    """A tiny trained-looking lifter file; members differ in weights and mean pose."""
    pose = (np.full((17, 3), offset) + np.arange(17)[:, None] * 0.01).round(5).tolist()
    config = LifterConfig(kind=kind, window=9, dim=dim, depth=1, heads=2, tcn_channels=16, mean_pose=pose)
    torch.manual_seed(seed)
    model = build_lifter(config)
    path = tmp_path / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, path,
              metadata={"command": f"training/train_lifter.py --seed {seed} --out {tmp_path}/w --cache {tmp_path}/c", "seed": str(seed), "train_seconds": "10"})
    config.save(tmp_path / f"{name}.json")
    return path


@pytest.mark.parametrize("kind", ["icl", "tcn"])
def test_ensemble_answers_the_members_mean(tmp_path, kind):
    paths = [_member(tmp_path, f"m{i}", seed=i, kind=kind, offset=0.1 * i) for i in range(3)]
    out = tmp_path / "ens" / "finephys_lifter_x.safetensors"
    config = combine_lifters(paths, out, command="training/ensemble_lifters.py m0 m1 m2")
    assert config.members == 3 and len(config.member_mean_poses) == 3
    model, loaded = load_weights(out)
    assert isinstance(model, LifterEnsemble) and loaded.members == 3
    torch.manual_seed(5)
    query = torch.randn(2, 9, 17, 3)
    demo_2d, demo_3d = torch.randn(2, 9, 17, 3), torch.randn(2, 9, 17, 3)
    members = [load_weights(p)[0] for p in paths]
    with torch.no_grad():
        if kind == "icl":
            expected = torch.stack([m(query, demo_2d, demo_3d) for m in members]).mean(0)
            got = model(query, demo_2d, demo_3d)
            assert not torch.allclose(members[0](query, demo_2d, demo_3d), members[1](query, demo_2d, demo_3d))
        else:
            expected = torch.stack([m(query) for m in members]).mean(0)
            got = model(query)
    assert torch.allclose(got, expected, atol=1e-6)
    # every member's own mean pose is used, and the config keeps their average for reference
    assert np.allclose(loaded.mean_pose, np.mean(loaded.member_mean_poses, axis=0), atol=1e-5)
    with safe_open(str(out), "pt") as f:
        meta = f.metadata()
    assert [m["seed"] for m in json.loads(meta["members"])] == ["0", "1", "2"]
    # each member's recipe, without the folders it was written to on the machine that trained it
    assert [m["command"] for m in json.loads(meta["members"])] == [f"training/train_lifter.py --seed {i}" for i in range(3)]
    assert meta["train_seconds"] == "30" and meta["command"].startswith("training/ensemble_lifters.py")


def test_ensemble_lifts_a_sequence_with_demonstrations(tmp_path):
    paths = [_member(tmp_path, f"m{i}", seed=i) for i in range(2)]
    out = tmp_path / "ens.safetensors"
    combine_lifters(paths, out)
    clip = generate_clip("back_salto", 3)
    camera = orbit_camera([*clip.root[:, :2].mean(0), 1.0], 7.0, 90, 5, 1280, 720, 1280.0)
    pose2d = project_clip(clip, camera)
    bank = DemoBank.from_clips([generate_clip("vertical_jump", 1)], 9)
    shown = Lifter.from_files(out, bank=bank)(pose2d)
    alone = Lifter.from_files(out, use_demonstrations=False)(pose2d)
    assert shown.num_frames == pose2d.num_frames and np.isfinite(shown.joints).all()
    assert not np.allclose(shown.joints, alone.joints)  # the demonstration reaches the members


def test_ensemble_refuses_what_cannot_be_averaged(tmp_path):
    a = _member(tmp_path, "a", seed=0)
    with pytest.raises(PoseDataError, match="at least two"):
        combine_lifters([a], tmp_path / "e.safetensors")
    wider = _member(tmp_path, "wider", seed=1, dim=32)
    with pytest.raises(PoseDataError, match="wider.safetensors is another architecture"):
        combine_lifters([a, wider], tmp_path / "e.safetensors")
    tcn = _member(tmp_path, "tcn", seed=1, kind="tcn")
    with pytest.raises(PoseDataError, match="another architecture"):
        combine_lifters([a, tcn], tmp_path / "e.safetensors")
    ens = tmp_path / "ens.safetensors"
    combine_lifters([a, _member(tmp_path, "b", seed=2)], ens)
    with pytest.raises(PoseDataError, match="already an ensemble"):
        combine_lifters([ens, a], tmp_path / "e2.safetensors")
    missing = tmp_path / "nowhere.safetensors"
    with pytest.raises(PoseDataError, match="nowhere.safetensors not found"):
        combine_lifters([a, missing], tmp_path / "e3.safetensors")


def test_ensemble_weights_that_do_not_fit_their_config(tmp_path):
    a, b = _member(tmp_path, "a", seed=0), _member(tmp_path, "b", seed=1)
    ens = tmp_path / "ens.safetensors"
    combine_lifters([a, b], ens)
    config = json.loads(ens.with_suffix(".json").read_text())
    config["member_mean_poses"] = config["member_mean_poses"][:1]  # says one member, holds two
    ens.with_suffix(".json").write_text(json.dumps(config))
    with pytest.raises(PoseDataError, match="do not fit"):
        load_weights(ens)
    config["member_mean_poses"] = [[[0.0, 0.0]] * 17, [[0.0, 0.0, 0.0]] * 17]
    ens.with_suffix(".json").write_text(json.dumps(config))
    with pytest.raises(PoseDataError, match="not \\[17,3\\]"):
        load_weights(ens)
    # a single lifter's config with the ensemble's weights
    ens.with_suffix(".json").write_text(a.with_suffix(".json").read_text())
    with pytest.raises(PoseDataError, match="do not fit"):
        load_weights(ens)


def test_ensemble_script_records_no_paths(tmp_path):
    a, b = _member(tmp_path, "a", seed=0), _member(tmp_path, "b", seed=1)
    argv = sys.argv
    sys.argv = ["ensemble_lifters.py", str(a), str(b), "--out", str(tmp_path / "out"), "--name", "finephys_lifter_icl"]
    try:
        runpy.run_path(str(Path(__file__).resolve().parents[2] / "training" / "ensemble_lifters.py"), run_name="__main__")
    finally:
        sys.argv = argv
    with safe_open(str(tmp_path / "out" / "finephys_lifter_icl.safetensors"), "pt") as f:
        command = f.metadata()["command"]
    assert command == "training/ensemble_lifters.py a.safetensors b.safetensors --name finephys_lifter_icl"
    assert str(tmp_path) not in command
