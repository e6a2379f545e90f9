"""The lesson's five claims, each computed at the defaults the app ships,
through the same view builders the pages draw, with the margins the app
promises; on the default data and on a second dataset, so that no claim holds
only by the luck of one seed.

1. Guessing w and b at random takes forever (the contour page).
2. The gradient says which way to go (the slice and contour pages).
3. A step with no learning rate (lr = 1) overshoots (the Data and slice pages).
4. A rate too large bounces around the minimum or flies out of it (Data,
   slice, contour, home).
5. Decaying the rate lets the steps settle, where a constant rate cannot
   (the schedules page), and the page says where a constant rate already does.
"""

import math

import numpy as np
import pytest

import lrcore
from app_helpers import open_page, texts
from ui import compute, state
from ui.views import common, contour, fit, home, loss_slice, schedules

DATASETS = {
    "default data": lrcore.make_data(),
    "second data": lrcore.make_data(seed=7, w=1.5, b=2.0, noise=1.5),
}


@pytest.fixture(params=list(DATASETS), ids=list(DATASETS))
def data(request):
    return DATASETS[request.param]


def default(key):
    return state.ALL[key].default


def contour_defaults(data):
    runs = tuple((float(default(f"contour_lr{i}")), default(f"contour_opt{i}"))
                 for i in range(1, default("contour_runs") + 1))
    return compute.contour_view(
        data, runs=runs, settings=state.OptimizerSettings(), start=(default("contour_w0"), default("contour_b0")),
        steps=default("contour_steps"), batch=default("contour_batch"), loss=default("contour_loss"),
        delta=default("contour_delta"), tol=default("contour_tol"), guesses=default("contour_guesses"),
        equal=default("contour_equal"),
    )


def fit_defaults(data, lr=None):
    return fit.build(data, float(lr if lr is not None else default("fit_lr")), default("fit_steps"),
                     default("fit_w0"), default("fit_b0"))


def slice_defaults(data, lr=None, **changes):
    settings = {key: spec.default for key, spec in state.SLICE.items()} | changes
    loss = settings["slice_loss"]
    best = lrcore.losses.get(loss).minimizer(data)
    held = best[0] if settings["slice_param"] == "b" else best[1]
    s = lrcore.slices.along(data, settings["slice_param"], held, loss)
    return s, loss_slice.build(data, s, start=settings["slice_start"],
                               lr=float(lr if lr is not None else settings["slice_lr"]), steps=settings["slice_steps"],
                               decay=settings["slice_decay"], decay_rate=settings["slice_decay_rate"])


def schedules_defaults(data, **changes):
    settings = {key: spec.default for key, spec in state.SCHED.items()} | changes
    chosen = tuple((name, tuple(sorted({param: state.SCHED[key].default
                                        for param, key in state.SCHEDULE_PARAMS[name].items()}.items())))
                   for name in settings["sched_pick"])
    return schedules.build(data, chosen=chosen, lr=float(settings["sched_lr"]),
                           steps=settings["sched_steps"], optimizer=common.optimizer(settings["sched_opt"]),
                           opt=settings["sched_opt"], loss=settings["sched_loss"], batch=settings["sched_batch"])


# --- claim 1: random guessing takes forever ----------------------------------------------


def test_claim_1_descent_needs_a_tenth_of_the_guesses_random_guessing_needs(data):
    view = contour_defaults(data)
    arrived = [s.steps_to_tol + 1 for s in view.summaries if s.steps_to_tol is not None]
    assert arrived, "no default run reaches the tolerance"
    descent = min(arrived)  # evaluations, the start's included
    # the expected count, exact for the box, and a second method: the ellipse's area when inside the box
    assert view.expected is not None and view.expected >= 10 * descent
    c = lrcore.theory.curvature(data)
    start = (default("contour_w0"), default("contour_b0"))
    half = (max(1.5 * abs(start[0] - c.minimizer[0]), 0.5), max(1.5 * abs(start[1] - c.minimizer[1]), 0.5))
    ellipse = 2 * math.pi * view.target_gap / math.sqrt(c.lambda_min * c.lambda_max)
    assert view.expected == pytest.approx(4 * half[0] * half[1] / ellipse, rel=1e-9)
    # the drawn search: not within ten times descent's evaluations
    guessing = view.race[view.race["run"] == "random guessing"]
    reached = guessing[guessing["gap"] <= view.target_gap]
    assert reached.empty or reached["evaluations"].min() >= 10 * descent
    words = view.race_words
    assert f"{descent - 1:,} steps" in words and f"{round(view.expected):,} guesses" in words
    assert "gap^(−d/2)" in words


# --- claim 2: the gradient gives the direction --------------------------------------------


def test_claim_2_every_slice_step_goes_against_the_slope(data):
    s, view = slice_defaults(data)
    runs = view.runs[view.runs["run"] == loss_slice.CONSTANT]
    steps = runs["p"].diff().to_numpy()[1:]
    slopes = runs["grad"].to_numpy()[:-1]
    moving = np.abs(slopes) > 0
    assert moving.any()
    assert np.all(np.sign(steps[moving]) == -np.sign(slopes[moving]))
    np.testing.assert_allclose(runs["update"].to_numpy()[:-1], steps, rtol=1e-12, atol=1e-15)


def test_claim_2_the_contour_arrows_point_down_the_slope(data):
    view = contour_defaults(data)
    paths = view.paths
    assert {"aw", "ab", "angle"} <= set(paths.columns)
    mse = lrcore.losses.get("mse")
    h = 1e-6
    for row in paths.sample(40, random_state=0).itertuples():
        # central differences of the loss: a second method for the gradient
        gw = (mse.value(data, row.w + h, row.b) - mse.value(data, row.w - h, row.b)) / (2 * h)
        gb = (mse.value(data, row.w, row.b + h) - mse.value(data, row.w, row.b - h)) / (2 * h)
        arrow = np.array([row.aw - row.w, row.ab - row.b])
        down = -np.array([gw, gb])
        if np.linalg.norm(down) > 1e-3:
            cosine = arrow @ down / (np.linalg.norm(arrow) * np.linalg.norm(down))
            assert cosine == pytest.approx(1.0, abs=1e-6)
    assert view.equal  # right angles look right by default
    w_lo, w_hi, b_lo, b_hi = view.window
    assert (w_hi - w_lo) / contour.WIDTH == pytest.approx((b_hi - b_lo) / contour.HEIGHT, rel=1e-9)


# --- claim 3: no learning rate (lr = 1) overshoots -----------------------------------------


def test_claim_3_lr_1_overshoots_on_the_data_page(data):
    view = fit_defaults(data, lr=1.0)
    steep = view.directions[view.directions["direction"].str.startswith("steep")].set_index("step")["error"]
    assert np.sign(steep[1]) == -np.sign(steep[0])  # the first step jumps past the minimum
    assert abs(steep[1]) > abs(steep[0])  # and lands farther than it started
    assert view.verdict.kind == "error" and "jumps past the minimum" in view.verdict.text


def test_claim_3_lr_1_overshoots_on_the_slice_page(data):
    s, view = slice_defaults(data, lr=1.0)
    p = view.runs[view.runs["run"] == loss_slice.CONSTANT]["p"].to_numpy()
    assert np.sign(p[1] - s.minimizer) == -np.sign(p[0] - s.minimizer)
    assert "jumps past the minimum" in view.verdict.text


def test_claim_3_both_pages_offer_the_button():
    for page, key, widget in (("pages/1_Data.py", "fit_set_none", "fit_lr"),
                              ("pages/2_Loss_slice.py", "slice_set_none", "slice_lr")):
        at = open_page(page)
        at.button(key=key).click().run()
        assert not at.exception
        assert float(at.select_slider(key=widget).value) == 1.0
        assert "jumps past the minimum" in texts(at)


# --- claim 4: too large bounces or diverges -----------------------------------------------


def signs_alternate(values, count):
    signs = np.sign(np.asarray(values)[:count])
    return bool(np.all(signs[1:] == -signs[:-1]) and np.all(signs != 0))


def test_claim_4_the_data_page_default_bounces_along_the_steep_direction(data):
    view = fit_defaults(data)
    assert view.regimes[1] == "oscillating"
    steep = view.directions[view.directions["direction"].str.startswith("steep")]
    assert signs_alternate(steep["error"], 6)  # drawn at consecutive steps: the zig-zag is on the chart
    assert view.verdict.text.startswith("**Bouncing")


def test_claim_4_the_slice_default_bounces_across_the_minimum(data):
    s, view = slice_defaults(data)
    p = view.runs[view.runs["run"] == loss_slice.CONSTANT]["p"].to_numpy()
    assert signs_alternate(p - s.minimizer, 6)
    assert view.regime.name == "oscillating but converging"


def test_claim_4_the_contour_default_zig_zags_and_one_run_diverges(data):
    view = contour_defaults(data)
    c = lrcore.theory.curvature(data)
    run2 = view.paths[view.paths["run"] == view.names[1]]
    assert run2["step"].diff().dropna().mod(2).eq(1).all()  # an odd stride keeps the zig-zag
    _, steep = c.components(run2["w"].to_numpy(), run2["b"].to_numpy())
    assert signs_alternate(steep, 5)
    # run 3 is past the edge: it blew up, or flew off the map and is still climbing
    assert float(default("contour_lr3")) > c.lr_max_stable
    third = view.summaries[2]
    start_gap = float(view.race.loc[view.race["run"] == view.names[2], "gap"].iloc[0])
    assert third.diverged_at is not None or third.final_gap > start_gap
    assert any(view.names[2] in words and ("diverged" in words or "flying away" in words) for words in view.exit_words)


def test_claim_4_the_home_page_shows_a_bounce_in_and_a_bounce_out(data):
    view = home.build(data)
    runs = dict(iter(view.steep.groupby("run")))
    bounce_in, bounce_out = (runs[name]["error"].to_numpy() for name in view.names[2:])
    assert signs_alternate(bounce_in, 10) and abs(bounce_in[10]) < abs(bounce_in[0])
    assert signs_alternate(bounce_out, 10) and abs(bounce_out[10]) > abs(bounce_out[0])
    assert "diverges at step" in view.names[3]


# --- claim 5: decay settles where a constant rate cannot ----------------------------------


def test_claim_5_decay_ends_ten_times_closer_under_mini_batch_noise(data):
    view = schedules_defaults(data)
    assert default("sched_batch") and default("sched_batch") < data.n  # the noise the claim needs
    keys = list(default("sched_pick"))
    constant = view.summaries[keys.index("constant")]
    decays = [s for key, s in zip(keys, view.summaries) if key != "constant"]
    assert decays
    for s in decays:
        assert s.tail_gap * 10 <= constant.tail_gap  # where it ended up: the mean over the last tenth
        assert s.final_gap * 10 <= constant.final_gap  # and the very last step
    assert view.verdict.kind == "success" and "Decay wins" in view.verdict.text
    assert "converges on its own" in view.when  # and where a constant rate needs no decay


def test_claim_5_is_honest_where_it_does_not_hold(data):
    """On full-batch MSE below the edge a constant rate converges: the page says
    so, and does not call decay the winner."""
    view = schedules_defaults(data, sched_batch=0)
    keys = list(default("sched_pick"))
    constant = view.summaries[keys.index("constant")]
    assert constant.diverged_at is None
    assert float(default("sched_lr")) < lrcore.theory.curvature(data).lr_max_stable
    assert "converges here on its own" in view.when
    assert "Decay wins" not in view.verdict.text


def test_claim_5_on_the_slice_page_inverse_time_settles_where_a_constant_rate_bounces(data):
    s, view = slice_defaults(data, lr=1.0, slice_decay="inverse time", slice_steps=200)
    assert view.decay.kind == "success" and "settled" in view.decay.text
    runs = dict(iter(view.runs.groupby("run")))
    constant_end = abs(runs[loss_slice.CONSTANT]["p"].iloc[-1] - s.minimizer)
    decayed_end = abs(runs["inverse time decay"]["p"].iloc[-1] - s.minimizer)
    assert decayed_end * 100 < constant_end
