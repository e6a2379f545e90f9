"""lrcore: the numpy engine of Learning-Rate Explorer.

Fit ``y = w*x + b`` by gradient descent and see what the learning rate does.
It imports numpy (and pandas to read CSV) only.
"""

from . import data, descent, losses, optimizers, theory
from .data import DataError, Dataset, make_data, read_csv, standardize
from .descent import Trajectory, run

__all__ = [
    "DataError",
    "Dataset",
    "Trajectory",
    "data",
    "descent",
    "losses",
    "make_data",
    "optimizers",
    "read_csv",
    "run",
    "standardize",
    "theory",
]
