"""A class at once: ten learners on one server, each in a browser context of
its own, with their own data (made points or an uploaded CSV) and settings,
walking through every page, answering the home page's question and
changing a number on one other page (each page's number is changed by two
learners: a change on every page by every learner doubled the test's time
and checked nothing more).

Whatever the others do, each learner must see only their own data on every
page (the sidebar's "In use" sentence, computed from the data the page ran
on, must be theirs), no page may show an exception, every chart must draw,
and afterwards the server must still be healthy and within its memory
budget. `python -m benchmarks.crowd` times twenty learners at the largest
settings.
"""

from . import crowd

LEARNERS = 10
MEMORY_BUDGET_MIB = 600


def test_ten_learners_at_once_each_see_only_their_own_data(chromium_path, own_server):
    learners = crowd.make_learners(LEARNERS, changed_pages=1)
    assert len({learner.expected for learner in learners}) == LEARNERS, "two learners share data: a leak would hide"
    assert sum(learner.upload is not None for learner in learners) >= 2
    changed = [label for learner in learners for label in learner.changes]
    assert set(changed) == set(crowd.PAGE_LABELS) - {"Home"}, "some page's widget is changed by no learner"

    visits = crowd.run_crowd(own_server.base_url, learners)

    problems = crowd.problems(visits)
    assert not problems, "\n".join(problems)

    assert own_server.healthy(), f"the server stopped answering /_stcore/health:\n{own_server.log_tail()}"
    resident, peak = own_server.memory_mib()
    assert resident < MEMORY_BUDGET_MIB, f"the server holds {resident:.0f} MiB after the class (peak {peak:.0f})"
    times = crowd.redraws(visits)
    print(f"\n{LEARNERS} learners: redraw median {crowd.percentile(times, 50):.2f} s, "
          f"95th percentile {crowd.percentile(times, 95):.2f} s; server {resident:.0f} MiB (peak {peak:.0f})")
