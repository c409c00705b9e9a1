"""Hypothesis settings for the hostile-input tests: derandomized (a fixed seed, so CI
is reproducible) and a bounded number of examples; ``HYPOTHESIS_PROFILE=fuzz`` runs many
more, with fresh randomness, for a longer local hunt."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=20_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
