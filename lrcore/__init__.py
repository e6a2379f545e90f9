"""lrcore: the numpy engine of Learning-Rate Explorer.

Fit ``y = w*x + b`` by gradient descent and see what the learning rate does.
It imports numpy (and pandas to read CSV) only.
"""

from . import data, descent, export, finder, losses, optimizers, schedules, search, slices, theory
from .data import DataError, Dataset, make_data, read_csv, standardize
from .descent import Trajectory, run
from .finder import RangeTest, lr_range_test

__all__ = [
    "DataError",
    "RangeTest",
    "Dataset",
    "Trajectory",
    "data",
    "descent",
    "export",
    "finder",
    "losses",
    "lr_range_test",
    "make_data",
    "optimizers",
    "read_csv",
    "run",
    "schedules",
    "search",
    "slices",
    "standardize",
    "theory",
]
