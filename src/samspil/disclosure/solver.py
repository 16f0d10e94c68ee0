"""Secondary cell suppression as an integer program with an attacker's cuts.

The release tier's cells about persons are written (by dbt, int_release_terms_unioned) as
one linear system: every published measure of a cell (a count, n × a share, a weighted
estimate with known weights) is an equation Σ coefficient · atom = value in the "atoms",
the finest counts an attacker does not see. Given a pattern of suppressed cells, the
attacker knows the equations of every shown cell (and the structural ones), atoms ≥ 0,
and looks for the smallest and largest value each suppressed count can take. The pattern
protects a count when that range is at least `protection` wide, or as wide as the
structural equations alone let it be (a stratum of three invited institutions: a count of
its respondents is known to lie in 0–3 before anything is published).

`solve_component` finds a pattern for one group of cells that share atoms: a master
integer program (HiGHS) over one binary per cell, fixed to 1 for the primary
suppressions, minimises the units withheld; after each solve the attacker's linear
programs check every suppressed count, and each count still too narrow adds a cut: at
least one of the shown cells whose equations bound it (their duals are not zero) must be
suppressed too. A pattern that shows all of those cells cannot widen the range (the same
dual solution still bounds it), so no cut removes a protecting pattern; the loop ends
when every count is protected. The audit solves a count's programs only while the
solutions found so far (and the true counts) spread it by less than the protection.
Same input, same pattern: inputs are sorted, HiGHS runs on one thread with fixed options,
and each cell's cost carries a tie-break by its rank.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import highspy
import numpy as np
from scipy import sparse

TOLERANCE = 1e-6
"""A range counts as wide enough within this of the protection; duals above it bind."""


MAX_ROUNDS = 20
"""Rounds of the master program after which the cheapest protecting pattern found is
taken even if the master has not proved it the cheapest."""

MASTER_GAP = 1e-3
"""The master program stops at a pattern proved within this share of its cheapest: the
pattern taken withholds at most 0.1 % more than the cheapest protecting one. Proving the
last 0.1 % took a sixth of the solver's time at scale 50 (docs/performance.md)."""


class SuppressionError(Exception):
    """No pattern protects every cell (or the solver failed); the message says where."""


@dataclass(frozen=True)
class Measure:
    cell: str
    name: str
    atoms: tuple[int, ...]
    coefficients: tuple[float, ...]
    is_protected: bool


@dataclass
class Component:
    """Cells that share atoms, with their measures; `atom_values` are the true counts."""

    cells: list[str]
    primary: dict[str, str]
    """Cells suppressed on their own, with the reason."""
    structural: set[str]
    costs: dict[str, float]
    measures: list[Measure]
    atom_count: int
    atom_values: np.ndarray


@dataclass
class Outcome:
    suppressed: dict[str, str]
    """Every suppressed cell with its reason (primary or `complementary`)."""
    rounds: int = 0
    cuts: int = 0
    narrow: list[tuple[str, str, float]] = field(default_factory=list)
    """Counts the attacker still narrows below the protection: (cell, measure, range)."""
    is_optimal: bool = True
    """False where MAX_ROUNDS ended the search before the master proved its pattern within
    MASTER_GAP of the cheapest."""


_SOLVER = (hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), version("highspy"))
"""This module's code and HiGHS's version: another of either may choose another pattern."""


def digest(component: Component, protection: float) -> str:
    """Everything `solve_component` reads, as one SHA-256: the component's cells, reasons,
    costs, measures and atom values, the protection, this module's code and HiGHS's
    version. Same digest, same pattern: a pattern solved once can be reused."""
    solved = (
        _SOLVER,
        protection,
        component.cells,
        sorted(component.primary.items()),
        sorted(component.structural),
        [component.costs[cell] for cell in component.cells],
        [
            (measure.cell, measure.name, measure.atoms, measure.coefficients, measure.is_protected)
            for measure in component.measures
        ],
        component.atom_count,
        component.atom_values.tolist(),
    )
    return hashlib.sha256(repr(solved).encode()).hexdigest()


def _highs() -> highspy.Highs:
    """A quiet HiGHS on one thread with fixed options. HiGHS writes a banner to the
    process's standard output at its first instance, before any option can turn it off:
    that instance is made with standard output pointed at /dev/null (cli.py prints)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    return highs


def _coefficients(measures: list[Measure]) -> tuple[list, tuple[list, list]]:
    """The measures as the rows of a sparse matrix over the atoms: (values, (rows, atoms))."""
    rows, columns, values = [], [], []
    for row, measure in enumerate(measures):
        rows += [row] * len(measure.atoms)
        columns += list(measure.atoms)
        values += list(measure.coefficients)
    return values, (rows, columns)


class Attacker:
    """The attacker's linear programs for one pattern: min and max of each suppressed
    count subject to the equations of the shown cells and atoms ≥ 0."""

    def __init__(self, component: Component, suppressed: set[str]) -> None:
        self.component = component
        shown = [
            index
            for index, measure in enumerate(component.measures)
            if measure.cell not in suppressed
        ]
        self.rows = shown
        matrix = sparse.csc_matrix(
            _coefficients([component.measures[index] for index in shown]),
            shape=(len(shown), component.atom_count),
        )
        right = matrix @ component.atom_values if len(shown) else np.zeros(0)
        lp = highspy.HighsLp()
        lp.num_col_ = component.atom_count
        lp.num_row_ = len(shown)
        lp.col_cost_ = np.zeros(component.atom_count)
        lp.col_lower_ = np.zeros(component.atom_count)
        lp.col_upper_ = np.full(component.atom_count, highspy.kHighsInf)
        lp.row_lower_ = right
        lp.row_upper_ = right
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self.highs = _highs()
        # Many small solves of one model with another objective: no presolve, warm starts.
        self.highs.setOptionValue("presolve", "off")
        self.highs.passModel(lp)
        # Every solution the attacker's programs find satisfies the same equations, as do
        # the true counts: the least and greatest value each suppressed count takes in
        # them bound its range from inside. A count they already spread by the protection
        # needs no program of its own.
        self._audited = [
            measure
            for measure in component.measures
            if measure.is_protected and measure.cell in suppressed
        ]
        self._values = sparse.csr_matrix(
            _coefficients(self._audited), shape=(len(self._audited), component.atom_count)
        )
        self._least = self._values @ component.atom_values
        self._greatest = self._least.copy()

    def bound(self, measure: Measure, sense: highspy.ObjSense) -> tuple[float, set[str]]:
        """The least (or greatest) value of `measure`, and the shown cells that bind it;
        infinity (no cells) where it is unbounded."""
        cost = np.zeros(self.component.atom_count)
        np.add.at(cost, list(measure.atoms), list(measure.coefficients))
        self.highs.changeObjectiveSense(sense)
        self.highs.changeColsCost(
            self.component.atom_count, np.arange(self.component.atom_count, dtype=np.int32), cost
        )
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return (np.inf if sense == highspy.ObjSense.kMaximize else -np.inf), set()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SuppressionError(
                f"the attacker's linear program for {measure.cell} ({measure.name}) ended "
                f"{self.highs.modelStatusToString(status)}"
            )
        solution = self.highs.getSolution()
        found = self._values @ np.asarray(solution.col_value)
        np.minimum(self._least, found, out=self._least)
        np.maximum(self._greatest, found, out=self._greatest)
        duals = np.asarray(solution.row_dual)
        binding = {
            self.component.measures[self.rows[row]].cell
            for row in np.flatnonzero(np.abs(duals) > TOLERANCE)
        }
        return self.highs.getInfo().objective_function_value, binding

    def narrow(
        self,
        protection: float,
        public: _PublicRanges,
        only: set[tuple[str, str]] | None = None,
    ) -> list[tuple[str, str, float, set[str]]]:
        """Every suppressed count (of `only` if given: cell, measure) whose range is narrower
        than `protection` and than its `public` range, with the shown cells (not
        structural) that bind it."""
        found = []
        wide = protection - TOLERANCE
        for row, measure in enumerate(self._audited):
            if only is not None and (measure.cell, measure.name) not in only:
                continue
            if self._greatest[row] - self._least[row] >= wide:
                continue
            high, high_cells = self.bound(measure, highspy.ObjSense.kMaximize)
            if high - self._least[row] >= wide:
                continue
            low, low_cells = self.bound(measure, highspy.ObjSense.kMinimize)
            if high - low < wide and high - low < public.width(measure) - TOLERANCE:
                binding = (low_cells | high_cells) - self.component.structural
                found.append((measure.cell, measure.name, high - low, binding))
        return found


class _PublicRanges:
    """The range of each count given the structural equations alone (every cell
    suppressed): what an attacker knows before anything is published. No pattern
    makes a count wider than that."""

    def __init__(self, component: Component) -> None:
        self.component = component
        self._attacker: Attacker | None = None
        self._widths: dict[tuple[str, str], float] = {}

    def width(self, measure: Measure) -> float:
        key = (measure.cell, measure.name)
        if key not in self._widths:
            if self._attacker is None:
                self._attacker = Attacker(
                    self.component, set(self.component.cells) - self.component.structural
                )
            high, _ = self._attacker.bound(measure, highspy.ObjSense.kMaximize)
            low, _ = self._attacker.bound(measure, highspy.ObjSense.kMinimize)
            self._widths[key] = high - low
        return self._widths[key]


def _strongest(
    component: Component, cuts: list[tuple[str, frozenset[str]]]
) -> list[tuple[str, frozenset[str]]]:
    """The cuts no other cut implies. A cut (cell, binding) says Σ binding z ≥ z_cell; a
    cut whose binding cells include all of another's says no more than it where the
    other's cell is the same or a primary cell (whose z is 1). The master's program with
    these alone has the same solutions, in fewer rows (docs/performance.md)."""
    kept = []
    # The binding cells of primary cells' cuts: each implies every cut they are part of.
    covers: list[frozenset[str]] = []
    by_cell: dict[str, list[frozenset[str]]] = defaultdict(list)
    for cell, binding in sorted(cuts, key=lambda cut: len(cut[1])):
        if any(other <= binding for other in (*covers, *by_cell[cell])):
            continue
        kept.append((cell, binding))
        (covers if cell in component.primary else by_cell[cell]).append(binding)
    return kept


def _master(component: Component, cuts: list[tuple[str, frozenset[str]]]) -> set[str]:
    """A pattern with every primary cell and every cut satisfied, within MASTER_GAP of
    the cheapest."""
    candidates = [cell for cell in component.cells if cell not in component.structural]
    index = {cell: position for position, cell in enumerate(candidates)}
    highs = _highs()
    highs.setOptionValue("mip_rel_gap", MASTER_GAP)
    # Costs are whole numbers: a gap below 1 proves the optimum.
    highs.setOptionValue("mip_abs_gap", 0.5)
    # Small covering programs: branch and bound alone proves them fastest.
    highs.setOptionValue("mip_heuristic_effort", 0.0)
    lower = np.array([1.0 if cell in component.primary else 0.0 for cell in candidates])
    costs = np.array([component.costs[cell] for cell in candidates])
    highs.addVars(len(candidates), lower, np.ones(len(candidates)))
    columns = np.arange(len(candidates), dtype=np.int32)
    highs.changeColsCost(len(candidates), columns, costs)
    highs.changeColsIntegrality(
        len(candidates),
        columns,
        np.full(len(candidates), int(highspy.HighsVarType.kInteger), dtype=np.uint8),
    )
    for cell, binding in _strongest(component, cuts):
        # Σ binding z ≥ z_cell: some cell that binds the count is suppressed with it.
        columns = [index[other] for other in sorted(binding)] + [index[cell]]
        values = [1.0] * len(binding) + [-1.0]
        highs.addRow(
            0.0,
            highspy.kHighsInf,
            len(columns),
            np.array(columns, dtype=np.int32),
            np.array(values),
        )
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SuppressionError(
            f"the suppression program of {candidates[0]}… ended "
            f"{highs.modelStatusToString(highs.getModelStatus())}"
        )
    values = highs.getSolution().col_value
    return {cell for cell, value in zip(candidates, values, strict=True) if value > 0.5}


class _Cuts:
    """The cuts found so far, each once."""

    def __init__(self) -> None:
        self.cuts: list[tuple[str, frozenset[str]]] = []
        self._seen: set[tuple[str, frozenset[str]]] = set()

    def add(self, narrow: list[tuple[str, str, float, set[str]]]) -> int:
        new = 0
        for cell, name, width, binding in narrow:
            if not binding:
                raise SuppressionError(
                    f"{cell} ({name}): its range is {width:g} wide even with every other "
                    "cell suppressed; the relations of int_release_terms_unioned fix it"
                )
            cut = (cell, frozenset(binding))
            if cut not in self._seen:
                self._seen.add(cut)
                self.cuts.append(cut)
                new += 1
        return new


def _complete(
    component: Component,
    suppressed: set[str],
    narrow: list[tuple[str, str, float, set[str]]],
    protection: float,
    public: _PublicRanges,
    cuts: _Cuts,
) -> set[str]:
    """A protecting pattern from `suppressed`, whose `narrow` counts the attacker narrows:
    while it narrows a count, also suppress the cheapest shown cell that binds it (each
    audit's cuts are kept). Suppressing more only widens ranges, so each audit checks just
    the counts still narrow and those of the cells just added."""
    pattern = set(suppressed)
    while narrow:
        added = set()
        for _, _, _, binding in narrow:
            if binding and not binding & pattern:
                cheapest = min(binding, key=lambda cell: (component.costs[cell], cell))
                pattern.add(cheapest)
                added.add(cheapest)
        again = {(cell, name) for cell, name, _, _ in narrow} | {
            (measure.cell, measure.name) for measure in component.measures if measure.cell in added
        }
        narrow = Attacker(component, pattern).narrow(protection, public, again)
        cuts.add(narrow)
    return pattern


def solve_component(component: Component, protection: float, secondary: bool = True) -> Outcome:
    """The pattern of one component; with `secondary` false, the primary cells only (and
    the counts the attacker can still narrow, for the record).

    Each round solves the master program and audits its pattern; the audit's cuts go to
    the master, and the pattern completed greedily (`_complete`) is kept when it is the
    cheapest protecting pattern found. The round whose master pattern the attacker cannot
    narrow ends the search, as does a master pattern that costs no less than the best
    protecting pattern found (which is then within MASTER_GAP of the cheapest); after
    MAX_ROUNDS rounds the cheapest protecting pattern found is taken (`Outcome.is_optimal`
    false).
    """
    outcome = Outcome(suppressed={})
    cuts = _Cuts()
    public = _PublicRanges(component)
    suppressed = set(component.primary)
    best: set[str] | None = None

    def cost(pattern: set[str]) -> float:
        return sum(component.costs[cell] for cell in pattern)

    for round_number in range(1, MAX_ROUNDS + 1):
        outcome.rounds = round_number
        narrow = Attacker(component, suppressed).narrow(protection, public)
        if not secondary or not narrow:
            outcome.narrow = [(cell, name, width) for cell, name, width, _ in narrow]
            best = suppressed
            break
        cuts.add(narrow)
        completed = _complete(component, suppressed, narrow, protection, public, cuts)
        if best is None or (cost(completed), sorted(completed)) < (cost(best), sorted(best)):
            best = completed
        suppressed = _master(component, cuts.cuts)
        if cost(suppressed) >= cost(best):
            break
    else:
        outcome.is_optimal = False
    outcome.cuts = len(cuts.cuts)
    outcome.suppressed = {
        cell: component.primary.get(cell, "complementary") for cell in sorted(best or ())
    }
    return outcome


def components(
    cells: list[tuple[str, str | None, int, bool]],
    terms: list[tuple[str, str, str, float, float, bool]],
) -> list[Component]:
    """Group the cells into components (cells linked through shared atoms), keeping only
    those with a primary suppression.

    `cells`: (cell, primary reason or None, unit count, is structural), any order.
    `terms`: (cell, measure, atom, coefficient, atom value, is protected), any order.
    """
    cells = sorted(cells)
    terms = sorted(terms)
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for cell, _, atom, _, _, _ in terms:
        first, second = find("cell:" + cell), find("atom:" + atom)
        if first != second:
            parent[max(first, second)] = min(first, second)
    groups: dict[str, list[tuple[str, str | None, int, bool]]] = defaultdict(list)
    for row in cells:
        groups[find("cell:" + row[0])].append(row)
    by_cell: dict[str, list[tuple[str, str, str, float, float, bool]]] = defaultdict(list)
    for term in terms:
        by_cell[term[0]].append(term)
    result = []
    for root in sorted(groups):
        members = groups[root]
        if not any(reason for _, reason, _, _ in members):
            continue
        atoms: dict[str, int] = {}
        values: list[float] = []
        grouped: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        protected: dict[tuple[str, str], bool] = {}
        for cell, *_ in members:
            for _, measure, atom, coefficient, value, is_protected in by_cell[cell]:
                if atom not in atoms:
                    atoms[atom] = len(atoms)
                    values.append(value)
                grouped[(cell, measure)].append((atoms[atom], coefficient))
                protected[(cell, measure)] = is_protected
        measures = [
            Measure(
                cell=cell,
                name=name,
                atoms=tuple(atom for atom, _ in entries),
                coefficients=tuple(coefficient for _, coefficient in entries),
                is_protected=protected[(cell, name)],
            )
            for (cell, name), entries in sorted(grouped.items())
        ]
        # A cell costs its units (plus one), in steps wider than the component's number of
        # cells, plus its rank among them (sorted by id): equal costs never tie, the costs
        # stay whole, and a component's pattern depends on its own cells alone (a new wave
        # leaves the pattern of the waves before it as it was).
        step = len(members) + 1
        result.append(
            Component(
                cells=[cell for cell, *_ in members],
                primary={cell: reason for cell, reason, _, _ in members if reason},
                structural={cell for cell, _, _, is_structural in members if is_structural},
                costs={
                    cell: float((units + 1) * step + rank)
                    for rank, (cell, _, units, _) in enumerate(members)
                },
                measures=measures,
                atom_count=len(atoms),
                atom_values=np.array(values, dtype=float),
            )
        )
    return result
