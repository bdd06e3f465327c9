"""Heatmap rendering (heatmaps.py), the multi-scale guidance encoder (encoder.py) and the
guidance object samplers consume (guidance.py); spec section 1.4."""
