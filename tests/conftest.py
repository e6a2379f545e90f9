"""Shared fixtures: seeded datasets that stress different things."""

import numpy as np
import pytest

import lrcore


def lstsq_line(data):
    """(w, b) of the least-squares line by np.linalg.lstsq: a second method."""
    design = np.column_stack([data.x, np.ones_like(data.x)])
    (w, b), *_ = np.linalg.lstsq(design, data.y, rcond=None)
    return float(w), float(b)


DATASETS = {
    "default": lambda: lrcore.make_data(seed=0),
    "steep-noisy": lambda: lrcore.make_data(n=200, w=-3.0, b=5.0, noise=4.0, seed=1),
    "negative-x": lambda: lrcore.make_data(n=30, x_min=-5.0, x_max=2.0, seed=2),
    "x-near-1000": lambda: lrcore.make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3),
    "x-near-1000-standardized": lambda: lrcore.standardize(
        lrcore.make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3)
    ),
    "outliers": lambda: lrcore.make_data(n=100, outliers=0.1, seed=4),
}


@pytest.fixture(params=sorted(DATASETS))
def any_data(request):
    return DATASETS[request.param]()
