"""The home page under Streamlit's AppTest."""

import numpy as np
import pytest

import lrcore
from app_helpers import charts, drawable, frame_with, open_page, spec
from ui.views import home
from ui.views.common import num


def test_home_page_runs_and_explains_the_lesson():
    at = open_page()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for words in ("red line", "green line", "loss", "gradient", "learning rate", "overshoots", "Decaying"):
        assert words in text
    curves, steep = charts(at)
    assert spec(curves)["encoding"]["y"]["scale"]["type"] == "log"
    for chart in (curves, steep):
        assert drawable(chart)
    assert len(at.get("page_link")) >= 1


@pytest.mark.parametrize("query", [{}, {"std": "true"}, {"x_min": "1000", "x_max": "1010"}])
def test_the_four_runs_are_named_by_what_they_do(query):
    at = open_page(query=query)
    assert not at.exception
    settings = {"x_min": float(query.get("x_min", 0.0)), "x_max": float(query.get("x_max", 10.0))}
    data = lrcore.make_data(**settings)
    data = lrcore.standardize(data) if query.get("std") else data
    c = lrcore.theory.curvature(data)
    rates = [m / c.lambda_max for m in home.MULTIPLES]
    traj = lrcore.run(data, rates, steps=home.STEPS)
    curves = frame_with(charts(at)[0], {"run", "step", "gap"})
    names = list(dict.fromkeys(curves["run"]))
    assert len(names) == len(rates)
    for name, rate, d, losses in zip(names, rates, traj.diverged_at, traj.loss):
        product = rate * c.lambda_max  # the steep direction's regime, by its definition
        if product > 2:
            assert "bounces and grows" in name
        elif product > 1 + 1e-12:
            assert "bounces and shrinks" in name
        elif product < 1 - 1e-12:
            assert "no direction bounces" in name
        assert ("diverges at step" in name) == (d >= 0)
        if d >= 0:
            assert name.endswith(f"diverges at step {d}")
        # drawn to the last finite step, every step whose gap a log axis can show
        last = home.STEPS if d < 0 else d - 1
        gaps = losses[: last + 1] - c.min_loss
        drawn = curves[curves["run"] == name]
        assert drawn["step"].tolist() == np.flatnonzero(gaps > 0).tolist()
        np.testing.assert_allclose(drawn["gap"], gaps[drawn["step"].to_numpy()], rtol=1e-9)
    words = " ".join(caption.value for caption in at.caption)
    assert f"λmax, is {num(c.lambda_max, 4)}" in words and f"2/λmax = {num(c.lr_max_stable, 4)}" in words
