"""Stage moves against their floor, ``transitions`` and ``python-statemachine``, in
the same run.

Run: ``python benchmarks/bench_pipeline.py`` (needs the ``bench`` extra; about three
minutes, most of it transitions adding 100,000 models to one Machine: its
``add_model`` checks membership in a list, so that set-up grows with the square
of the number of models, and is measured on every deal, never scaled).
``--deals N`` changes the workload; ``--full`` measures every peer on every deal
instead of on a sample; ``--moves-only`` runs the first part alone.

First, one move at a time (CPU time, best of interleaved rounds), on a deal whose
history already holds 0, 2 or 20 changes (does a move grow with its history?):

- the floor: what any immutable deal with a tuple history must do, written as
  tightly as pure Python allows: copy the deal's 17 slots into a new instance
  (plain stores on a mutable twin of the class, which then becomes a ``Deal`` by
  setting ``__class__``: a frozen slot's descriptor costs ten times a store),
  build one ``StageChange`` the same way, and append it to a new history tuple.
  It checks nothing.
- ``DEFAULT_PIPELINE.move(deal, to, at=...)``, every check included.
- transitions, as users build it: ``auto_transitions=False``, a Machine per
  model and one Machine holding many models, an ``after_state_change`` callback
  appending the history record; python-statemachine, a machine per deal. Each
  peer moves forward and back (a mutable model moves once); the time is per
  move.

Then the workload: 100,000 deals, each moved five times (prospecting → qualification →
research → demonstration → objection_handling → closing), every move recording
its history. On each side:

- salesmodel: ``DEFAULT_PIPELINE.move(deal, to, at=...)`` returns a new, immutable
  ``Deal`` with its ``StageChange`` appended; it checks the move is allowed, the
  time is aware and in order, and keeps status and ``closed_at`` consistent. No
  set-up: the deal is data, the one pipeline is shared.
- transitions: a ``Machine`` per model, as its documentation shows, and the
  cheaper variant of one ``Machine`` holding every model (``add_model``, with
  ``auto_transitions=False``); an ``after_state_change`` callback appends a
  history record, so both sides record history. The model's state is mutated in
  place.
- python-statemachine: a ``StateMachine`` instance per deal (the state on the
  model), an ``after_transition`` callback appending the history record.

The peers whose set-up is linear but costs hundreds of microseconds per deal (a
Machine per model, a StateMachine per deal) are measured on a sample and scaled
to the workload; the report says which. Memory is the
``tracemalloc`` growth from attaching each peer's machinery to already-built
models, per model. Ratios above 1 mean salesmodel is faster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import attrs
from statemachine import State, StateMachine
from transitions import Machine

from _timing import compare, table
from salesmodel import DEFAULT_PIPELINE, Deal, Money, Pipeline, StageChange, from_dict, to_dict

STAGES = [
    "prospecting",
    "qualification",
    "research",
    "demonstration",
    "objection_handling",
    "closing",
]
MOVES = STAGES[1:]
T0 = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
TIMES = [T0 + dt.timedelta(days=i + 1) for i in range(len(MOVES))]


# --- the peers' models ----------------------------------------------------------------


class Change:
    """The history record the peers append (salesmodel's is a StageChange)."""

    __slots__ = ("at", "from_stage", "to_stage")

    def __init__(self, from_stage: str, to_stage: str, at: dt.datetime) -> None:
        self.from_stage = from_stage
        self.to_stage = to_stage
        self.at = at


class TModel:
    """A deal for transitions: the machine adds ``state`` and trigger methods."""

    def __init__(self, deal_id: str) -> None:
        self.id = deal_id
        self.history: list[Change] = []

    def record(self, event: Any) -> None:
        transition = event.transition
        self.history.append(Change(transition.source, transition.dest, event.kwargs["at"]))


TRANSITIONS = [
    *(
        {"trigger": "advance", "source": source, "dest": dest}
        for source, dest in zip(STAGES, MOVES, strict=False)
    ),
    *(
        {"trigger": "back", "source": dest, "dest": source}
        for source, dest in zip(STAGES, MOVES, strict=False)
    ),
]


def attach_per_model(models: list[TModel]) -> list[Machine]:
    """transitions as its documentation shows it: a Machine per model."""
    return [
        Machine(
            model=model,
            states=STAGES,
            transitions=TRANSITIONS,
            initial="prospecting",
            after_state_change="record",
            send_event=True,
            auto_transitions=False,
        )
        for model in models
    ]


def attach_shared(models: list[TModel]) -> Machine:
    """transitions' cheaper variant: one Machine holding every model."""
    machine = Machine(
        model=None,
        states=STAGES,
        transitions=TRANSITIONS,
        initial="prospecting",
        after_state_change="record",
        send_event=True,
        auto_transitions=False,
    )
    for model in models:
        machine.add_model(model)
    return machine


def move_transitions(models: list[TModel]) -> None:
    for model in models:
        for at in TIMES:
            model.advance(at=at)


class PModel:
    """A deal for python-statemachine: the machine keeps its state in ``state``."""

    def __init__(self, deal_id: str) -> None:
        self.id = deal_id
        self.state: str | None = None
        self.history: list[Change] = []


class DealMachine(StateMachine):
    prospecting = State(initial=True)
    qualification = State()
    research = State()
    demonstration = State()
    objection_handling = State()
    closing = State(final=True)

    advance = (
        prospecting.to(qualification)
        | qualification.to(research)
        | research.to(demonstration)
        | demonstration.to(objection_handling)
        | objection_handling.to(closing)
    )
    back = demonstration.to(research)

    def after_transition(self, source: State, target: State, at: dt.datetime) -> None:
        self.model.history.append(Change(source.id, target.id, at))


def attach_statemachine(models: list[PModel]) -> list[DealMachine]:
    return [DealMachine(model=model) for model in models]


def move_statemachine(machines: list[DealMachine]) -> None:
    for machine in machines:
        for at in TIMES:
            machine.send("advance", at=at)


# --- salesmodel -----------------------------------------------------------------------


def new_deals(n: int) -> list[Deal]:
    amount = Money("1200.00", "EUR")
    return [Deal(id=f"D-{i}", name="Acme", amount=amount, created_at=T0) for i in range(n)]


def move_salesmodel(deals: list[Deal]) -> list[Deal]:
    move = DEFAULT_PIPELINE.move
    out = []
    for deal in deals:
        for to, at in zip(MOVES, TIMES, strict=True):
            deal = move(deal, to, at=at)
        out.append(deal)
    return out


# --- one move, against its floor ---------------------------------------------------------

HISTORIES = (0, 2, 20)
#: The move measured: research → demonstration, from a deal whose history holds n changes.
FROM, TO = "research", "demonstration"
LATER = T0 + dt.timedelta(days=30)


def deal_with_history(n: int) -> Deal:
    """A deal in research whose history holds *n* changes (n even): prospecting →
    qualification → research, then back and forth between the last two."""
    deal = Deal(
        id="D-1",
        name="Acme",
        amount=Money("1200.00", "EUR"),
        created_at=T0,
        owner_id="ana",
        source="referral",
        product="crm",
        stage="research" if n == 0 else "prospecting",
    )
    path = ["qualification", "research"] * (n // 2)
    for i, stage in enumerate(path):
        deal = DEFAULT_PIPELINE.move(deal, stage, at=T0 + dt.timedelta(hours=i + 1))
    assert deal.stage == FROM
    assert len(deal.history) == n
    return deal


def twin(cls: type) -> type:
    """A mutable class with *cls*'s layout: filled by plain stores, then made a
    *cls* by setting ``__class__``."""
    return type(f"{cls.__name__}Twin", cls.__bases__, {"__slots__": cls.__slots__})


def make_floor() -> Callable[[Deal, str, Any, dt.datetime], Deal]:
    """``floor(deal, to, status, at)``: the copy and the change of a move, nothing
    checked, as tight as pure Python allows (one function, every store inline)."""
    deal_fields = [f.name for f in attrs.fields(Deal)]
    change_fields = [f.name for f in attrs.fields(StageChange)]
    assert set(Deal.__slots__) == set(deal_fields)
    moved = {"stage": "to", "status": "status", "history": "(*old.history, change)"}
    given = {"from_stage": "old.stage", "to_stage": "to", "at": "at"}
    lines = [
        "def floor(old, to, status, at):",
        "    change = _new(_ChangeTwin)",
        *(f"    change.{f} = {given.get(f, 'None')}" for f in change_fields),
        "    change.__class__ = _StageChange",
        "    new = _new(_DealTwin)",
        *(f"    new.{f} = {moved.get(f, 'old.' + f)}" for f in deal_fields),
        "    new.__class__ = _Deal",
        "    return new",
    ]
    namespace = {
        "_new": object.__new__,
        "_ChangeTwin": twin(StageChange),
        "_DealTwin": twin(Deal),
        "_StageChange": StageChange,
        "_Deal": Deal,
    }
    exec("\n".join(lines), namespace)
    return namespace["floor"]  # type: ignore[no-any-return]


def peers_in(n: int) -> tuple[TModel, TModel, DealMachine]:
    """Each peer's model in research with *n* history records."""
    history = [Change("prospecting", "qualification", T0)] * n
    per_model, shared = TModel("D-1"), TModel("D-1")
    attach_per_model([per_model])
    attach_shared([shared])
    p_model = PModel("D-1")
    machine = DealMachine(model=p_model)
    for model in (per_model, shared):
        model.advance(at=T0)
        model.advance(at=T0)
        model.history[:] = history
    machine.send("advance", at=T0)
    machine.send("advance", at=T0)
    p_model.history[:] = history
    assert per_model.state == shared.state == p_model.state == FROM
    return per_model, shared, machine


def one_move(number: int) -> list[tuple[int, dict[str, float]]]:
    """CPU seconds per move of each side, at each history length."""
    floor = make_floor()
    move = DEFAULT_PIPELINE.move
    out = []
    for n in HISTORIES:
        deal = deal_with_history(n)
        at = LATER
        status = deal.status
        assert floor(deal, TO, status, at) == move(deal, TO, at=at)
        per_model, shared, machine = peers_in(n)

        def there_and_back(model: TModel) -> None:
            model.advance(at=LATER)
            model.back(at=LATER)

        def send_both(machine: DealMachine = machine) -> None:
            machine.send("advance", at=LATER)
            machine.send("back", at=LATER)

        ours: dict[str, Callable[[], object]] = {
            "floor": lambda d=deal, s=status, a=at: floor(d, TO, s, a),  # type: ignore[misc]
            "salesmodel": lambda d=deal, a=at: move(d, TO, at=a),  # type: ignore[misc]
        }
        peers: dict[str, Callable[[], object]] = {
            "transitions, one Machine per model": lambda m=per_model: there_and_back(m),  # type: ignore[misc]
            "transitions, one Machine, many models": lambda m=shared: there_and_back(m),  # type: ignore[misc]
            "python-statemachine, one per deal": send_both,
        }
        # The peers are 10 to 100 times slower: fewer calls give them as long.
        times = compare(ours, number=number, rounds=5)
        for name, seconds in compare(peers, number=max(1, number // 40), rounds=3).items():
            times[name] = seconds / 2  # each call made two moves
        out.append((n, times))
    return out


def report_per_move(rows: list[tuple[int, dict[str, float]]]) -> str:
    us = 1e6
    names = list(rows[0][1])
    lines = [
        "one move, CPU us per move (best of interleaved rounds), by history length",
        f"{'history':<40}" + "".join(f"{n:>10}" for n, _ in rows),
    ]
    for name in names:
        lines.append(f"{name:<40}" + "".join(f"{t[name] * us:10.2f}" for _, t in rows))
    worst_floor = max(t["salesmodel"] / t["floor"] for _, t in rows)
    ratios = [
        ("move / floor (goal <= 1.3x)", lambda t: t["salesmodel"] / t["floor"]),
        *(
            (f"{name} / move", lambda t, name=name: t[name] / t["salesmodel"])  # type: ignore[misc]
            for name in names[2:]
        ),
    ]
    for label, ratio in ratios:
        lines.append(f"{label:<40}" + "".join(f"{ratio(t):9.2f}x" for _, t in rows))
    worst_transitions = min(
        min(t["transitions, one Machine per model"], t["transitions, one Machine, many models"])
        / t["salesmodel"]
        for _, t in rows
    )
    lines.append(
        f"worst: move {worst_floor:.2f}x its floor (goal <= 1.3x: "
        f"{'met' if worst_floor <= 1.3 else 'NOT MET'}); "
        f"transitions {worst_transitions:.2f}x slower per move (goal >= 4x: "
        f"{'met' if worst_transitions >= 4 else 'NOT MET'})"
    )
    return "\n".join(lines)


# --- measuring ------------------------------------------------------------------------


def seconds(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bytes_per_model(
    make_models: Callable[[], list[Any]], attach: Callable[[list[Any]], Any]
) -> float:
    """tracemalloc growth of attaching a peer's machinery to built models."""
    models = make_models()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = attach(models)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / len(models)


def check_same_outcome(deals: list[Deal], models: list[TModel], machines: list[PModel]) -> None:
    """Every side ends in closing with five history records."""
    assert all(d.stage == "closing" and len(d.history) == 5 for d in deals)
    assert all(m.state == "closing" and len(m.history) == 5 for m in models)
    assert all(m.state == "closing" and len(m.history) == 5 for m in machines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="no sampling: every peer, every deal")
    parser.add_argument("--moves-only", action="store_true", help="one move at a time only")
    args = parser.parse_args()
    print(report_per_move(one_move(number=20_000)))
    print()
    if args.moves_only:
        return 0
    n = args.deals
    moves = n * len(MOVES)
    per_model_sample = n if args.full else min(n, 10_000)
    statemachine_sample = n if args.full else min(n, 1_000)
    memory_sample = min(n, 2_000)

    deals = new_deals(n)
    # salesmodel: the same deals move again each round (they are immutable).
    ours = [seconds(lambda: move_salesmodel(deals))]

    shared_models = [TModel(f"D-{i}") for i in range(n)]
    shared_attach = seconds(lambda: attach_shared(shared_models))
    shared_moves = seconds(lambda: move_transitions(shared_models))
    ours.append(seconds(lambda: move_salesmodel(deals)))

    per_models = [TModel(f"D-{i}") for i in range(per_model_sample)]
    per_attach = seconds(lambda: attach_per_model(per_models))
    per_moves = seconds(lambda: move_transitions(per_models))
    ours.append(seconds(lambda: move_salesmodel(deals)))

    p_models = [PModel(f"D-{i}") for i in range(statemachine_sample)]
    p_machines: list[DealMachine] = []
    p_attach = seconds(lambda: p_machines.extend(attach_statemachine(p_models)))
    p_moves = seconds(lambda: move_statemachine(p_machines))
    ours.append(seconds(lambda: move_salesmodel(deals)))
    check_same_outcome(move_salesmodel(deals[:10]), shared_models[:10], p_models[:10])

    # Per move, and for the whole workload (set-up included), scaled to n deals.
    us = 1e6
    sm_move = min(ours) / moves
    sm_total = min(ours)
    rows_time = {
        "transitions, one Machine per model": (
            per_moves / (per_model_sample * len(MOVES)),
            (per_attach + per_moves) * n / per_model_sample,
            per_attach / per_model_sample,
            per_model_sample,
        ),
        "transitions, one Machine, many models": (
            shared_moves / moves,
            shared_attach + shared_moves,
            shared_attach / n,
            n,
        ),
        "python-statemachine, one per deal": (
            p_moves / (statemachine_sample * len(MOVES)),
            (p_attach + p_moves) * n / statemachine_sample,
            p_attach / statemachine_sample,
            statemachine_sample,
        ),
    }

    memory = {
        "transitions, one Machine per model": bytes_per_model(
            lambda: [TModel(f"D-{i}") for i in range(memory_sample)], attach_per_model
        ),
        "transitions, one Machine, many models": bytes_per_model(
            lambda: [TModel(f"D-{i}") for i in range(memory_sample)], attach_shared
        ),
        "python-statemachine, one per deal": bytes_per_model(
            lambda: [PModel(f"D-{i}") for i in range(memory_sample)], attach_statemachine
        ),
    }
    # salesmodel attaches nothing: a Deal's slots are exactly its fields.
    fields = {f.name for f in Deal.__attrs_attrs__}
    assert set(Deal.__slots__) - {"__weakref__"} <= fields
    shared_pipeline = bytes_per_model(
        lambda: [to_dict(DEFAULT_PIPELINE)], lambda data: from_dict(data[0], Pipeline)
    )

    print(f"workload: {n:,} deals x {len(MOVES)} moves = {moves:,} moves, history recorded")
    print(f"salesmodel: {sm_move * us:6.2f} us per move, {sm_total:6.2f} s in all, no set-up")
    for name, (per_move, total, attach, sample) in rows_time.items():
        scaled = "" if sample == n else f"  (measured on {sample:,} deals, scaled x{n // sample})"
        print(
            f"{name}: {per_move * us:6.2f} us per move, {attach * us:7.1f} us set-up per deal, "
            f"{total:7.2f} s in all{scaled}"
        )
    print()
    print(f"machine state per entity (tracemalloc, {memory_sample:,} models):")
    print(
        f"  salesmodel: 0 B (nothing is attached: a Deal's slots are its {len(fields)} fields; "
        f"the one shared pipeline takes {shared_pipeline / 1024:.1f} KB in all)"
    )
    for name, size in memory.items():
        print(f"  {name}: {size:,.0f} B")
    print()

    rows = []
    for name, (per_move, total, _, _) in rows_time.items():
        move_goal = "report" if "statemachine" in name else ">= 4x"
        rows.append(("per move", name, per_move / sm_move, move_goal))
        rows.append(("whole workload (with set-up)", name, total / sm_total, "report"))
    print(table("salesmodel moves vs state-machine libraries", rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
