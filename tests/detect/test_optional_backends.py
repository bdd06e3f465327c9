"""Optional pose backends: finding weight files, loading them safely, clear errors.

No real OpenPose weights can be had here (nothing is downloaded), so stand-ins in the same
layout are used: controlnet_aux's body model with seeded random weights, saved as
body_pose_model.safetensors (the model's own key names) and body_pose_model.pth (the bare
layer names of lllyasviel/Annotators' file, e.g. "conv1_1.weight"). Random weights find
nobody, so the parsing of the estimator's output is tested with a stand-in estimator.
"""
import sys
import types
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")
pytest.importorskip("controlnet_aux")
import safetensors.torch  # noqa: E402

from finephys.detect import optional_backends as ob  # noqa: E402
from finephys.detect.backend import DetectorUnavailable, PersonDetection  # noqa: E402
from finephys.skeleton.errors import PoseDataError  # noqa: E402

SAFETENSORS = "body_pose_model.safetensors"
PTH = "body_pose_model.pth"


def _bare(key: str) -> str:
    return key.split(".", 1)[1]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """A model folder like ComfyUI/models/finephys with both stand-in files in openpose/.
    The 52 M random weights (209 MB) are dropped once written: these tests are dominated by
    memory traffic, so nothing holds a third copy."""
    _, bodypose_model = ob._import_controlnet_aux_body()
    torch.manual_seed(0)
    state = bodypose_model().state_dict()
    root = tmp_path_factory.mktemp("finephys")
    (root / "openpose").mkdir()
    safetensors.torch.save_file(state, str(root / "openpose" / SAFETENSORS))
    torch.save({_bare(k): v for k, v in state.items()}, root / "openpose" / PTH)
    return root


@pytest.fixture(scope="module")
def shapes() -> dict:
    _, bodypose_model = ob._import_controlnet_aux_body()
    with torch.device("meta"):  # shapes only, no memory
        return {k: tuple(v.shape) for k, v in bodypose_model().state_dict().items()}


@pytest.fixture(scope="module")
def backend(model_dir):
    with ob.OpenPoseBackend(model_dir / "openpose" / SAFETENSORS) as b:
        yield b


def _small_pth(path: Path, shapes: dict, **override) -> Path:
    """A tiny .pth with the right keys: each tensor is one zero expanded to its shape, and
    torch.save stores only the one-element storage, so no 200 MB file per test."""
    state = {k: torch.zeros(1).expand(shape) for k, shape in shapes.items()}
    state.update(override)
    torch.save(state, path)
    return path


# ----------------------------------------------------------------------------- finding files
def test_find_weights_prefers_subfolder_then_safetensors(tmp_path):
    (tmp_path / "openpose").mkdir()
    (tmp_path / PTH).write_bytes(b"x")
    assert ob.find_weights("openpose", [tmp_path]) == tmp_path / PTH
    (tmp_path / "openpose" / PTH).write_bytes(b"x")
    assert ob.find_weights("openpose", [tmp_path]) == tmp_path / "openpose" / PTH
    (tmp_path / "openpose" / SAFETENSORS).write_bytes(b"x")
    assert ob.find_weights("openpose", [tmp_path]) == tmp_path / "openpose" / SAFETENSORS


def test_find_weights_missing_lists_every_path_and_where_to_put_it(tmp_path):
    dirs = [tmp_path / "a", tmp_path / "b"]
    with pytest.raises(DetectorUnavailable) as info:
        ob.find_weights("openpose", dirs)
    message = str(info.value)
    expected = [d / "openpose" / n for d in dirs for n in (SAFETENSORS, PTH)] + \
               [d / n for d in dirs for n in (SAFETENSORS, PTH)]
    for path in expected:
        assert str(path) in message
    assert "models/finephys/openpose/" in message and "lllyasviel/Annotators" in message


def test_find_weights_without_folders_says_so():
    with pytest.raises(DetectorUnavailable, match="no model folder"):
        ob.find_weights("openpose", [])
    with pytest.raises(ValueError, match="openpose"):
        ob.find_weights("nope", [])


def test_default_search_dirs_with_and_without_comfyui(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "folder_paths", None)  # makes `import folder_paths` fail
    assert ob.default_search_dirs() == []
    fake = types.ModuleType("folder_paths")
    registered = {"finephys": [str(tmp_path / "one"), str(tmp_path / "two")]}
    fake.get_folder_paths = lambda name: registered[name]
    monkeypatch.setitem(sys.modules, "folder_paths", fake)
    assert ob.default_search_dirs() == [tmp_path / "one", tmp_path / "two"]
    registered.clear()  # ComfyUI present, folder not registered (KeyError)
    assert ob.default_search_dirs() == []


# ----------------------------------------------------------------------------- loading
def test_loads_safetensors_and_annotators_pth_to_the_same_weights(model_dir, backend):
    assert ob.find_weights("openpose", [model_dir]) == model_dir / "openpose" / SAFETENSORS
    assert backend.device == "cpu" and backend.keypoint_format == "openpose18"
    assert backend.single_person is False
    from_safetensors = backend._estimator.model.state_dict()
    # The .pth uses lllyasviel's bare layer names ("conv1_1.weight"), the model prefixes them.
    with ob.OpenPoseBackend(model_dir / "openpose" / PTH) as from_pth:
        loaded = from_pth._estimator.model.state_dict()
        assert loaded.keys() == from_safetensors.keys() and len(loaded) == 184
        for key, value in loaded.items():
            assert value.dtype == torch.float32 and torch.equal(value, from_safetensors[key]), key
    assert from_safetensors["model0.conv1_1.weight"].abs().sum() > 0  # real values, not zeros


def test_detect_on_small_image_returns_people_of_the_right_shape(backend):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    people = backend.detect(image)
    assert isinstance(people, list)  # random weights: most likely nobody
    for person in people:
        assert isinstance(person, PersonDetection)
        assert person.keypoints.shape == (18, 2) and person.confidence.shape == (18,)
    with pytest.raises(PoseDataError):
        backend.detect(image[..., :2])


def test_estimator_output_becomes_detections(backend, monkeypatch):
    """Body returns candidate [N,4] (x, y pixel indices, score, id) and subset [P,20]
    (18 candidate indices or -1, total score, part count)."""
    candidate = np.array([[10, 20, 0.9, 0], [30, 40, 1.2, 1], [50, 60, 0.5, 2], [5, 6, 0.7, 3]], float)
    subset = -np.ones((2, 20))
    subset[0, [0, 1]] = [0, 1]
    subset[0, 18:] = [2.0, 2]
    subset[1, [1, 17]] = [2, 3]
    subset[1, 18:] = [3.0, 2]
    seen = {}

    def fake_estimator(bgr):
        seen["bgr"] = bgr
        return candidate, subset

    monkeypatch.setattr(backend, "_estimator", fake_estimator)
    image = np.zeros((8, 8, 3), np.uint8)
    image[..., 0] = 255  # red in RGB
    people = backend.detect(image)
    assert seen["bgr"][0, 0].tolist() == [0, 0, 255]  # the network gets BGR
    assert len(people) == 2
    best, other = people  # highest total score first
    np.testing.assert_allclose(best.keypoints[1], [50.5, 60.5])  # pixel centre
    np.testing.assert_allclose(best.keypoints[17], [5.5, 6.5])
    np.testing.assert_allclose(best.confidence[[1, 17]], [0.5, 0.7])
    assert best.confidence[0] == 0 and np.all(best.keypoints[0] == 0)
    np.testing.assert_allclose(other.confidence[[0, 1]], [0.9, 1.0])  # 1.2 clipped
    assert np.count_nonzero(other.confidence) == 2


def test_missing_weights_file(tmp_path):
    with pytest.raises(DetectorUnavailable, match="models/finephys/openpose"):
        ob.OpenPoseBackend(tmp_path / SAFETENSORS)


def test_truncated_safetensors_is_refused_naming_the_file(model_dir, tmp_path):
    path = tmp_path / SAFETENSORS
    with open(model_dir / "openpose" / SAFETENSORS, "rb") as f:
        path.write_bytes(f.read(1 << 20))
    with pytest.raises(DetectorUnavailable, match="not a readable safetensors file") as info:
        ob.OpenPoseBackend(path)
    assert str(path) in str(info.value)
    path.write_bytes(b"not a safetensors file at all")
    with pytest.raises(DetectorUnavailable, match="not a readable safetensors file"):
        ob.OpenPoseBackend(path)


def test_wrong_shape_is_refused_naming_the_key(tmp_path, shapes):
    path = _small_pth(tmp_path / PTH, shapes, **{"model0.conv1_1.weight": torch.zeros(64, 3, 5, 5)})
    with pytest.raises(DetectorUnavailable) as info:
        ob.OpenPoseBackend(path)
    message = str(info.value)
    assert str(path) in message
    assert "model0.conv1_1.weight has shape [64, 3, 5, 5], expected [64, 3, 3, 3]" in message


def test_missing_unexpected_and_nan_tensors_are_refused(tmp_path, shapes):
    few = {k: s for k, s in list(shapes.items())[:10]}
    path = tmp_path / "few.safetensors"
    safetensors.torch.save_file({k: torch.zeros(s) for k, s in few.items()} | {"extra": torch.zeros(1)}, str(path))
    with pytest.raises(DetectorUnavailable, match=r"174 missing keys .*1 unexpected keys \(e\.g\. extra\)"):
        ob.OpenPoseBackend(path)
    nan = torch.full((128,), float("nan"))
    path = _small_pth(tmp_path / "nan.pth", shapes, **{"model0.conv2_1.bias": nan})
    with pytest.raises(DetectorUnavailable, match="model0.conv2_1.bias contains NaN"):
        ob.OpenPoseBackend(path)


class _NotATensor:
    pass


def test_pickled_objects_are_refused_by_weights_only_loading(tmp_path):
    path = tmp_path / PTH
    torch.save({"conv1_1.weight": _NotATensor()}, path)
    with pytest.raises(DetectorUnavailable, match="refused: it holds pickled Python objects") as info:
        ob.OpenPoseBackend(path)
    assert str(path) in str(info.value) and "_NotATensor" in str(info.value)
    torch.save([torch.zeros(1)], path)  # loads weights-only, but is no state dict
    with pytest.raises(DetectorUnavailable, match="holds a list, not a state dict"):
        ob.OpenPoseBackend(path)
    path.write_bytes(b"garbage" * 10)
    with pytest.raises(DetectorUnavailable, match="not a readable torch file"):
        ob.OpenPoseBackend(path)


def test_device_choice():
    assert ob._torch_device("cpu") == "cpu"
    assert ob._torch_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DetectorUnavailable, match="CUDA is not available"):
            ob._torch_device("cuda")
    with pytest.raises(ValueError):
        ob._torch_device("tpu")


# ----------------------------------------------------------------------------- factory
def test_make_backend_openpose_and_unknown_name(model_dir):
    with ob.make_backend("openpose", search_dirs=[model_dir]) as b:
        assert isinstance(b, ob.OpenPoseBackend)
        assert b.weights_path == model_dir / "openpose" / SAFETENSORS
    with pytest.raises(ValueError) as info:
        ob.make_backend("nope")
    for name in ("mediapipe", "openpose", "dwpose"):
        assert name in str(info.value)


def test_make_backend_mediapipe():
    pytest.importorskip("mediapipe")
    from finephys.detect.mediapipe_backend import MediaPipePoseBackend

    with ob.make_backend("mediapipe", search_dirs=[]) as b:
        assert isinstance(b, MediaPipePoseBackend)


def test_make_backend_dwpose_names_package_files_and_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(ob, "_onnxruntime_installed", lambda: False)
    with pytest.raises(DetectorUnavailable) as info:
        ob.make_backend("dwpose", search_dirs=[tmp_path])
    message = str(info.value)
    for needed in ("pip install onnxruntime", "yolox_l.onnx", "dw-ll_ucoco_384.onnx",
                   "models/finephys/dwpose/", str(tmp_path / "dwpose" / "yolox_l.onnx")):
        assert needed in message
    assert not ob.DWPoseOnnxBackend.is_available([tmp_path])


def test_dwpose_with_everything_present_still_says_not_implemented(tmp_path, monkeypatch):
    monkeypatch.setattr(ob, "_onnxruntime_installed", lambda: True)
    (tmp_path / "dwpose").mkdir()
    for name in ("yolox_l.onnx", "dw-ll_ucoco_384.onnx"):
        (tmp_path / "dwpose" / name).write_bytes(b"x")
    assert ob.DWPoseOnnxBackend.is_available([tmp_path])
    with pytest.raises(DetectorUnavailable, match="not implemented"):
        ob.make_backend("dwpose", search_dirs=[tmp_path])
