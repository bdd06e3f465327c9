"""Training scripts and their data pipelines (lifter; PhysNet and adapters land later)."""
