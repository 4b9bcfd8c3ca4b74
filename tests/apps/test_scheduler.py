"""Fair worker slots per browser client; interrupting a thread."""

import threading
import time

from apps.scheduler import FairScheduler, interrupt_thread


def test_scheduler_gives_a_free_slot_to_the_client_with_fewer_jobs():
    sched = FairScheduler(max_workers=2, per_owner=2)
    gate = threading.Event()
    order = []
    long_a = [sched.submit("a", lambda: gate.wait(5)) for _ in range(3)]  # a fills both slots, one waits
    short_b = sched.submit("b", lambda: order.append("b"))
    assert sched.running("a") == 2 and sched.waiting() == 2
    gate.set()
    short_b.result(5)
    for f in long_a:
        f.result(5)
    assert order == ["b"]


def test_scheduler_per_owner_cap_keeps_slots_for_others():
    sched = FairScheduler(max_workers=3, per_owner=2)
    gate = threading.Event()
    futures = [sched.submit("a", lambda: gate.wait(5)) for _ in range(3)]
    done = sched.submit("b", lambda: "ran")
    assert done.result(5) == "ran"  # b started while a's third job still waits
    assert sched.waiting("a") == 1
    gate.set()
    for f in futures:
        f.result(5)


def test_interrupt_thread_raises_inside_it():
    caught = []

    class Stop(Exception):
        pass

    def loop():
        try:
            while True:
                time.sleep(0.001)
        except Stop:
            caught.append(True)

    thread = threading.Thread(target=loop)
    thread.start()
    time.sleep(0.05)
    assert interrupt_thread(thread.ident, Stop)
    thread.join(5)
    assert caught == [True] and not thread.is_alive()
