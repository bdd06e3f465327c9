"""Run any ComfyUI workflow file headless and collect what it saved.

    # on the embedded ComfyUI (started for this run, stopped after)
    .venv/bin/python scripts/run_workflow.py workflows/api/video_to_guidance.json \\
        --video my_flip.mp4 --output out/

    # on a ComfyUI you already run (with this package installed)
    .venv/bin/python scripts/run_workflow.py workflows/ui/video_to_generation.json \\
        --server http://127.0.0.1:8188 --video my_flip.mp4 --prompt "back salto" --seed 7

Takes the editor's format (what Save / drag-and-drop use) or the API format. Overrides:
--video and --pose-file send the file to the server's input folder and point every loader at
it; --prompt sets the action label of FinePhys Text Expand (or the positive CLIP Text Encode);
--seed sets every seed; --set NODE.INPUT=VALUE sets anything (VALUE as JSON, else text).
Progress streams to stdout; saved files and text reports land in --output.

Exit codes: 0 done; 1 a node failed (its message is printed); 2 the workflow or an override
does not fit (unknown nodes, bad values, missing model files: all listed); 3 server problem.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package import load_package  # noqa: E402

load_package()
from finephys.host.client import ComfyAPIError, ComfyClient, PromptFailed  # noqa: E402
from finephys.host.runner import (  # noqa: E402
    InputFolder, ProgressPrinter, WorkflowUsageError, apply_overrides, load_workflow_file, run_workflow,
)
from finephys.host.server import ComfyServer  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workflow", type=Path, help="workflow JSON (editor or API format)")
    parser.add_argument("--server", help="URL of a running ComfyUI (default: start the embedded one)")
    parser.add_argument("--models-dir", type=Path, action="append", default=[],
                        help="embedded server: a models folder in ComfyUI's layout (checkpoints/, "
                        "animatediff_models/, loras/, finephys/) to use besides its own; repeatable")
    parser.add_argument("--video", type=Path, help="input video for the workflow's video loader")
    parser.add_argument("--pose-file", type=Path, help="pose file (json/npz) for the workflow's pose loader")
    parser.add_argument("--prompt", help="the action / text prompt")
    parser.add_argument("--seed", type=int, help="seed for every sampler")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NODE.INPUT=VALUE",
                        help="set any input, e.g. --set 24.steps=30 (repeatable)")
    parser.add_argument("--output", type=Path, default=Path("workflow_output"), help="folder for the results")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the run")
    parser.add_argument("--print-prompt", action="store_true", help="print the API prompt that is queued")
    return parser.parse_args(argv)


def execute(args: argparse.Namespace, client: ComfyClient, input_dir: Path | None) -> int:
    graph = load_workflow_file(args.workflow, client.object_info())
    changes = apply_overrides(graph, InputFolder(client, input_dir), video=args.video, pose_file=args.pose_file,
                              prompt=args.prompt, seed=args.seed, sets=tuple(args.sets))
    for line in changes:
        print(f"set {line}")
    if args.print_prompt:
        print(json.dumps(graph, indent=1))
    print(f"running {args.workflow.name} ({len(graph)} nodes) ...", flush=True)
    result = run_workflow(client, graph, args.output, on_event=ProgressPrinter(graph), timeout=args.timeout)
    written = result.files
    for node_id, texts in result.texts.items():
        target = args.output / f"node{node_id}_{graph[node_id]['class_type']}.txt"
        target.write_text("\n\n".join(texts) + "\n")
        written.append(target)
    print(f"done in {result.seconds:.1f} s; {len(written)} files in {args.output}:")
    for path in written:
        print(f"  {path}")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.workflow.is_file():
        print(f"error: workflow file {args.workflow} not found", file=sys.stderr)
        return 2
    try:
        if args.server:
            client = ComfyClient(args.server, timeout=60)
            if not client.alive():
                print(f"error: no ComfyUI answers at {args.server}", file=sys.stderr)
                return 3
            return execute(args, client, None)
        missing = [d for d in args.models_dir if not d.is_dir()]
        if missing:
            print(f"error: --models-dir {missing[0]} is not a folder", file=sys.stderr)
            return 2
        with ComfyServer(model_dirs=tuple(args.models_dir)) as server:
            print(f"embedded ComfyUI started in {server.startup_seconds:.1f} s ({server.url})", flush=True)
            return execute(args, server.client(timeout=60), server.input_dir)
    except WorkflowUsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PromptFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ComfyAPIError as exc:  # 400: ComfyUI's own validation refused the prompt
        print(f"error: {exc}", file=sys.stderr)
        return 2 if exc.status == 400 else 3
    except (TimeoutError, ConnectionError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
