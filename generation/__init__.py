"""Guided video generation around SD1.5 + an AnimateDiff motion module (spec 1.4):
loading the models from local files (unet.py, motion_module.py, configs/), the heatmap
feature injection (injection.py), context windows for long clips (context.py), the
schedulers (schedulers.py) and the denoising loop (sampler.py). Plain diffusers/PyTorch:
the ComfyUI node (nodes/nodes_generate.py) and the training scripts call the same code."""
