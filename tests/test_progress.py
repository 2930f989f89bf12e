"""Progress of a grading run: « en cours » only once a worker has started, the run's bar and its time left."""

import time

import pytest

from mspr.cli import _TeamProgress
from mspr.grading.engine import Task, _interruptions, _started, _StartWatch, _uninterrupted
from mspr.jury.fmt import fr_duration


@pytest.mark.parametrize("seconds, text", [(0, "0 s"), (42.4, "42 s"), (60, "1 min"), (250, "4 min 10 s"),
                                           (599, "9 min 59 s"), (601, "10 min"), (3900, "1 h 05 min"),
                                           (-3, "0 s")])
def test_durations_are_written_the_french_way(seconds, text):
    assert fr_duration(seconds) == text


def test_a_queued_task_is_reported_running_only_once_its_worker_has_started(tmp_path):
    first, second = Task(str(tmp_path), "t1", "a4_pilotage"), Task(str(tmp_path), "t2", "a4_pilotage")
    seen = []
    with _StartWatch([first, second], lambda team, assignment, state: seen.append((team, state))) as watch:
        time.sleep(1.2)
        assert seen == []  # dispatched to the pool, not started by a worker
        with _started(first):
            for _ in range(50):
                if seen:
                    break
                time.sleep(0.1)
            assert seen == [("t1", "en cours")]
        watch.finished(first, "corrigé")
        time.sleep(1.2)
    assert seen == [("t1", "en cours"), ("t1", "corrigé")]
    assert not (tmp_path / ".engine" / "started" / "t1--a4_pilotage").exists()  # the marker goes with the task


def test_the_run_bar_counts_what_this_run_grades_and_estimates_the_time_left(monkeypatch):
    clock = {"now": 1000.0}
    monkeypatch.setattr(time, "monotonic", lambda: clock["now"])
    bars = _TeamProgress()  # not started: nothing drawn
    for team in ("t1", "t2"):
        for assignment in ("a2_conception", "a4_pilotage"):
            bars.update(team, assignment, "en attente")
    bars.update("t1", "a2_conception", "déjà corrigé")
    assert [bars.progress.tasks[bars.bars[t]].fields["state"] for t in ("t1", "t2")] == ["en attente"] * 2
    run = bars.progress.tasks[bars.run]
    column = bars.progress.columns[-1]
    assert (run.total, run.completed) == (3, 0)  # the one already graded is not part of this run's work
    assert column.render(run).plain == "reste : …"
    bars.update("t1", "a4_pilotage", "en cours")
    bars.update("t2", "a2_conception", "en cours")
    assert bars.progress.tasks[bars.run].fields["state"] == "2 en cours, 1 déjà corrigé(s)"
    clock["now"] += 100
    bars.update("t1", "a4_pilotage", "corrigé")
    clock["now"] += 20  # 120 s for one submission: 240 s for the two left
    assert column.render(bars.progress.tasks[bars.run]).plain == "reste ≈ 4 min"
    team = bars.progress.tasks[bars.bars["t1"]]
    assert (team.total, team.completed, team.fields["state"]) == (2, 2, "terminé")
    assert column.render(team).plain == ""  # a team's bar has no estimate of its own
    bars.update("t2", "a2_conception", "corrigé")
    bars.update("t2", "a4_pilotage", "échec du correcteur")
    assert column.render(bars.progress.tasks[bars.run]).plain == "terminé"


def test_an_interruption_during_a_commit_waits_for_the_commit_to_be_whole():
    import os
    import signal

    steps = []
    with pytest.raises(KeyboardInterrupt), _interruptions():
        with _uninterrupted():
            steps.append("rows removed")
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between the two halves of the gradebook's commit
            os.kill(os.getpid(), signal.SIGTERM)  # and the service manager's stop: the same interruption
            time.sleep(0.2)
            steps.append("rows added")
        steps.append("next submission")  # never reached: the interruption is raised once the commit is whole
    assert steps == ["rows removed", "rows added"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the caller's handlers are back


def test_a_repeated_interruption_is_ignored_but_a_later_one_counts_if_the_first_was_lost(monkeypatch):
    import os
    import signal

    monkeypatch.setattr(_interruptions, "REPEAT_S", 0.5)
    with _interruptions():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
        except KeyboardInterrupt:
            pass  # lost, as Python loses one raised in an at-fork hook of subprocess.Popen
        os.kill(os.getpid(), signal.SIGINT)  # pressed again at once: the same interruption, ignored
        time.sleep(0.1)
        time.sleep(0.5)
        with pytest.raises(KeyboardInterrupt):  # the run still runs: a later Ctrl-C stops it
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
