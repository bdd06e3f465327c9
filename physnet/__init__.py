"""PhysNet: Euler-Lagrange re-estimation of 3D motion (spec section 1.2), and Fuse & Project.

Start at model.py (the networks and q'' = M^-1 (J - C)), integrator.py (the Verlet update),
constraints.py (rigid bones, the ballistic centre of mass) and inference.py (files in,
S3D_pp out)."""
