"""Context windows, the heatmap injection hooks, and the denoising loop on tiny SD1.5-shaped
models: seeded, every scheduler, guidance that changes the frames where the skeleton is,
strength and step range, windows that bound the frames per UNet call, and bad input."""
import numpy as np
import pytest
import torch

from fp_tiny_models import TINY_TEXT_DIM, TINY_WIDTHS, tiny_motion_unet
from finephys.adapters.encoder import HeatmapEncoderConfig, MultiScaleHeatmapEncoder
from finephys.adapters.guidance import HeatmapGuidance
from finephys.generation.context import context_windows, window_weights
from finephys.generation.injection import HeatmapInjection
from finephys.generation.sampler import SamplerSettings, sample_video
from finephys.generation.schedulers import SCHEDULERS
from finephys.skeleton.sequence import Pose2DSequence

SIZE = 64


@pytest.fixture(scope="module")
def unet():
    return tiny_motion_unet()


@pytest.fixture(scope="module")
def text():
    g = torch.Generator().manual_seed(0)
    return torch.randn(1, 77, TINY_TEXT_DIM, generator=g), torch.randn(1, 77, TINY_TEXT_DIM, generator=g)


def _encoder(seed=0):
    torch.manual_seed(seed)
    return MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=TINY_WIDTHS, hidden=(16, 32, 32, 32),
                                                         zero_init=False)).eval()


def _figure(frames: int, x: float, width: int = SIZE, height: int = SIZE, scale: float = 1.0) -> Pose2DSequence:
    """A stick figure 33*scale px tall standing at image column x, the same every frame."""
    base = np.array([[0, 0], [-3, 0], [-3, 9], [-3, 18], [3, 0], [3, 9], [3, 18], [0, -5], [0, -10], [0, -12],
                     [0, -15], [5, -10], [8, -4], [9, 1], [-5, -10], [-8, -4], [-9, 1]], np.float32)
    kp = np.repeat((scale * base + np.array([x, height / 2], np.float32))[None], frames, axis=0)
    return Pose2DSequence(kp, np.ones(kp.shape[:2], np.float32), (width, height))


def test_windows_cover_the_clip_with_the_overlap():
    assert context_windows(10, 16, 4) == [(0, 10)]
    windows = context_windows(48, 16, 4)
    assert windows[0] == (0, 16) and windows[-1] == (32, 48)
    assert all(b[0] - a[0] <= 12 for a, b in zip(windows, windows[1:]))
    covered = np.zeros(41, int)
    for s, e in context_windows(41, 16, 4):
        assert e - s == 16
        covered[s:e] += 1
    assert covered.min() >= 1
    w = window_weights(16, 32, 48, 4)
    assert w[0] < w[4] == 1 and w[-1] < 1 and w.min() > 0
    assert window_weights(0, 16, 48, 4)[0] == 1  # the clip's first frame keeps full weight
    for bad in ((0, 16, 4), (10, 16, 16), (10, 0, 0)):
        with pytest.raises(ValueError):
            context_windows(*bad)


def test_injection_adds_features_only_while_active(unet, text):
    x = torch.randn(1, 4, 4, 8, 8)
    t = torch.tensor(500)
    emb = text[0].repeat_interleave(4, 0)
    with torch.no_grad():
        plain = unet(x, t, encoder_hidden_states=emb).sample
        feats = [torch.randn(4, w, 8 // 2 ** i, 8 // 2 ** i) for i, w in enumerate(TINY_WIDTHS)]
        with HeatmapInjection(unet) as injection:
            injection.set(feats)
            guided = unet(x, t, encoder_hidden_states=emb).sample
            injection.set([f[:, :, :2] for f in feats])
            with pytest.raises(ValueError, match="does not fit the UNet's down block 0"):
                unet(x, t, encoder_hidden_states=emb)
            with pytest.raises(ValueError, match="3 feature scales"):
                injection.set(feats[:3])
        after = unet(x, t, encoder_hidden_states=emb).sample
    assert (guided - plain).abs().mean() > 1e-3
    assert torch.equal(after, plain)  # hooks removed


def test_same_seed_same_video_every_scheduler(unet, text):
    for name in SCHEDULERS:
        s = SamplerSettings(steps=2, scheduler=name, seed=7)
        a = sample_video(unet, *text, 8, SIZE, SIZE, s)
        b = sample_video(unet, *text, 8, SIZE, SIZE, s)
        assert a.shape == (8, 4, SIZE // 8, SIZE // 8) and torch.isfinite(a).all(), name
        assert torch.equal(a, b), name
    other = sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(steps=2, seed=8))
    assert not torch.equal(other, sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(steps=2, seed=7)))


def test_guidance_changes_the_frames_where_the_skeleton_is(unet, text):
    """Moving the skeleton from the left of a 256x128 frame to the right moves the change:
    the output differs most in the latent columns the two skeletons occupy (6 and 26)."""
    encoder = _encoder()
    s = SamplerSettings(steps=4, seed=3)
    w, h = 256, 128

    def run(x):
        guidance = None if x is None else HeatmapGuidance(_figure(8, x, w, h, scale=2.0), encoder, w, h)
        return sample_video(unet, *text, 8, w, h, s, guidance)
    left, right, plain = run(48.0), run(208.0), run(None)
    by_column = lambda a, b: (a - b).abs().mean(dim=(0, 1, 2))  # noqa: E731  [32 latent columns]
    left_change = by_column(left, plain)
    assert left_change[3:10].mean() > 2 * left_change[22:29].mean(), left_change
    moved = by_column(left, right)
    figures = torch.cat([moved[3:10], moved[23:30]]).mean()
    assert figures > 2 * moved[14:19].mean(), moved


def test_strength_zero_and_an_empty_step_range_change_nothing(unet, text):
    guidance = HeatmapGuidance(_figure(8, 32.0), _encoder(), SIZE, SIZE)
    plain = sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(steps=3))
    off = sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(steps=3, guidance_strength=0.0), guidance)
    assert torch.allclose(off, plain, atol=1e-6)
    late = sample_video(unet, *text, 8, SIZE, SIZE,
                        SamplerSettings(steps=3, guidance_start=0.9, guidance_end=0.95), guidance)
    assert torch.allclose(late, plain, atol=1e-6)
    early = sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(steps=3, guidance_end=0.4), guidance)
    full = sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(steps=3), guidance)
    assert not torch.allclose(early, plain, atol=1e-4) and not torch.allclose(early, full, atol=1e-4)


def test_long_clip_runs_in_windows_of_bounded_frames(unet, text):
    seen = []
    handle = unet.conv_in.register_forward_hook(lambda m, a, out: seen.append(a[0].shape[0]))
    try:
        guidance = HeatmapGuidance(_figure(40, 32.0), _encoder(), SIZE, SIZE)
        out = sample_video(unet, *text, 40, SIZE, SIZE, SamplerSettings(steps=2, context_length=16,
                                                                        context_overlap=4), guidance)
    finally:
        handle.remove()
    assert out.shape[0] == 40 and torch.isfinite(out).all()
    assert max(seen) == 2 * 16  # classifier-free guidance pairs, never more than one window
    assert len(seen) == 2 * len(context_windows(40, 16, 4))


def test_progress_interrupt_and_prompts_of_different_lengths(unet, text):
    calls = []
    sample_video(unet, *text, 4, SIZE, SIZE, SamplerSettings(steps=3), progress=lambda d, n: calls.append((d, n)))
    assert calls == [(1, 3), (2, 3), (3, 3)]

    class Cancelled(Exception):
        pass

    def interrupt():
        if len(calls) >= 4:
            raise Cancelled
    with pytest.raises(Cancelled):
        sample_video(unet, *text, 4, SIZE, SIZE, SamplerSettings(steps=5), interrupt=interrupt,
                     progress=lambda d, n: calls.append((d, n)))
    assert len(calls) == 4  # stopped after the first step of the second run
    long_negative = torch.randn(1, 154, TINY_TEXT_DIM)
    out = sample_video(unet, text[0], long_negative, 4, SIZE, SIZE, SamplerSettings(steps=2))
    assert torch.isfinite(out).all()


def test_bad_requests_are_clear_errors(unet, text):
    guidance = HeatmapGuidance(_figure(8, 32.0), _encoder(), SIZE, SIZE)
    with pytest.raises(ValueError, match="guidance has 8 frames but 12"):
        sample_video(unet, *text, 12, SIZE, SIZE, SamplerSettings(steps=1), guidance)
    with pytest.raises(ValueError, match="drawn for 64x64"):
        sample_video(unet, *text, 8, 128, SIZE, SamplerSettings(steps=1), guidance)
    with pytest.raises(ValueError, match="multiples of 8"):
        sample_video(unet, *text, 8, 60, SIZE, SamplerSettings(steps=1))
    with pytest.raises(ValueError, match="unknown scheduler"):
        sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(scheduler="plms"))
    with pytest.raises(ValueError, match="guidance range"):
        sample_video(unet, *text, 8, SIZE, SIZE, SamplerSettings(guidance_start=0.8, guidance_end=0.2))
    with pytest.raises(TypeError, match="UNetMotionModel"):
        HeatmapInjection(torch.nn.Linear(2, 2))
