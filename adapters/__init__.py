"""Heatmap rendering and the multi-scale guidance encoder (spec section 1.4). Lands with F6."""
