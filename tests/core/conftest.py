"""Hypothesis profiles, chosen with ``HYPOTHESIS_PROFILE`` (default: hypothesis's own defaults).

- ``ci``: deterministic (derandomized), no per-example deadline; the usual example counts.
- ``thorough``: ten times the examples, for a long local or nightly run.
- ``dev``: a tenth, for a quick edit-test loop.

The business-time oracle tests run ten times the profile's ``max_examples`` each (1,000 per test
and 2,000 in total with the default and ``ci`` profiles).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.register_profile("dev", max_examples=10, deadline=None)

if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
