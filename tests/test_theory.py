"""lrcore.theory against second methods: the Hessian from the samples,
np.linalg.eigvalsh, lstsq, finite differences and simulated runs."""

import numpy as np
import pytest

import lrcore
from lrcore import losses, theory
from conftest import lstsq_line


def sample_hessian(data):
    """2 * X^T X / n with X = [x, 1], straight from the samples."""
    design = np.column_stack([data.x, np.ones_like(data.x)])
    return 2.0 * design.T @ design / data.n


def test_hessian_equals_the_samples(any_data):
    c = theory.curvature(any_data)
    np.testing.assert_allclose(c.hessian, sample_hessian(any_data), rtol=1e-12, atol=1e-12 * c.lambda_max)


def test_hessian_is_the_derivative_of_the_gradient(any_data):
    c = theory.curvature(any_data)
    mse = losses.get("mse")
    w0, b0 = 0.3, -0.7
    h = 1e-3
    gw_p, gb_p = mse.grad(any_data, w0 + h, b0)
    gw_m, gb_m = mse.grad(any_data, w0 - h, b0)
    column_w = [(gw_p - gw_m) / (2 * h), (gb_p - gb_m) / (2 * h)]
    gw_p, gb_p = mse.grad(any_data, w0, b0 + h)
    gw_m, gb_m = mse.grad(any_data, w0, b0 - h)
    column_b = [(gw_p - gw_m) / (2 * h), (gb_p - gb_m) / (2 * h)]
    np.testing.assert_allclose(np.array([column_w, column_b]).T, c.hessian, rtol=1e-6, atol=1e-9 * c.lambda_max)


def test_eigenvalues_match_eigvalsh_where_it_is_accurate():
    data = lrcore.make_data(n=80, x_min=-3.0, x_max=7.0, seed=5)
    c = theory.curvature(data)
    lo, hi = np.linalg.eigvalsh(sample_hessian(data))
    assert c.lambda_min == pytest.approx(lo, rel=1e-12)
    assert c.lambda_max == pytest.approx(hi, rel=1e-12)
    assert c.condition_number == pytest.approx(hi / lo, rel=1e-12)


def test_eigenvalues_keep_their_digits_for_x_near_1000():
    data = lrcore.make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3)
    c = theory.curvature(data)
    var_x = np.var(data.x - 1000.0)  # centred by hand: no cancellation
    # product = det(H) = 4*var(x) and sum = trace(H), to full precision
    assert c.lambda_min * c.lambda_max == pytest.approx(4 * var_x, rel=1e-12)
    assert c.lambda_min + c.lambda_max == pytest.approx(np.trace(sample_hessian(data)), rel=1e-12)
    assert c.condition_number > 1e9


def test_eigenvectors_are_orthonormal_eigenvectors(any_data):
    c = theory.curvature(any_data)
    vecs = c.eigenvectors
    np.testing.assert_allclose(vecs.T @ vecs, np.eye(2), atol=1e-12)
    for lam, vec in zip((c.lambda_min, c.lambda_max), vecs.T):
        np.testing.assert_allclose(c.hessian @ vec, lam * vec, atol=1e-9 * c.lambda_max)


def test_minimizer_and_min_loss_match_lstsq(any_data):
    c = theory.curvature(any_data)
    w, b = lstsq_line(any_data)
    assert c.minimizer == pytest.approx((w, b), rel=1e-9, abs=1e-9)
    residual = w * any_data.x + b - any_data.y
    assert c.min_loss == pytest.approx(np.mean(residual**2), rel=1e-8, abs=1e-12)


BOWL = lrcore.make_data(n=40, x_min=-1.0, x_max=3.0, seed=8)  # condition number about 6


def errors_along_eigenvectors(data, traj):
    """(K, steps+1, 2): each run's error (w - w*, b - b*) in the eigenvectors of
    the sample Hessian (flat, steep), from lstsq and np.linalg.eigh alone."""
    w_star, b_star = lstsq_line(data)
    _, vectors = np.linalg.eigh(sample_hessian(data))
    error = np.stack([traj.w - w_star, traj.b - b_star], axis=-1)
    return error @ vectors


def test_lr_optimal_contracts_both_directions_equally_and_least():
    c = theory.curvature(BOWL)
    lam_min, lam_max = np.linalg.eigvalsh(sample_hessian(BOWL))
    lr = c.lr_optimal
    # its defining property: the flat and steep factors are equal in size ...
    assert abs(1 - lr * lam_min) == pytest.approx(abs(1 - lr * lam_max), rel=1e-12)
    # ... so any other rate contracts its slowest direction less
    for other in (lr * (1 - 1e-6), lr * (1 + 1e-6), 0.5 * lr, c.lr_monotone):
        assert float(c.contraction(other)) > float(c.contraction(lr))
    # and a run shows it: both components shrink by the same factor per step
    traj = lrcore.run(BOWL, lr, steps=5, start=(-2.0, 3.0))
    errors = errors_along_eigenvectors(BOWL, traj)[0]
    ratios = np.abs(errors[1:] / errors[:-1])
    np.testing.assert_allclose(ratios, float(c.contraction(lr)), rtol=1e-8)


def test_lr_max_stable_is_where_plain_gradient_descent_starts_to_diverge():
    c = theory.curvature(BOWL)
    w_star, b_star = lstsq_line(BOWL)
    start = (w_star + 3.0, b_star - 2.0)
    traj = lrcore.run(BOWL, [0.999 * c.lr_max_stable, 1.001 * c.lr_max_stable], steps=20_000, start=start)
    gap = traj.loss - c.min_loss
    assert traj.diverged_at[0] == -1 and gap[0, -1] < 1e-12 * gap[0, 0]
    assert traj.diverged_at[1] > 0


def test_lr_monotone_is_where_the_steep_error_starts_to_change_sign():
    c = theory.curvature(BOWL)
    traj = lrcore.run(BOWL, [0.99 * c.lr_monotone, 1.01 * c.lr_monotone], steps=3, start=(-2.0, 3.0))
    steep = errors_along_eigenvectors(BOWL, traj)[:, :, 1]
    below, above = np.sign(steep[:, 1:] * steep[:, :-1])
    assert (below > 0).all() and (above < 0).all()
    assert c.lr_monotone < c.lr_optimal < c.lr_max_stable


def test_contraction_is_the_slowest_directions_factor_per_step():
    """Measured on runs: the ratio of successive errors along each eigenvector
    of the sample Hessian, the larger of the two."""
    c = theory.curvature(BOWL)
    rates = np.array([1e-3, 0.5, 0.9, 1.5, 1.9, 2.5]) * c.lr_monotone  # (at 1 the steep error is gone)
    traj = lrcore.run(BOWL, rates, steps=4, start=(-2.0, 3.0))
    errors = errors_along_eigenvectors(BOWL, traj)
    factors = np.abs(errors[:, 1:] / errors[:, :-1]).max(axis=2)  # (K, steps): the same each step
    np.testing.assert_allclose(factors, np.repeat(c.contraction(rates)[:, None], 4, axis=1), rtol=1e-7)
    # at the optimal rate both directions contract equally: (kappa-1)/(kappa+1)
    lam_min, lam_max = np.linalg.eigvalsh(sample_hessian(BOWL))
    kappa = lam_max / lam_min
    assert float(c.contraction(c.lr_optimal)) == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-9)
    rates = np.array([0.1, 0.2]) * c.lr_optimal
    assert c.contraction(rates).shape == (2,)
    with pytest.raises(ValueError, match="lr"):
        c.contraction(-1.0)
    with pytest.raises(ValueError, match="tol"):
        c.steps_to(0.0, 0.01)


def test_slice_curvature_is_the_second_derivative(any_data):
    mse = losses.get("mse")
    h = 1e-2
    for param in ("w", "b"):
        d = {"w": (h, 0.0), "b": (0.0, h)}[param]
        f = [float(mse.value(any_data, 0.5 + s * d[0], 0.5 + s * d[1])) for s in (-1, 0, 1)]
        second = (f[0] - 2 * f[1] + f[2]) / h**2
        assert theory.slice_curvature(any_data, param) == pytest.approx(second, rel=1e-5)
    with pytest.raises(ValueError, match="param"):
        theory.slice_curvature(any_data, "x")


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_momentum_edge_of_divergence(momentum):
    data = lrcore.standardize(lrcore.make_data(n=40, seed=6))
    edge = theory.lr_max_stable_momentum(data, momentum)
    opt = lrcore.optimizers.sgd(momentum=momentum)
    assert edge == theory.stable_edge(data, opt)  # one rule, two names
    traj = lrcore.run(data, [0.98 * edge, 1.02 * edge], steps=4000, optimizer=opt, start=(5.0, -5.0))
    assert traj.diverged_at[0] == -1
    assert traj.diverged_at[1] > 0
    with pytest.raises(ValueError, match="momentum"):
        theory.lr_max_stable_momentum(data, 1.0)


# --- regimes, components, the exact gap and the best rate ----------------------------


DEFAULT = lrcore.make_data()  # lambda_min 0.459, lambda_max 74.04, kappa 161


def test_regimes_come_in_the_order_of_regimes_as_the_rate_grows():
    lam_max = np.linalg.eigvalsh(sample_hessian(DEFAULT))[1]
    c = theory.curvature(DEFAULT)
    steep = [c.regimes(p / lam_max)[1] for p in (0.5, 1.5, 2.0, 2.5)]
    assert steep == list(theory.REGIMES)


def test_regimes_at_the_boundaries_of_lr_times_lambda():
    c = theory.curvature(DEFAULT)
    lam_min, lam_max = c.lambda_min, c.lambda_max
    assert c.regimes(0.0) == ("monotone", "monotone")
    assert c.regimes(1.0 / lam_max) == ("monotone", "monotone")  # p = 1 exactly: still monotone
    assert c.regimes(1.0 / lam_max * (1 + 1e-9)) == ("monotone", "oscillating")
    assert c.regimes(2.0 / lam_max) == ("monotone", "edge")
    assert c.regimes(2.0 / lam_max * (1 + 1e-13)) == ("monotone", "edge")
    assert c.regimes(2.0 / lam_max * (1 + 1e-9)) == ("monotone", "diverging")
    assert c.regimes(1.5 / lam_min) == ("oscillating", "diverging")
    assert c.regimes(2.0 / lam_min) == ("edge", "diverging")
    assert c.regimes(3.0 / lam_min) == ("diverging", "diverging")


@pytest.mark.parametrize("lr", [-1e-3, np.nan, np.inf, "0.1", True, [0.1, 0.2], None])
def test_regimes_rejects_anything_but_one_finite_rate(lr):
    with pytest.raises(ValueError, match="lr"):
        theory.curvature(DEFAULT).regimes(lr)


@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 2.0, 2.3])
def test_regimes_describe_what_a_run_does_along_the_steep_direction(p):
    """The steep component of lrcore.run's trajectory, step by step: its sign
    and size, against the regime's description."""
    c = theory.curvature(DEFAULT)
    lr = p / c.lambda_max
    regime = c.regimes(lr)[1]
    traj = lrcore.run(DEFAULT, lr, steps=12, start=(-2.0, 8.0))
    _, steep = c.components(traj.w[0], traj.b[0])
    if p == 1.0:  # p = 1: the steep error is gone after one step (to rounding)
        assert regime == "monotone" and np.abs(steep[1:]).max() < 1e-12 * abs(steep[0])
        return
    signs = np.sign(steep[:-1] * steep[1:])
    ratio = np.abs(steep[1:] / steep[:-1])
    if regime == "monotone":
        assert (signs > 0).all() and (ratio < 1).all()
    elif regime == "oscillating":
        assert (signs < 0).all() and (ratio < 1).all()
    elif regime == "edge":
        assert (signs < 0).all()
        np.testing.assert_allclose(ratio, 1.0, rtol=1e-9)
    else:
        assert regime == "diverging" and (signs < 0).all() and (ratio > 1).all()


def test_components_give_the_loss_gap(any_data):
    c = theory.curvature(any_data)
    mse = losses.get("mse")
    rng = np.random.default_rng(0)
    w = c.minimizer[0] + rng.normal(size=20) * np.array([1.0, 1e-3] * 10)
    b = c.minimizer[1] + rng.normal(size=20) * 3.0
    flat, steep = c.components(w, b)
    gap = mse.value(any_data, w, b) - c.min_loss
    model = 0.5 * c.lambda_min * flat**2 + 0.5 * c.lambda_max * steep**2
    np.testing.assert_allclose(model, gap, rtol=1e-7, atol=1e-9 * c.min_loss)
    # and the components are the coordinates of (w - w*, b - b*) in the eigenvectors
    np.testing.assert_allclose(
        np.outer(c.eigenvectors[:, 0], flat) + np.outer(c.eigenvectors[:, 1], steep),
        np.array([w - c.minimizer[0], b - c.minimizer[1]]),
        atol=1e-9 * max(1.0, np.abs(w).max(), np.abs(b).max()),
    )


def test_components_broadcast_over_w_and_b():
    c = theory.curvature(DEFAULT)
    flat, steep = c.components(np.zeros((3, 1)), np.zeros(4))
    assert flat.shape == steep.shape == (3, 4)
    flat, steep = c.components(*c.minimizer)
    assert flat == 0.0 and steep == 0.0
    with pytest.raises(ValueError, match="w and b"):
        c.components(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("p", [0.3, 1.0, 1.7, 2.1])
def test_each_component_is_multiplied_by_one_minus_lr_lambda_per_step(any_data, p):
    c = theory.curvature(any_data)
    lr = p / c.lambda_max
    start = (c.minimizer[0] - 1.5, c.minimizer[1] + 2.0)
    steps = 40
    traj = lrcore.run(any_data, lr, steps=steps, start=start)
    flat, steep = c.components(traj.w[0], traj.b[0])
    t = np.arange(steps + 1)
    scale = np.hypot(flat[0], steep[0]) * max(1.0, abs(1 - p)) ** steps
    np.testing.assert_allclose(flat, flat[0] * (1 - lr * c.lambda_min) ** t, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(steep, steep[0] * (1 - lr * c.lambda_max) ** t, rtol=1e-9, atol=1e-9 * scale)


def test_gap_after_matches_runs(any_data):
    c = theory.curvature(any_data)
    rates = np.array([0.05, 0.5, 1.0, 1.5, 1.99, 2.05]) / c.lambda_max
    start = (-2.0, 8.0)
    for steps in (0, 1, 7, 60):
        traj = lrcore.run(any_data, rates, steps=steps, start=start)
        simulated = traj.loss[:, -1] - c.min_loss
        predicted = c.gap_after(rates, steps, start)
        assert predicted.shape == rates.shape
        np.testing.assert_allclose(predicted, simulated, rtol=1e-8, atol=1e-12 * (c.min_loss + simulated[0]))
    assert np.ndim(c.gap_after(0.01, 3, start)) == 0


def test_gap_after_checks_its_arguments():
    c = theory.curvature(DEFAULT)
    with pytest.raises(ValueError, match="lr"):
        c.gap_after(-0.1, 3, (0.0, 0.0))
    with pytest.raises(ValueError, match="steps"):
        c.gap_after(0.1, -1, (0.0, 0.0))
    with pytest.raises(ValueError, match="steps"):
        c.gap_after(0.1, 2.0, (0.0, 0.0))
    with pytest.raises(ValueError, match="start"):
        c.gap_after(0.1, 2, (np.nan, 0.0))
    # far past the edge the gap overflows to inf, without a warning
    assert c.gap_after(1e3, 10_000, (0.0, 0.0)) == np.inf


def test_best_rate_on_the_default_data_beats_lr_optimal_after_200_steps():
    c = theory.curvature(DEFAULT)
    best = c.best_rate(200, (0.0, 0.0))
    assert c.lr_monotone < best < c.lr_optimal
    # a grid search of the exact gap, 200,001 rates on (0, 2/lambda_max]
    grid = np.linspace(0.0, c.lr_max_stable, 200_001)[1:]
    gaps = c.gap_after(grid, 200, (0.0, 0.0))
    assert abs(grid[np.argmin(gaps)] - best) <= grid[1] - grid[0]
    # lrcore.run: the best rate ends lowest; 0.02 about 8e-4 above it, lr_optimal 1.19 above
    rates = [best, best * (1 - 1e-4), best * (1 + 1e-4), 0.02, c.lr_optimal]
    final = lrcore.run(DEFAULT, rates, steps=200).loss[:, -1]
    assert final[0] < final[1:].min()
    assert final[3] - final[0] == pytest.approx(8.15e-4, rel=1e-2)
    assert final[4] - final[0] == pytest.approx(1.19, rel=1e-2)


def test_best_rate_after_one_step_is_the_exact_line_search(any_data):
    """One step of size lr along -g: the best lr is g.g/g.Hg, the gradient
    taken here from losses.get("mse").grad."""
    c = theory.curvature(any_data)
    start = (c.minimizer[0] + 0.5, c.minimizer[1] - 3.0)
    g = np.array(losses.get("mse").grad(any_data, *start), dtype=float)
    line_search = g @ g / (g @ sample_hessian(any_data) @ g)
    assert c.best_rate(1, start) == pytest.approx(min(line_search, c.lr_max_stable), rel=1e-7)


def test_best_rate_tends_to_lr_optimal_and_handles_special_starts():
    c = theory.curvature(DEFAULT)
    start = (0.0, 0.0)
    gaps = [abs(c.best_rate(k, start) / c.lr_optimal - 1) for k in (10, 100, 1000, 10_000, 100_000)]
    assert all(a > b for a, b in zip(gaps, gaps[1:])) and gaps[-1] < 1e-3
    assert c.best_rate(50, c.minimizer) == c.lr_optimal  # no error: documented choice
    w_star, b_star = c.minimizer
    flat_vec, steep_vec = c.eigenvectors.T
    # only a steep error: one step at 1/lambda_max removes it. (The start's
    # flat component is ~1e-17 from rounding, and the 9th root in the closed
    # form makes that move the optimum by ~1e-4: it is still the optimum.)
    along_steep = (w_star + steep_vec[0], b_star + steep_vec[1])
    best = c.best_rate(5, along_steep)
    assert best == pytest.approx(1 / c.lambda_max, rel=1e-3)
    assert c.gap_after(best, 5, along_steep) <= c.gap_after(1 / c.lambda_max, 5, along_steep)
    assert c.gap_after(best, 5, along_steep) < 1e-20
    # only a flat error: the gap falls all the way to the edge 2/lambda_max
    along_flat = (w_star + flat_vec[0], b_star + flat_vec[1])
    assert c.best_rate(5, along_flat) == c.lr_max_stable
    with pytest.raises(ValueError, match="steps"):
        c.best_rate(0, start)


# --- the edge of stability with momentum ---------------------------------------------


def iteration_matrix(optimizer, lam, lr):
    """The linear map (error, momentum buffer) -> the same one step later, for
    one eigen-direction with curvature ``lam``, built column by column from the
    optimizer's own update (no formula from lrcore.theory)."""
    if optimizer.is_plain_gd:  # no buffer: a 1x1 map
        step, _ = optimizer.update(np.array([[lam, 0.0]]), optimizer.init(np.zeros((1, 2))), np.array([lr]))
        return np.array([[1.0 + step[0, 0]]])
    columns = []
    for error, buffer in ((1.0, 0.0), (0.0, 1.0)):
        params = np.array([[error, 0.0]])
        state = lrcore.optimizers.SGDState(momentum_buffer=np.array([[buffer, 0.0]]))
        step, state = optimizer.update(lam * params, state, np.array([lr]))
        columns.append([params[0, 0] + step[0, 0], state.momentum_buffer[0, 0]])
    return np.array(columns).T


def spectral_radius(optimizer, lam, lr):
    return float(np.abs(np.linalg.eigvals(iteration_matrix(optimizer, lam, lr))).max())


OPTIMIZERS = [
    ("gd", lrcore.optimizers.sgd()),
    *[(f"heavy-ball-{beta}", lrcore.optimizers.sgd(momentum=beta)) for beta in (0.1, 0.5, 0.9, 0.99)],
    *[(f"nesterov-{beta}", lrcore.optimizers.sgd(momentum=beta, nesterov=True)) for beta in (0.1, 0.5, 0.9, 0.99)],
]


@pytest.mark.parametrize("name, optimizer", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
def test_stable_edge_is_where_the_iteration_matrix_reaches_the_unit_circle(name, optimizer):
    c = theory.curvature(DEFAULT)
    edge = theory.stable_edge(DEFAULT, optimizer)
    assert spectral_radius(optimizer, c.lambda_max, edge * (1 - 1e-6)) < 1.0
    assert spectral_radius(optimizer, c.lambda_max, edge * (1 + 1e-6)) > 1.0
    assert spectral_radius(optimizer, c.lambda_max, edge) == pytest.approx(1.0, abs=1e-9)
    # below the edge the flat direction contracts too, above it only the steep one breaks
    for lr in np.geomspace(1e-4, 0.999, 25) * edge:
        assert spectral_radius(optimizer, c.lambda_min, lr) < 1.0
        assert spectral_radius(optimizer, c.lambda_max, lr) < 1.0
    # the eigenvalue leaves through -1, as the derivation says (1 + tr + det = 0)
    eigenvalues = np.linalg.eigvals(iteration_matrix(optimizer, c.lambda_max, edge))
    assert np.min(np.abs(eigenvalues + 1.0)) < 1e-6


def test_stable_edge_formulas():
    lam = theory.curvature(DEFAULT).lambda_max
    sgd = lrcore.optimizers.sgd
    assert theory.stable_edge(DEFAULT) == theory.stable_edge(DEFAULT, sgd()) == pytest.approx(2 / lam, rel=1e-15)
    assert theory.stable_edge(DEFAULT) == theory.curvature(DEFAULT).lr_max_stable
    for beta in (0.0, 0.3, 0.9, 0.99):
        assert theory.stable_edge(DEFAULT, sgd(momentum=beta)) == pytest.approx(2 * (1 + beta) / lam, rel=1e-15)
        assert theory.lr_max_stable_momentum(DEFAULT, beta) == pytest.approx(2 * (1 + beta) / lam, rel=1e-15)
    for beta in (0.3, 0.9, 0.99):
        expected = 2 * (1 + beta) / ((1 + 2 * beta) * lam)
        assert theory.stable_edge(DEFAULT, sgd(momentum=beta, nesterov=True)) == pytest.approx(expected, rel=1e-15)
    # names as optimizers.get takes them
    assert theory.stable_edge(DEFAULT, "sgd") == theory.stable_edge(DEFAULT)
    assert theory.stable_edge(DEFAULT, "Momentum") == pytest.approx(2 * 1.9 / lam, rel=1e-15)
    assert theory.stable_edge(DEFAULT, "nesterov") == pytest.approx(2 * 1.9 / (2.8 * lam), rel=1e-15)
    for name in ("adagrad", "rmsprop", "adam"):
        assert theory.stable_edge(DEFAULT, name) is None
        assert theory.stable_edge(DEFAULT, lrcore.optimizers.get(name)) is None


def test_stable_edge_checks_its_arguments():
    with pytest.raises(ValueError, match="optimizer"):
        theory.stable_edge(DEFAULT, "adamw")
    with pytest.raises(ValueError, match="optimizer"):
        theory.stable_edge(DEFAULT, 0.9)
    with pytest.raises(ValueError, match="data"):
        theory.stable_edge([1.0, 2.0])


@pytest.mark.parametrize("name, optimizer", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS])
@pytest.mark.parametrize(
    "data", [DEFAULT, lrcore.standardize(lrcore.make_data(n=40, seed=6))], ids=["default", "standardized"]
)
def test_runs_converge_just_below_the_edge_and_grow_just_above(name, optimizer, data):
    """3000 steps: at 0.97 x the edge the slowest mode shrinks the gap at least
    e-fold every ~150 steps on these data (beta = 0.99: every 100), and at
    1.003 x the fastest-growing mode grows it at least 1e6-fold in ~1150
    steps (plain gradient descent, |1 - 2.006| = 1.006 per step)."""
    c = theory.curvature(data)
    edge = theory.stable_edge(data, optimizer)
    traj = lrcore.run(data, [0.97 * edge, 1.003 * edge], steps=3000, optimizer=optimizer, start=(5.0, -5.0))
    gap = traj.loss - c.min_loss
    assert traj.diverged_at[0] == -1 and gap[0, -1] < 1e-6 * gap[0, 0]
    assert traj.diverged_at[1] >= 0 or gap[1, -1] > 1e6 * gap[1, 0]


# --- Huber near its minimiser ------------------------------------------------------


HUBER_DATA = {
    "outliers": lrcore.make_data(n=100, outliers=0.1, seed=4),
    "steep-noisy": lrcore.make_data(n=200, w=-3.0, b=5.0, noise=4.0, seed=1),
    "x-near-1000": lrcore.make_data(n=50, x_min=1000.0, x_max=1010.0, seed=3),
}


def huber_hessian_by_finite_differences(data, huber):
    """Central differences of Huber's gradient at its minimiser, with a step
    small enough that no residual crosses +-delta (there Huber is exactly
    quadratic, so the differences are exact up to rounding)."""
    w, b = huber.minimizer(data)
    residual = w * data.x + b - data.y
    room = np.abs(np.abs(residual) - huber.delta) / (np.abs(data.x) + 1.0)
    h = 0.25 * float(room.min())
    assert h > 1e-12, "a residual sits on +-delta: choose another delta"
    columns = []
    for dw, db in ((h, 0.0), (0.0, h)):
        plus = np.array(huber.grad(data, w + dw, b + db))
        minus = np.array(huber.grad(data, w - dw, b - db))
        columns.append((plus - minus) / (2 * h))
    return np.array(columns).T


@pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("name", sorted(HUBER_DATA))
def test_huber_local_curvature_is_the_hessian_at_its_minimiser(name, delta):
    data = HUBER_DATA[name]
    huber = losses.get("huber", delta=delta)
    c = theory.local_curvature(data, huber)
    assert c is not None
    assert c.minimizer == huber.minimizer(data)
    assert c.min_loss == pytest.approx(float(huber.value(data, *c.minimizer)), rel=1e-15)
    fd = huber_hessian_by_finite_differences(data, huber)
    np.testing.assert_allclose(c.hessian, fd, rtol=1e-5, atol=1e-7 * c.lambda_max)
    # from the samples: 1/n * sum over |r| <= delta of [[x^2, x], [x, 1]], and eigvalsh
    residual = c.minimizer[0] * data.x + c.minimizer[1] - data.y
    inside = np.abs(residual) <= delta
    design = np.column_stack([data.x[inside], np.ones(inside.sum())])
    sampled = design.T @ design / data.n
    np.testing.assert_allclose(c.hessian, sampled, rtol=1e-12)
    if name != "x-near-1000":  # eigvalsh loses lambda_min's digits there; the product keeps them
        lo, hi = np.linalg.eigvalsh(sampled)
        assert (c.lambda_min, c.lambda_max) == pytest.approx((lo, hi), rel=1e-10)
    else:
        x_in = data.x[inside] - 1000.0
        det = inside.mean() ** 2 * np.var(x_in)
        assert c.lambda_min * c.lambda_max == pytest.approx(det, rel=1e-10)
    # at most half the MSE's curvature: Huber is 0.5*r^2 inside, nothing outside
    assert c.lambda_max <= 0.5 * theory.curvature(data).lambda_max * (1 + 1e-12)
    assert theory.local_curvature(data, "huber", delta=delta).hessian.tolist() == c.hessian.tolist()


def test_huber_with_every_point_inside_is_half_the_mse():
    data = lrcore.make_data(n=60, noise=0.5, seed=7)
    c = theory.local_curvature(data, "huber", delta=100.0)
    mse = theory.curvature(data)
    np.testing.assert_allclose(c.hessian, 0.5 * mse.hessian, rtol=1e-12)
    assert c.minimizer == pytest.approx(mse.minimizer, rel=1e-9)
    assert c.min_loss == pytest.approx(0.5 * mse.min_loss, rel=1e-9)


def test_local_curvature_of_mse_mae_and_singular_huber():
    local, mse = theory.local_curvature(DEFAULT, "mse"), theory.curvature(DEFAULT)
    assert local.hessian.tolist() == mse.hessian.tolist() and local.eigenvectors.tolist() == mse.eigenvectors.tolist()
    assert (local.lambda_min, local.lambda_max, local.minimizer, local.min_loss) == (
        mse.lambda_min, mse.lambda_max, mse.minimizer, mse.min_loss)
    assert theory.local_curvature(DEFAULT, "mae") is None
    assert theory.local_curvature(DEFAULT, losses.get("mae")) is None
    square = lrcore.Dataset([0.0, 0.0, 1.0, 1.0], [0.0, 2.0, 0.0, 2.0])  # Huber's fit y = 1: |r| = 1 everywhere
    assert theory.local_curvature(square, "huber", delta=0.5) is None
    # Huber's fit is y = 0 (the +-3 pairs cancel): only x = 0 lies inside delta
    one_x = lrcore.Dataset([0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0], [0.0, 0.0, 0.0, 3.0, -3.0, 3.0, -3.0])
    w, b = losses.get("huber", delta=0.5).minimizer(one_x)
    inside = np.abs(w * one_x.x + b - one_x.y) <= 0.5
    design = np.column_stack([one_x.x[inside], np.ones(inside.sum())])
    assert np.linalg.matrix_rank(design.T @ design) == 1  # singular
    assert theory.local_curvature(one_x, "huber", delta=0.5) is None
    assert theory.local_curvature(one_x, "huber", delta=5.0) is not None  # every point inside
    with pytest.raises(ValueError, match="loss"):
        theory.local_curvature(DEFAULT, "mape")
    with pytest.raises(ValueError, match="delta"):
        theory.local_curvature(DEFAULT, "huber", delta=-1.0)


def test_docstring_claims_about_lr_monotone_and_steps_to_on_the_default_data():
    c = theory.curvature(DEFAULT)
    # lr_monotone: at 0.1/lambda_max no component changes sign, yet w passes w* at step 34
    traj = lrcore.run(DEFAULT, 0.1 / c.lambda_max, steps=60)
    flat, steep = c.components(traj.w[0], traj.b[0])
    assert (np.sign(flat) == np.sign(flat[0])).all() and (np.sign(steep) == np.sign(steep[0])).all()
    passed = traj.w[0] > c.minimizer[0]
    assert not passed[:34].any() and passed[34:].all()
    # steps_to is an upper bound: 500 predicted at lr 0.02 for 1e-4, 326 from the contour page's start
    assert c.steps_to(1e-4, 0.02) == 500
    traj = lrcore.run(DEFAULT, 0.02, steps=600, start=(-2.0, 8.0))
    gap = traj.loss[0] - c.min_loss
    assert int(np.argmax(gap <= 1e-4 * gap[0])) == 326
    exact = [c.gap_after(0.02, k, (-2.0, 8.0)) for k in (325, 326)]
    assert exact[0] > 1e-4 * gap[0] >= exact[1]  # the exact formula agrees
