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


def test_learning_rate_formulas():
    c = theory.curvature(lrcore.make_data(seed=0))
    assert c.lr_monotone == pytest.approx(1 / c.lambda_max)
    assert c.lr_optimal == pytest.approx(2 / (c.lambda_min + c.lambda_max))
    assert c.lr_max_stable == pytest.approx(2 / c.lambda_max)
    assert c.lr_monotone < c.lr_optimal < c.lr_max_stable


def test_contraction_by_hand():
    c = theory.curvature(lrcore.make_data(seed=0))
    for lr in (1e-6, c.lr_monotone, c.lr_optimal, c.lr_max_stable, 3 * c.lr_max_stable):
        expected = max(abs(1 - lr * c.lambda_min), abs(1 - lr * c.lambda_max))
        assert float(c.contraction(lr)) == pytest.approx(expected, rel=1e-14)
    # at the optimal rate both directions contract equally: (kappa-1)/(kappa+1)
    kappa = c.condition_number
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
    assert edge == pytest.approx(2 * (1 + momentum) / theory.curvature(data).lambda_max)
    opt = lrcore.optimizers.sgd(momentum=momentum)
    traj = lrcore.run(data, [0.98 * edge, 1.02 * edge], steps=4000, optimizer=opt, start=(5.0, -5.0))
    assert traj.diverged_at[0] == -1
    assert traj.diverged_at[1] > 0
    with pytest.raises(ValueError, match="momentum"):
        theory.lr_max_stable_momentum(data, 1.0)
