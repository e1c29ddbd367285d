"""Test-suite settings: Hypothesis runs derandomized so that CI is reproducible.

Explore with fresh random examples locally with ``pytest --hypothesis-profile=explore``.
"""

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile("deterministic")
