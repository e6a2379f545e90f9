"""The LR range test against fastai's rules written again here the plain way
(its double-loop valley, its debiased moving average, its stop rule), numbers
worked by hand, and the theory's rates for the default dataset."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import lrcore
from lrcore import theory
from lrcore.finder import lr_range_test, minimum, smooth_losses, steep, suggest, valley


# --- fastai, written plainly ------------------------------------------------------


def fastai_valley_index(losses, margin=0.0):
    """fastai.callback.schedule.valley, line for line, returning its index;
    ``margin`` > 0 asks a fall to be larger than it (our flat-start rule)."""
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j] - margin) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    return max_start + int(sections) + int(sections / 2)


def debiased_ema(losses, smooth):
    """fastai's AvgSmoothLoss: val = lerp(loss, val, beta); value = val/(1 - beta**count)."""
    beta = 1 - smooth
    val, out = 0.0, []
    for count, loss in enumerate(losses, start=1):
        val = beta * val + (1 - beta) * loss
        out.append(val / (1 - beta**count))
    return out


def first_stop(smoothed, factor):
    """LRFinder.after_batch: best updated first, then smooth > factor*best."""
    best = math.inf
    for t, value in enumerate(smoothed):
        if not math.isfinite(value):
            return t
        best = min(best, value)
        if value > factor * best:
            return t
    return -1


# --- the default dataset and the theory -------------------------------------------


@pytest.fixture(scope="module")
def default_test():
    data = lrcore.make_data()
    return data, theory.curvature(data), lr_range_test(data)


def test_default_data_stops_past_the_edge_and_records_where(default_test):
    data, c, test = default_test
    assert test.stop_reason == "rose"
    assert 0 < test.stopped_at < 99
    m = test.stopped_at + 1
    assert test.lrs.shape == test.losses.shape == test.smoothed.shape == (m,)
    # it cannot blow up before the rate passes 2/lambda_max
    assert test.lrs[test.stopped_at] > c.lr_max_stable
    # the raw losses fall while the rate is below the edge (a convex quadratic)
    below = test.lrs < c.lr_max_stable
    assert (np.diff(test.losses[below]) < 0).all()
    # the stop is the first smoothed value above 4 x the best before it
    assert first_stop(test.smoothed, 4.0) == test.stopped_at
    assert test.window == (10, m - 5)
    assert test.reason == ""


def test_default_data_steep_and_minimum_lie_between_monotone_over_10_and_max_stable(default_test):
    _, c, test = default_test
    for name in ("steep", "minimum"):
        assert c.lr_monotone / 10 <= test.suggestions[name] <= c.lr_max_stable, name


def test_default_data_valley_lies_between_monotone_over_10_and_max_stable(default_test):
    _, c, test = default_test
    assert c.lr_monotone / 10 <= test.suggestions["valley"] <= c.lr_max_stable


@pytest.mark.parametrize(
    "data",
    [
        lrcore.make_data(n=200, w=-3.0, b=5.0, noise=4.0, seed=1),
        lrcore.make_data(n=30, x_min=-5.0, x_max=2.0, seed=2),
        lrcore.standardize(lrcore.make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3)),
        lrcore.make_data(n=100, outliers=0.1, seed=4),
        lrcore.make_data(x_min=-50.0, x_max=50.0, seed=5),
    ],
    ids=["steep-noisy", "negative-x", "standardized", "outliers", "wide-x"],
)
def test_valley_lies_between_monotone_over_10_and_max_stable_on_other_data(data):
    c = lrcore.theory.curvature(data)
    test = lr_range_test(data)
    assert c.lr_monotone / 10 <= test.suggestions["valley"] <= c.lr_max_stable


def test_fastais_strict_valley_would_follow_min_lr_instead(default_test):
    """Why the flat-start rule: with no noise the strict valley starts at the
    first record, so its suggestion moves with min_lr, not with the data."""
    data, _, test = default_test
    start, stop = test.window
    strict = valley(test.lrs[start:stop], test.smoothed[start:stop], flat=0.0)
    other = lr_range_test(data, min_lr=1e-5)
    o_start, o_stop = other.window
    strict_other = valley(other.lrs[o_start:o_stop], other.smoothed[o_start:o_stop], flat=0.0)
    assert strict_other / strict > 10  # moved with min_lr (100x)
    assert 0.5 < other.suggestions["valley"] / test.suggestions["valley"] < 2  # ours stays put


def test_fastais_strict_valley_is_the_mid_point_of_the_whole_falling_window(default_test):
    """fastai's strict valley (flat=0) by hand: the smoothed loss falls from the
    window's start to its minimum, one strictly decreasing run of L points;
    fastai takes max_start one before it and the index max_start + int(L/3) + int(L/6)."""
    _, _, test = default_test
    start, stop = test.window
    part = test.smoothed[start:stop]
    low = int(np.argmin(part))
    assert (np.diff(part[: low + 1]) < 0).all()
    length = low + 1
    index = start + (low - length) + int(length / 3) + int(length / 3 / 2)
    assert test.suggestions["valley"] > test.lrs[index]  # the flat-start rule moves it up
    assert valley(test.lrs[start:stop], part, flat=0.0) == test.lrs[index]


def test_suggestions_are_the_functions_on_the_trimmed_window(default_test):
    _, _, test = default_test
    start, stop = test.window
    lrs, part = test.lrs[start:stop], test.smoothed[start:stop]
    assert test.suggestions == {"valley": valley(lrs, part), "steep": steep(lrs, part), "minimum": minimum(lrs, part)}
    margin = 0.01 * (part.max() - part.min())
    assert test.suggestions["valley"] == lrs[fastai_valley_index(list(part), margin)]
    slopes = np.diff(part) / np.diff(np.log(lrs))
    assert test.suggestions["steep"] == lrs[np.argmin(slopes)]
    assert test.suggestions["minimum"] == lrs[np.argmin(part)] / 10


# --- the schedule, the pairing, the smoothing -------------------------------------


def test_rates_grow_exponentially_with_both_ends_included():
    data = lrcore.make_data(n=20, seed=3)
    test = lr_range_test(data, min_lr=1e-6, max_lr=1e-3, steps=50, stop_factor=math.inf)
    assert test.stop_reason == "completed" and test.stopped_at == -1
    t = np.arange(50)
    np.testing.assert_allclose(test.lrs, 1e-6 * (1e-3 / 1e-6) ** (t / 49), rtol=1e-12)
    assert test.lrs[0] == 1e-6 and test.lrs[-1] == 1e-3
    np.testing.assert_allclose(test.lrs[1:] / test.lrs[:-1], 1000 ** (1 / 49), rtol=1e-12)


def test_each_rate_is_paired_with_the_loss_before_its_update():
    data = lrcore.make_data(n=25, seed=4)
    test = lr_range_test(data, steps=80)
    m = test.lrs.size
    traj = lrcore.run(data, lambda t: test.lrs[t], steps=m)
    np.testing.assert_array_equal(test.losses, traj.loss[0, :m])
    # update 0 is paired with the loss at the start
    assert test.losses[0] == lrcore.losses.get("mse").value(data, 0.0, 0.0)


def test_mini_batches_optimizer_names_and_loss_go_through_run():
    data = lrcore.make_data(n=30, seed=5)
    test = lr_range_test(data, steps=60, loss="huber", optimizer="adam", batch_size=7, seed=3)
    m = test.lrs.size
    traj = lrcore.run(
        data, lambda t: test.lrs[t], steps=m, loss="huber", optimizer=lrcore.optimizers.adam(), batch_size=7, seed=3
    )
    np.testing.assert_array_equal(test.losses, traj.loss[0, :m])


@pytest.mark.parametrize("smooth", [0.05, 0.02, 0.3, 1.0])
def test_smoothing_is_fastais_debiased_moving_average(smooth):
    data = lrcore.make_data(n=40, seed=6)
    test = lr_range_test(data, smooth=smooth)
    np.testing.assert_allclose(test.smoothed, debiased_ema(test.losses, smooth), rtol=1e-12)
    if smooth == 1.0:
        np.testing.assert_array_equal(test.smoothed, test.losses)


def test_smoothing_by_hand():
    """smooth = 0.5: avg = 2, 2, 1.5 -> /0.5, /0.75, /0.875."""
    smoothed, stopped_at, why = smooth_losses([4.0, 2.0, 1.0], smooth=0.5)
    np.testing.assert_allclose(smoothed, [4.0, 2.0 / 0.75, 1.5 / 0.875], rtol=1e-15)
    assert (stopped_at, why) == (-1, "completed")


# --- the stop rule by hand ------------------------------------------------------


def test_stop_rule_on_a_made_up_sequence():
    # no smoothing: best 2 at t=3, 7.9 is not above 8, 8.1 is
    sequence = [5.0, 3.0, 4.0, 2.0, 7.9, 8.1, 100.0]
    smoothed, stopped_at, why = smooth_losses(sequence, smooth=1.0)
    assert (stopped_at, why) == (5, "rose")
    np.testing.assert_array_equal(smoothed, sequence[:6])
    # best is updated before the check: a new best never stops it
    assert smooth_losses([10.0, 1.0, 0.5], smooth=1.0)[1] == -1
    # another factor
    assert smooth_losses(sequence, smooth=1.0, stop_factor=2.0)[1] == 4  # 7.9 > 2*2
    # with smoothing, smooth = 0.5: avg = 0.5, 0.75, 0.875, 3.4375, 6.71875;
    # debiased by 1 - 0.5**(t+1): 1, 1, 1, 3.667 (< 4), 6.935 (> 4): stops at 4
    values = [1.0, 1.0, 1.0, 6.0, 10.0, 0.0]
    smoothed, stopped_at, why = smooth_losses(values, smooth=0.5)
    np.testing.assert_allclose(smoothed, [1.0, 1.0, 1.0, 3.4375 / 0.9375, 6.71875 / 0.96875], rtol=1e-15)
    assert (stopped_at, why) == (4, "rose")
    assert first_stop(debiased_ema(values, 0.5), 4.0) == 4


def test_stop_rule_on_nan_inf_zero_and_negative_values():
    assert smooth_losses([3.0, 2.0, math.nan, 1.0], smooth=1.0)[1:] == (2, "not finite")
    assert smooth_losses([3.0, math.inf], smooth=1.0)[1:] == (1, "not finite")
    assert smooth_losses([math.nan], smooth=0.05)[1:] == (0, "not finite")
    # a best of 0: any rise stops it, as 4*0 = 0 in fastai
    assert smooth_losses([1.0, 0.0, 0.0, 1e-300], smooth=1.0)[1] == 3
    # a negative best: stop on a rise of 3*|best| above it (fastai's 4*best would stop at once)
    assert smooth_losses([-1.0, -2.0, 3.9], smooth=1.0)[1] == -1
    assert smooth_losses([-1.0, -2.0, 4.1], smooth=1.0)[1] == 2
    # stop_factor=inf: no stop on a rise, still on a non-finite value
    assert smooth_losses([1.0, 1e300, 1e308], smooth=1.0, stop_factor=math.inf)[1] == -1
    assert smooth_losses([1.0, 1e300, math.nan], smooth=1.0, stop_factor=math.inf)[1] == 2


def test_a_range_test_that_goes_non_finite_before_it_rises():
    data = lrcore.make_data(seed=0)
    test = lr_range_test(data, max_lr=1e300, stop_factor=math.inf)
    assert test.stop_reason == "not finite"
    assert np.isnan(test.losses[-1]) and np.isfinite(test.losses[:-1]).all()
    assert all(math.isfinite(v) for v in test.suggestions.values())
    assert test.window[1] <= test.stopped_at  # the non-finite record is never used


# --- the suggestion functions by hand ---------------------------------------------


LRS = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]


def test_minimum_and_steep_on_a_v_shape():
    v_shape = [9.0, 7.0, 4.0, 2.0, 1.0, 3.0, 6.0, 10.0, 15.0]
    assert minimum(LRS, v_shape) == 1.6  # lowest at 16
    assert steep(LRS, v_shape) == 2.0  # the fall 7 -> 4 is the steepest
    # fastai's valley: 9 7 4 2 1 falls from index 0 to 4, so max_end = 4,
    # max_start = 4 - 5 = -1, L = 5: index -1 + int(5/3) + int(5/6) = 0
    assert fastai_valley_index(v_shape) == 0
    assert valley(LRS, v_shape) == 1.0


def test_valley_on_a_flat_start_then_a_long_fall():
    losses = [5.0, 5.0, 5.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.5]
    # lds = 1,1,1,1,2,3,4,5,6: max_end = 8, max_start = 8 - 6 = 2, L = 6, index 2 + 2 + 1
    assert fastai_valley_index(losses) == 5
    assert valley(LRS, losses) == 32.0


def test_valley_clamps_fastais_index_minus_one():
    """A two-point valley at the start: fastai's index is -1 (Python's last rate)."""
    assert fastai_valley_index([2.0, 1.0]) == -1
    assert valley([1.0, 2.0], [2.0, 1.0]) == 1.0
    assert fastai_valley_index([3.0, 1.0, 2.0]) == -1
    assert valley([1.0, 2.0, 4.0], [3.0, 1.0, 2.0]) == 1.0


def test_valley_of_a_rising_or_flat_curve_is_the_first_rate():
    assert valley(LRS[:4], [1.0, 2.0, 3.0, 4.0]) == 1.0
    assert valley(LRS[:4], [1.0, 1.0, 1.0, 1.0]) == 1.0
    assert valley([0.5], [7.0]) == 0.5


@given(st.lists(st.integers(-4, 4), min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_valley_is_fastais_algorithm(values):
    """Small integers: ties, plateaus, zeros and negatives all come up."""
    losses = [float(v) for v in values]
    lrs = [2.0**i for i in range(len(losses))]
    assert valley(lrs, losses, flat=0.0) == lrs[max(fastai_valley_index(losses), 0)]
    margin = 0.25 * (max(losses) - min(losses))
    assert valley(lrs, losses, flat=0.25) == lrs[max(fastai_valley_index(losses, margin), 0)]


def test_steep_skips_segments_where_the_rate_did_not_grow():
    assert steep([1.0, 1.0, 2.0], [5.0, 0.0, 4.0]) == 1.0  # 5 -> 0 has no width: skipped
    assert math.isnan(steep([3.0, 3.0], [2.0, 1.0]))


def test_zero_and_negative_losses_take_no_logarithm():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found, reason, window = suggest(LRS[:6], [0.0, 0.0, -1.0, -5.0, -5.0, 0.0])
    assert reason == "" and window == (0, 6)
    assert found == {"valley": LRS[max(fastai_valley_index([0.0, 0.0, -1.0, -5.0, -5.0, 0.0]), 0)],
                     "steep": 4.0, "minimum": 0.8}
    found, reason, _ = suggest(LRS[:3], [0.0, 0.0, 0.0])
    assert found == {"valley": 1.0, "steep": 1.0, "minimum": 0.1} and reason == ""
    found, _, _ = suggest(LRS[:3], [-1e308, 1e308, -1e308])  # differences overflow to inf
    assert found["steep"] == 2.0


def test_suggest_uses_the_finite_part_only():
    losses = [5.0, 4.0, 2.0, 1.5, math.inf, 1.0, 0.0, -1.0, math.nan]
    found, reason, window = suggest(LRS, losses)
    assert window == (0, 4) and reason == ""
    # falls from index 0 to 3: max_start = -1, L = 4, index -1 + 1 + 0 = 0
    assert found == {"valley": 1.0, "steep": 2.0, "minimum": 0.8}


def test_suggest_trims_like_fastai_when_the_window_is_long_enough():
    losses = list(np.linspace(10.0, 1.0, 30))
    lrs = [1.1**i for i in range(30)]
    _, _, window = suggest(lrs, losses, skip_start=3, skip_end=5)
    assert window == (3, 25)
    # too short after trimming: every finite record instead
    _, _, window = suggest(lrs[:8], losses[:8], skip_start=3, skip_end=5)
    assert window == (0, 8)


def test_no_finite_record_gives_nan_and_a_reason():
    found, reason, window = suggest([1.0, 2.0], [math.nan, 1.0])
    assert all(math.isnan(v) for v in found.values()) and list(found) == ["valley", "steep", "minimum"]
    assert reason == "no finite loss was recorded" and window == (0, 0)
    found, reason, _ = suggest([1.0], [3.0])  # one point: no slope
    assert found["valley"] == 1.0 and found["minimum"] == 0.1 and math.isnan(found["steep"])
    assert "steep" in reason


# --- data whose losses blow up ---------------------------------------------------


@pytest.mark.parametrize("optimizer", [None, "momentum", "adam", "rmsprop"])
@pytest.mark.parametrize("max_lr", [10.0, 1e300])
def test_x_around_a_million_gives_finite_suggestions_or_a_reason(optimizer, max_lr):
    data = lrcore.make_data(n=30, x_min=1e6, x_max=1e6 + 10.0, seed=8)
    test = lr_range_test(data, max_lr=max_lr, optimizer=optimizer)
    assert test.stop_reason in ("rose", "not finite", "completed")
    for name, lr in test.suggestions.items():
        assert (1e-8 <= lr <= max_lr) or (math.isnan(lr) and test.reason), name


def test_an_infinite_first_loss_gives_nan_suggestions_and_a_reason():
    test = lr_range_test(lrcore.make_data(), start=(1e200, 0.0))
    assert (test.stopped_at, test.stop_reason) == (0, "not finite")
    assert all(math.isnan(v) for v in test.suggestions.values())
    assert test.reason == "no finite loss was recorded"


def test_result_arrays_are_read_only(default_test):
    _, _, test = default_test
    for array in (test.lrs, test.losses, test.smoothed):
        with pytest.raises(ValueError):
            array[0] = 1.0


# --- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"min_lr": 0.0}, "min_lr"),
        ({"min_lr": -1e-3}, "min_lr"),
        ({"min_lr": math.nan}, "min_lr"),
        ({"min_lr": math.inf}, "min_lr"),
        ({"min_lr": "1e-7"}, "min_lr"),
        ({"max_lr": 1e-7}, "max_lr"),
        ({"max_lr": 1e-8}, "max_lr"),
        ({"max_lr": math.inf}, "max_lr"),
        ({"max_lr": True}, "max_lr"),
        ({"steps": 1}, "steps"),
        ({"steps": 10.0}, "steps"),
        ({"steps": True}, "steps"),
        ({"smooth": 0.0}, "smooth"),
        ({"smooth": 1.5}, "smooth"),
        ({"smooth": math.nan}, "smooth"),
        ({"stop_factor": 1.0}, "stop_factor"),
        ({"stop_factor": math.nan}, "stop_factor"),
        ({"loss": "mape"}, "loss"),
        ({"optimizer": "adamw"}, "optimizer"),
        ({"optimizer": 3}, "optimizer"),
        ({"batch_size": 0}, "batch_size"),
        ({"seed": -1}, "seed"),
        ({"start": (math.nan, 0.0)}, "start"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, word):
    with pytest.raises(ValueError, match=word):
        lr_range_test(lrcore.make_data(n=10), **kwargs)


def test_bad_data_and_bad_suggest_arguments():
    with pytest.raises(ValueError, match="data"):
        lr_range_test([1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        suggest([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="lrs"):
        suggest([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="skip_end"):
        suggest([1.0, 2.0], [1.0, 2.0], skip_end=-1)
    with pytest.raises(ValueError, match="finite"):
        valley([1.0, 2.0], [1.0, math.nan])
    with pytest.raises(ValueError, match="at least 2"):
        steep([1.0], [1.0])


# --- anything goes: only ValueError, never a warning -------------------------------

DATA = {
    "default": lrcore.make_data(n=20, seed=1),
    "million": lrcore.make_data(n=20, x_min=1e6, x_max=1e6 + 5.0, seed=2),
    "noise-free": lrcore.make_data(n=10, noise=0.0, seed=3),
    "tiny": lrcore.make_data(n=10, w=1e-150, b=1e-150, noise=1e-150, x_min=0.0, x_max=1e-150, seed=4),
}

wide_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-300, max_value=1e300),
    st.sampled_from([0.0, -1.0, 1e-7, 10.0, 1e-320, 5e-324]),
)


@given(
    data=st.sampled_from(sorted(DATA)),
    min_lr=wide_numbers,
    max_lr=wide_numbers,
    steps=st.integers(-1, 120),
    smooth=st.one_of(st.floats(allow_nan=True), st.sampled_from([1.0, 5e-324, 1e-17])),
    stop_factor=st.one_of(st.floats(min_value=0.5), st.sampled_from([math.nan, math.inf, 1.0])),
    loss=st.sampled_from(["mse", "mae", "huber"]),
    optimizer=st.sampled_from([None, "momentum", "nesterov", "adagrad", "rmsprop", "adam"]),
    batch_size=st.sampled_from([None, 3]),
    start=st.sampled_from([(0.0, 0.0), (1e150, -1e150), (1e200, 0.0)]),
)
@settings(max_examples=120, deadline=None)
def test_wide_arguments_raise_only_value_error_and_never_warn(
    data, min_lr, max_lr, steps, smooth, stop_factor, loss, optimizer, batch_size, start
):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            test = lr_range_test(
                DATA[data], min_lr=min_lr, max_lr=max_lr, steps=steps, smooth=smooth,
                stop_factor=stop_factor, loss=loss, optimizer=optimizer, batch_size=batch_size,
                start=start,
            )
        except ValueError:
            event("ValueError")
            return
    event(test.stop_reason)
    m = test.lrs.size
    assert 1 <= m <= steps and test.losses.size == test.smoothed.size == m
    assert (test.stopped_at == -1) == (m == steps and test.stop_reason == "completed")
    assert test.stopped_at in (-1, m - 1)
    assert np.isfinite(test.smoothed[:-1]).all()
    assert list(test.suggestions) == ["valley", "steep", "minimum"]
    for lr in test.suggestions.values():
        assert (test.lrs[0] / 10 <= lr <= test.lrs[-1]) or (math.isnan(lr) and test.reason)


@given(
    data=st.sampled_from(sorted(DATA)),
    min_lr=st.one_of(st.floats(min_value=5e-324, max_value=1e300), st.floats(min_value=1e-9, max_value=1.0)),
    ratio=st.one_of(
        st.floats(min_value=1.0, max_value=1e300, exclude_min=True),
        st.floats(min_value=1.0, max_value=1e12, exclude_min=True),
    ),
    steps=st.integers(2, 120),
    smooth=st.floats(min_value=5e-324, max_value=1.0),
    stop_factor=st.one_of(st.floats(min_value=1.0, max_value=1e300, exclude_min=True), st.just(math.inf)),
    loss=st.sampled_from(["mse", "mae", "huber"]),
    optimizer=st.sampled_from([None, "momentum", "nesterov", "adagrad", "rmsprop", "adam"]),
    batch_size=st.sampled_from([None, 3]),
    start=st.sampled_from([(0.0, 0.0), (1e150, -1e150), (1e200, 0.0)]),
)
@settings(max_examples=150, deadline=None)
def test_wide_valid_arguments_give_a_result_and_never_warn(
    data, min_lr, ratio, steps, smooth, stop_factor, loss, optimizer, batch_size, start
):
    """Valid by construction (unless min_lr*ratio overflows or rounds to min_lr)."""
    max_lr = min_lr * ratio
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            test = lr_range_test(
                DATA[data], min_lr=min_lr, max_lr=max_lr, steps=steps, smooth=smooth,
                stop_factor=stop_factor, loss=loss, optimizer=optimizer, batch_size=batch_size,
                start=start,
            )
        except ValueError as error:
            assert "max_lr" in str(error) and not (math.isfinite(max_lr) and max_lr > min_lr)
            event("ValueError")
            return
    event(test.stop_reason)
    event("suggestions " + ("all finite" if not test.reason else "some NaN"))
    m = test.lrs.size
    assert test.losses.size == test.smoothed.size == m and 1 <= m <= steps
    assert test.lrs[0] == min_lr and (m < steps or test.lrs[-1] == max_lr)
    assert (np.diff(test.lrs) >= 0).all()
    for lr in test.suggestions.values():
        assert (test.lrs[0] / 10 <= lr <= test.lrs[-1]) or (math.isnan(lr) and test.reason)
