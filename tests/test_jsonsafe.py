"""Strict JSON: every --json and JSON file goes through one NaN rule."""

from __future__ import annotations

import json
import math

import numpy as np

from orgsim.jsonsafe import nan_to_null


def test_nan_becomes_null_at_any_depth_and_numpy_scalars_become_numbers():
    value = {"a": [1.5, math.nan, np.float64("nan"), np.int64(3)], "b": {"c": (np.bool_(True), math.nan)}}
    clean = nan_to_null(value)
    assert clean == {"a": [1.5, None, None, 3], "b": {"c": [True, None]}}
    assert type(clean["a"][3]) is int
    json.dumps(clean, allow_nan=False)  # would raise on a NaN left behind


def test_values_without_nan_are_unchanged():
    value = {"label": "aligned", "n": 4, "mean": 2.5, "parts": ["x", "y"], "none": None}
    assert nan_to_null(value) == value
