"""What `symbolic.check` returns: one `InputCheck` verdict per input, gathered in a
`CheckReport` that prints as a table (and as LaTeX in notebooks)."""
from __future__ import annotations

from dataclasses import dataclass, field

WRONG = ("wrong_rule", "wrong_form")  # the verdicts that carry a counterexample


@dataclass
class InputCheck:
    """The verdict for one input."""

    name: str
    ok: bool = True
    verdict: str = "unchecked"   # exact | numeric | fd_noise | nondifferentiable | wrong_rule
    #                              | wrong_form (y's closed form disagrees with the forward pass) | unchecked
    method: str = ""
    max_diff: float = 0.0
    detail: str = ""
    points: int = 0
    closed_form_points: int = 0  # of `points`, those compared with the closed form's numbers

    @property
    def mark(self) -> str:
        """ok, WRONG (a counterexample was found), or UNCHECKED (nothing could be compared)."""
        return "ok" if self.ok else "WRONG" if self.verdict in WRONG else "UNCHECKED"

    def __str__(self) -> str:
        mark = self.mark
        text = f"{self.name}: {mark} [{self.verdict}] {self.method}; largest difference {self.max_diff:.3g}"
        return text + (f" ({self.detail})" if self.detail else "")


@dataclass
class CheckReport:
    """What `check` found: `ok`, one `InputCheck` per input (`report['w']`), the method, the
    largest difference and notes (fallbacks taken, budget spent)."""

    y: str
    inputs: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    mode: str = ""
    seconds: float = 0.0
    value_points: int = 0   # points where y's closed form was held against the forward pass
    value_error: str = ""   # set when they disagreed: every input is then `wrong_form`

    @property
    def ok(self) -> bool:
        """Whether every input's gradient was checked and agreed."""
        return bool(self.inputs) and all(c.ok for c in self.inputs.values())

    @property
    def method(self) -> str:
        """How it was shown: exact simplification, numeric evaluation at random points, or incomplete."""
        verdicts = {c.verdict for c in self.inputs.values()}
        if verdicts and verdicts <= {"exact"}:
            return "exact simplification"
        return "numeric evaluation at random points" if "unchecked" not in verdicts else "incomplete"

    @property
    def max_diff(self) -> float:
        """The largest difference found over all inputs."""
        return max((c.max_diff for c in self.inputs.values()), default=0.0)

    @property
    def failed(self) -> list[str]:
        """The names of the inputs whose gradients disagreed."""
        return [n for n, c in self.inputs.items() if not c.ok]

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, name: str) -> InputCheck:
        return self.inputs[name]

    def __str__(self) -> str:
        state = "ok" if self.ok else "NOT ok" if any(c.verdict in WRONG for c in
                                                      self.inputs.values()) else "not checked"
        head = (f"symbolic.check({self.y}): {state} — {self.method}, "
                f"largest difference {self.max_diff:.3g}, {self.seconds:.2f} s")
        lines = [head] + [f"  {c}" for c in self.inputs.values()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_latex_(self) -> str:
        rows = " \\\\ ".join(
            f"\\text{{{c.name}}} & \\text{{{c.mark}}} & \\text{{{c.verdict}}} & "
            f"{c.max_diff:.3g}" for c in self.inputs.values())
        return (f"$\\text{{check}}({self.y}): \\textbf{{{'ok' if self.ok else 'not ok'}}}"
                f"\\quad\\begin{{array}}{{llll}} {rows} \\end{{array}}$")
