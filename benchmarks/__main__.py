"""Time the engine against baselines measured in the same run.

    python -m benchmarks            # every table (about a minute)
    python -m benchmarks --quick    # fewer repeats, smaller naive baseline
    python -m benchmarks --lesson   # only the lesson's table: what an answer costs
    python -m benchmarks --browser  # only the browser's table (python -m benchmarks.browser_latency)

Each row is a median over repeats; "vs baseline" is the baseline's time over
the row's time (how many times faster), the baseline named in the row.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import tracemalloc

import numpy as np

import lrcore
from lrcore import losses


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm caches and lazy imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_sweep(data, rates, steps):
    """The way a first script does it: a Python loop over rates and steps,
    numpy over the samples at every step."""
    x, y = data.x, data.y
    for lr in rates:
        w = b = 0.0
        for _ in range(steps):
            r = w * x + b - y
            _loss = np.mean(r * r)
            gw = 2.0 * np.mean(r * x)
            gb = 2.0 * np.mean(r)
            w -= lr * gw
            b -= lr * gb


def peak_mib(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def fmt_time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:,.2f} s"
    return f"{seconds * 1e3:,.2f} ms"


def print_table(title: str, rows: list[tuple[str, float, str, str]]) -> None:
    print(f"\n{title}\n")
    print("| job | median | vs baseline | note |")
    print("|---|---:|---:|---|")
    for name, seconds, ratio, note in rows:
        print(f"| {name} | {fmt_time(seconds)} | {ratio} | {note} |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a smaller naive baseline")
    parser.add_argument("--lesson", action="store_true", help="only the lesson's table: what an answer costs")
    parser.add_argument("--browser", action="store_true",
                        help="only the browser's table: first paint and one change in Chromium (benchmarks.browser_latency)")
    args = parser.parse_args(argv)
    if args.browser:
        from . import browser_latency

        browser_latency.main([])
        return
    repeats = 3 if args.quick else 7
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}")
    if args.lesson:
        print_table(LESSON_TITLE, lesson_rows(repeats))
        return

    # 1. The stability sweep: K rates x T steps on a million points.
    big = lrcore.make_data(n=1_000_000, seed=1)
    runs, steps = 1000, 2000
    rates = np.logspace(-4, 0, runs) * lrcore.theory.curvature(big).lr_max_stable
    sweep = median_seconds(lambda: lrcore.run(big, rates, steps=steps), repeats)
    naive_runs, naive_steps = (1, 400) if args.quick else (2, 2000)
    naive_once = median_seconds(lambda: naive_sweep(big, rates[:naive_runs], naive_steps), 1)
    naive = naive_once * (runs / naive_runs) * (steps / naive_steps)
    peak = peak_mib(lambda: lrcore.run(big, rates, steps=steps))
    print_table(
        f"Descent: K={runs} rates x T={steps} steps, full-batch MSE, n=1,000,000",
        [
            ("`run` (vectorised over K, O(K) per step)", sweep, f"{naive / sweep:,.0f}x",
             f"peak memory {peak:,.0f} MiB (tracemalloc)"),
            ("naive: Python loop over rates and steps, numpy over samples", naive, "1x (baseline)",
             f"timed on K={naive_runs}, T={naive_steps}; extrapolated linearly to K={runs}, T={steps}"),
        ],
    )

    # 2. Optimizers: the same sweep through the general loop.
    rows = []
    for label, opt in [
        ("momentum 0.9", lrcore.optimizers.sgd(momentum=0.9)),
        ("Nesterov 0.9", lrcore.optimizers.sgd(momentum=0.9, nesterov=True)),
        ("Adagrad", lrcore.optimizers.adagrad()),
        ("RMSprop", lrcore.optimizers.rmsprop()),
        ("Adam", lrcore.optimizers.adam()),
    ]:
        seconds = median_seconds(lambda: lrcore.run(big, rates, steps=steps, optimizer=opt), repeats)
        rows.append((f"{label}, K={runs}, T={steps}, n=1,000,000", seconds, f"{sweep / seconds:.2f}x", ""))
    rows.append(("plain gradient descent (the sweep above)", sweep, "1x (baseline)", "MSE fast path"))
    plateau = [lrcore.schedules.reduce_on_plateau(float(r), factor=0.5, patience=5) for r in rates]
    seconds = median_seconds(lambda: lrcore.run(big, plateau, steps=steps), repeats)
    rows.append((f"reduce_on_plateau x {runs}, T={steps}", seconds, f"{sweep / seconds:.2f}x",
                 "the reactive schedules tracked together"))
    print_table("Optimizers and reactive schedules, full-batch MSE", rows)

    # 3. Mini-batch runs share their batches; MSE uses per-batch moments.
    mb_mse = median_seconds(lambda: lrcore.run(big, rates, steps=steps, batch_size=32), repeats)
    mid = lrcore.make_data(n=10_000, seed=2)
    mid_rates = np.logspace(-3, -1, 10)
    mb_mae = median_seconds(lambda: lrcore.run(mid, mid_rates, steps=1000, loss="mae", batch_size=32), repeats)
    full_mae = median_seconds(lambda: lrcore.run(mid, mid_rates, steps=1000, loss="mae"), repeats)
    print_table(
        "Mini-batch (batch 32) runs; the loss is always on the full data",
        [
            (f"MSE, K={runs}, T={steps}, n=1,000,000, batch 32", mb_mse, f"{sweep / mb_mse:.2f}x",
             "baseline: the full-batch sweep above"),
            ("MAE, K=10, T=1000, n=10,000, batch 32", mb_mae, f"{full_mae / mb_mae:.2f}x",
             "baseline: the same runs full-batch"),
            ("MAE, K=10, T=1000, n=10,000, full batch", full_mae, "1x (baseline)", ""),
        ],
    )

    # 4. Loss grids for the contour page.
    small = lrcore.make_data(n=10, seed=3)
    ww, bb = np.meshgrid(np.linspace(-2, 6, 400), np.linspace(-5, 7, 400))
    mse = losses.get("mse")
    grid_small = median_seconds(lambda: mse.value(small, ww, bb), repeats * 3)
    grid_big = median_seconds(lambda: mse.value(big, ww, bb), repeats * 3)
    hundred_k = lrcore.make_data(n=100_000, seed=4)
    gw, gb = np.meshgrid(np.linspace(-2, 6, 200), np.linspace(-5, 7, 200))
    rows = [
        ("MSE value, 400x400 grid, n=1,000,000", grid_big, f"{grid_small / grid_big:.2f}x",
         "baseline: the same grid at n=10 (from moments: n does not matter)"),
        ("MSE value, 400x400 grid, n=10", grid_small, "1x (baseline)", ""),
    ]
    for name in ("mae", "huber"):
        fn = losses.get(name)
        value = median_seconds(lambda: fn.value(hundred_k, gw, gb), repeats)
        grad = median_seconds(lambda: fn.grad(hundred_k, gw, gb), repeats)
        # Direct per-point evaluation, timed on 4 of the 200 grid rows.
        def direct():
            for row in range(4):
                r = gw[row][:, None] * hundred_k.x + gb[row][:, None] - hundred_k.y
                fn.pointwise(r).mean(axis=1)
        direct_time = median_seconds(direct, 1) * 200 / 4
        rows.append((f"{name.upper()} value, 200x200 grid, n=100,000", value,
                     f"{direct_time / value:.0f}x", "baseline: direct per-point evaluation"))
        rows.append((f"{name.upper()} grad, 200x200 grid, n=100,000", grad, "", ""))
        rows.append((f"{name.upper()} direct per-point evaluation", direct_time, "1x (baseline)",
                     "timed on 4 grid rows, extrapolated to 200"))
    print_table("Loss grids", rows)

    # 5. The best MAE and Huber lines at a million points (each page's minimum).
    million = lrcore.make_data(n=1_000_000, noise=3.0, outliers=0.1, seed=5)
    mae = losses.get("mae")
    narrowed = median_seconds(lambda: mae.minimizer(million), repeats)
    x_s, y_c, std_x = losses._standardized(million)
    half = million.n // 2

    def every_point():  # the same search, partitioning all n residuals at every step
        def profile(slope):
            e = y_c - slope * x_s
            e.partition(half)
            return float(e[half:].sum() - e[:half].sum()) / million.n
        scale = float(np.std(million.y))
        left, right, best, f_best = losses._bracket(profile, million.moments.cov_xy / std_x, scale)
        return losses._golden_section(profile, left, right, best, f_best, scale)

    plain = median_seconds(every_point, max(1, repeats // 2))
    huber = median_seconds(lambda: losses.get("huber").minimizer(million), repeats)
    print_table("Best-fit lines, n=1,000,000", [
        ("MAE line: golden section, points set aside once they stay on one side of the median", narrowed,
         f"{plain / narrowed:.1f}x", ""),
        ("MAE line: golden section, every point partitioned at every step", plain, "1x (baseline)", ""),
        ("Huber line (delta 1): damped Newton", huber, "", ""),
    ])

    # 6. Page reruns under Streamlit's AppTest (after the first run).
    print_table("Page reruns under AppTest; baseline: the page's first run in a new session (caches shared with earlier rows)",
                page_rows(repeats))

    # 7. The lesson: what an answer costs.
    print_table(LESSON_TITLE, lesson_rows(repeats))


def page_rows(repeats: int) -> list:
    """Median rerun time of each page at its defaults and at n = 1,000,000."""
    import logging
    import pathlib

    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    root = pathlib.Path(__file__).resolve().parents[1]
    pages = ["streamlit_app.py"] + sorted(f"pages/{p.name}" for p in (root / "pages").glob("*.py"))
    heavy = {
        "pages/3_Loss_contour.py": [(
            "5 runs x 5,000 steps, n = 1,000,000",
            {"n": 1_000_000.0, "contour_runs": 5.0, "contour_steps": 5000.0, "contour_opt4": "momentum",
             "contour_opt5": "adam", "contour_guesses": 10_000.0},
        )],
        "pages/2_Loss_slice.py": [(
            "MAE along w, n = 1,000,000",
            {"n": 1_000_000.0, "slice_loss": "mae", "slice_param": "w"},
        )],
        "pages/5_LR_finder.py": [(
            "2,000 rates x 2,000 steps, n = 1,000,000",
            {"n": 1_000_000.0, "finder_rates": 2000.0, "finder_steps": 2000.0},
        )],
        "pages/4_Schedules.py": [(
            "6 schedules x 2,000 steps",
            {"sched_pick": ["constant", "step_decay", "exponential_decay", "cosine_decay", "one_cycle",
                            "reduce_on_plateau"], "sched_steps": 2000.0},
        )],
    }
    rows = []
    for page in pages:
        for label, session in [("defaults", {}), ("n = 1,000,000", {"n": 1_000_000.0})] + heavy.get(page, []):
            at = AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=120)
            for key, value in session.items():
                at.session_state[key] = value
            if page != "streamlit_app.py":
                at.switch_page(page)
            started = time.perf_counter()
            at.run()
            first = time.perf_counter() - started
            seconds = median_seconds(at.run, repeats)
            status = "no exception" if not at.exception else "EXCEPTION"
            rows.append((f"{page}, {label}: rerun", seconds, f"{first / seconds:.1f}x", status))
            rows.append((f"{page}, {label}: first run", first, "1x (baseline)", ""))
    return rows


#: A rerun after an answer should take at most this long.
ANSWER_BUDGET_S = 0.3
LESSON_TITLE = ("The lesson under AppTest: each chapter's first paint (its question), the rerun that answers it (its "
                f"view computed on fresh points, so no cache helps) and a rerun after it; budget {ANSWER_BUDGET_S} s; "
                "baseline: the first paint")


def lesson_rows(repeats: int) -> list:
    """Per chapter, at the default size and at n = 1,000,000: the first paint,
    the answering rerun with cold caches, and a later rerun."""
    import logging
    import pathlib

    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    root = pathlib.Path(__file__).resolve().parents[1]
    AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=120).run()  # imports, not the lesson's cost
    rows = []
    for label, size in (("n = 50", 50.0), ("n = 1,000,000", 1_000_000.0)):
        for number in range(1, 7):
            at = AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=120)
            at.query_params["chapter"] = str(number)
            at.session_state["n"] = size
            at.session_state["seed"] = float(7000 + number + int(size))  # points no earlier row has cached
            started = time.perf_counter()
            at.run()
            first = time.perf_counter() - started
            question = at.radio(key=f"lesson_q{number}")
            started = time.perf_counter()
            question.set_value(question.proto.options[0] and _first_key(number)).run()
            answered = time.perf_counter() - started
            again = median_seconds(at.run, repeats)
            status = "no exception" if not at.exception else "EXCEPTION"
            within = lambda seconds: "within budget" if seconds <= ANSWER_BUDGET_S else "OVER BUDGET"  # noqa: E731
            rows.append((f"chapter {number}, {label}: first paint", first, "1x (baseline)", status))
            rows.append((f"chapter {number}, {label}: the answer", answered, f"{first / answered:.1f}x",
                         within(answered)))
            rows.append((f"chapter {number}, {label}: a rerun after it", again, f"{first / again:.1f}x", within(again)))
    return rows


def _first_key(number: int) -> str:
    """The key of chapter ``number``'s first choice."""
    from ui.views import home, lesson

    return {1: lesson.RACE[0][0], 2: lesson.SLOPE[0][0], 3: lesson.LANDING[0][0], 4: str(home.MULTIPLES[0]),
            5: lesson.SETTLE[0][0], 6: lesson.CHOOSE[0][0]}[number]


if __name__ == "__main__":
    main()
