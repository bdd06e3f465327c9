"""The editor-format -> API-format conversion on small hand-made graphs (the shipped workflows
are checked against the live server in tests/integration/test_ui_workflows.py)."""
import pytest

from finephys.host.workflow_format import WorkflowFormatError, is_api_workflow, is_ui_workflow, to_api, ui_to_api

OBJECT_INFO = {
    "Loader": {"input": {"required": {"path": [["a.npz", "b.npz"], {}], "fps": ["FLOAT", {"default": 30}]}},
               "input_order": {"required": ["path", "fps"]}},
    "Sampler": {"input": {"required": {"pose": ["POSE", {}], "seed": ["INT", {"control_after_generate": True}],
                                       "steps": ["INT", {}], "fps": ["FLOAT", {}]},
                          "optional": {"extra": ["POSE", {}], "label": ["STRING", {"forceInput": True}]}},
                "input_order": {"required": ["pose", "seed", "steps", "fps"], "optional": ["extra", "label"]}},
}


def node(node_id, kind, widgets, inputs=(), outputs=(), mode=0):
    return {"id": node_id, "type": kind, "mode": mode, "widgets_values": widgets,
            "inputs": [dict(i) for i in inputs], "outputs": [dict(o) for o in outputs]}


def graph(nodes, links):
    return {"nodes": nodes, "links": links, "version": 0.4}


def test_widgets_map_in_order_skipping_the_seed_control_value_and_links_win():
    ui = graph([
        node(1, "Loader", ["b.npz", 25.0], outputs=[{"type": "POSE", "links": [1]}, {"type": "FLOAT", "links": [2]}]),
        node(2, "Sampler", [7, "fixed", 20, 30.0],
             inputs=[{"name": "pose", "type": "POSE", "link": 1},
                     {"name": "seed", "type": "INT", "widget": {"name": "seed"}, "link": None},
                     {"name": "fps", "type": "FLOAT", "widget": {"name": "fps"}, "link": 2},
                     {"name": "extra", "type": "POSE", "link": None}]),
    ], [[1, 1, 0, 2, 0, "POSE"], [2, 1, 1, 2, 3, "FLOAT"]])
    assert is_ui_workflow(ui) and not is_api_workflow(ui)
    api = ui_to_api(ui, OBJECT_INFO)
    assert api == {
        "1": {"class_type": "Loader", "inputs": {"path": "b.npz", "fps": 25.0}},
        "2": {"class_type": "Sampler", "inputs": {"pose": ["1", 0], "seed": 7, "steps": 20, "fps": ["1", 1]}},
    }
    assert is_api_workflow(api) and to_api(api, OBJECT_INFO) is api


def test_reroute_primitive_notes_muted_and_bypassed_nodes():
    ui = graph([
        node(1, "Loader", ["a.npz", 30.0], outputs=[{"type": "POSE", "links": [1]}]),
        node(5, "Reroute", None, inputs=[{"name": "", "type": "*", "link": 1}], outputs=[{"type": "POSE", "links": [2]}]),
        node(6, "Sampler", [1, "fixed", 5, 30.0], mode=4,  # bypassed: its POSE input passes through
             inputs=[{"name": "pose", "type": "POSE", "link": 2}], outputs=[{"type": "POSE", "links": [3]}]),
        node(7, "PrimitiveNode", [42, "fixed"], outputs=[{"type": "INT", "links": [4]}]),
        node(8, "Note", ["a comment"]),
        node(9, "Sampler", [0, "fixed", 9, 12.0],
             inputs=[{"name": "pose", "type": "POSE", "link": 3},
                     {"name": "seed", "type": "INT", "widget": {"name": "seed"}, "link": 4}]),
        node(10, "Sampler", [0, "fixed", 9, 12.0], mode=2,  # muted: dropped
             inputs=[{"name": "pose", "type": "POSE", "link": None}]),
    ], [[1, 1, 0, 5, 0, "POSE"], [2, 5, 0, 6, 0, "POSE"], [3, 6, 0, 9, 0, "POSE"], [4, 7, 0, 9, 1, "INT"]])
    api = ui_to_api(ui, OBJECT_INFO)
    assert set(api) == {"1", "9"}
    assert api["9"]["inputs"] == {"pose": ["1", 0], "seed": 42, "steps": 9, "fps": 12.0}


def test_unknown_node_types_subgraphs_and_non_workflows_are_refused_by_name():
    with pytest.raises(WorkflowFormatError, match="node 3 is of type 'Mystery'"):
        ui_to_api(graph([node(3, "Mystery", [])], []), OBJECT_INFO)
    with pytest.raises(WorkflowFormatError, match="subgraphs"):
        ui_to_api({**graph([], []), "definitions": {"subgraphs": [{"id": "x"}]}}, OBJECT_INFO)
    for bad in ({}, [], {"a": 1}, {"nodes": "x"}):
        with pytest.raises(WorkflowFormatError, match="not a ComfyUI workflow"):
            to_api(bad, OBJECT_INFO)
