"""The runner's overrides on the shipped workflows (no server needed)."""
import pytest

from finephys.host.runner import WorkflowUsageError, set_input, set_prompt, set_seed
from fp_testing import load_workflow


def test_prompt_goes_to_text_expand_when_there_is_one():
    graph = load_workflow("video_to_generation.json")
    assert set_prompt(graph, "back salto") == ["node 21 (FinePhys_TextExpand).label = 'back salto'"]
    assert graph["21"]["inputs"]["label"] == "back salto"
    assert graph["22"]["inputs"]["text"] == ["21", 0]  # the link stays


def test_prompt_goes_to_the_positive_clip_text_encode_without_text_expand():
    graph = load_workflow("video_to_generation.json")
    del graph["21"]
    graph["22"]["inputs"]["text"] = "a gymnast"
    set_prompt(graph, "a diver")
    assert graph["22"]["inputs"]["text"] == "a diver"
    assert graph["23"]["inputs"]["text"].startswith("blurry")  # the negative is untouched


def test_seed_and_set_and_their_errors():
    graph = load_workflow("video_to_generation.json")
    assert set_seed(graph, 7) == ["node 24 (FinePhys_AnimateDiffSampler).seed = 7"]
    assert set_input(graph, "24.steps=30") == "node 24 (FinePhys_AnimateDiffSampler).steps = 30"
    assert graph["24"]["inputs"]["steps"] == 30
    set_input(graph, "21.label=switch leap")
    assert graph["21"]["inputs"]["label"] == "switch leap"  # not JSON: taken as text
    set_input(graph, "12.rigid_bones=false")
    assert graph["12"]["inputs"]["rigid_bones"] is False
    with pytest.raises(WorkflowUsageError, match="no node 99"):
        set_input(graph, "99.steps=3")
    with pytest.raises(WorkflowUsageError, match="NODE.INPUT=VALUE"):
        set_input(graph, "steps=3")
    guidance = load_workflow("video_to_guidance.json")
    with pytest.raises(WorkflowUsageError, match="no seed"):
        set_seed(guidance, 1)
    with pytest.raises(WorkflowUsageError, match="no text prompt"):
        set_prompt(guidance, "salto")
