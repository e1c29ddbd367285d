"""Planning: coverage geometry shared with the engine's envelopes, the who-covers-what gap
matrix (``iamd gaps``) and battery placement by exact MILP (``iamd plan``).

- ``iamd.plan.coverage``: demand rows (asset × threat class × axis) and the sparse coverage
  matrix of fire units over them, by the engine's own intercept test.
- ``iamd.plan.gaps``: covering units per row tagged own / lent / allied, layers, covered
  value per nation alone and with allies, the dependency index.
- ``iamd.plan.placement``: maximal covering location of lent and own batteries on HiGHS,
  with host consent, separation, border buffers and a reach cap; Pareto fronts; re-planning.
"""
