"""The files a learner downloads: the points in use, and a sample of what the upload accepts."""

from __future__ import annotations

import lrcore

from .state import DataSettings


def csv_bytes(data: lrcore.Dataset) -> bytes:
    """The points as a CSV file with a header ``x,y`` (for a download)."""
    return data.to_frame().to_csv(index=False, float_format="%.17g").encode()


def points_csv(settings: DataSettings, uploaded: lrcore.Dataset | None = None) -> bytes:
    """The points in use as a CSV file, made when the learner asks for it:
    ``uploaded`` (the raw upload, kept in the session anyway) or the made
    points of ``settings``, standardized if they say so. A download button
    keeps this call until it is pressed, so it holds the recipe, not a
    million points."""
    data = uploaded if uploaded is not None else lrcore.make_data(**settings.recipe())
    return csv_bytes(lrcore.standardize(data) if settings.std else data)


def sample_csv() -> bytes:
    """A small example of a file the upload accepts."""
    return csv_bytes(lrcore.make_data(n=20, w=1.5, b=-2.0, noise=0.5, seed=7))
