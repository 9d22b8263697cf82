"""Data is never code (SPEC §4): no module of the package calls anything that turns a string
into code or objects. The walk is over the AST, so comments, docstrings and names such as the
static `Tensor.eval()` method do not count; the first test shows the walk does catch each form."""
from __future__ import annotations

import ast
import pathlib

import dualgrad

PACKAGE = pathlib.Path(dualgrad.__file__).parent

# callables that evaluate text (or unpickle) when handed a user's string or bytes
FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "sympify", "_sympify", "S",
                   "parse_expr"}
FORBIDDEN_ATTRIBUTES = {"sympify", "_sympify", "parse_expr", "S"}
FORBIDDEN_ATTRIBUTES |= {"read_pickle", "unsafe_load", "full_load"}  # pandas / PyYAML
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve",
                     "sympy.parsing", "sympy.parsing.sympy_parser"}


def _owner(node: ast.Attribute) -> str:
    value = node.value
    return value.id if isinstance(value, ast.Name) else ""


def violations(source: str, filename: str = "<source>") -> list[str]:
    """Every forbidden call or import in `source`, as 'file:line: what'."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in FORBIDDEN_NAMES:
                found.append(f"{where}: calls {f.id}()")
            elif isinstance(f, ast.Attribute):
                owner = _owner(f)
                if f.attr in {"eval", "exec"} and owner == "builtins":
                    found.append(f"{where}: calls builtins.{f.attr}()")
                elif f.attr in FORBIDDEN_ATTRIBUTES or owner in FORBIDDEN_MODULES:
                    found.append(f"{where}: calls {owner or '...'}.{f.attr}()")
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant)
                                                     and kw.value.value is False):
                    found.append(f"{where}: allow_pickle is not False")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in FORBIDDEN_MODULES:
                    found.append(f"{where}: imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module in FORBIDDEN_MODULES:
                found.append(f"{where}: imports from {module}")
            for alias in node.names:  # a relative import brings the package's own function
                if alias.name in FORBIDDEN_NAMES and node.level == 0:
                    found.append(f"{where}: imports {alias.name} from {module}")
    return found


def test_the_walk_catches_every_forbidden_form():
    snippets = [
        "eval(s)", "exec(s)", "compile(s, 'f', 'exec')", "__import__(s)", "builtins.eval(s)",
        "sympy.sympify(s)", "sp.sympify(s)", "sympify(s)", "S(s)", "sp.S(s)",
        "parse_expr(s)", "pickle.loads(b)", "import pickle", "from pickle import loads",
        "from sympy import sympify", "from sympy.parsing.sympy_parser import parse_expr",
        "np.load(f, allow_pickle=True)", "np.load(f, allow_pickle=flag)", "import marshal",
        "import dill", "pd.read_pickle(f)", "from builtins import compile",
    ]
    for snippet in snippets:
        assert violations(snippet), snippet
    harmless = ["t.eval()", "sess.run(t)", "np.load(f, allow_pickle=False)", "json.loads(s)",
                "sp.Symbol(name)", "sp.Integer(3)", "x.evalf()",
                "from .compiler import compile"]  # dg.compile, PyTorch's name, is the package's own
    for snippet in harmless:
        assert not violations(snippet), snippet


def test_the_package_never_evaluates_text():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50  # the whole package, not an empty glob
    found = []
    for path in files:
        found += violations(path.read_text(), str(path.relative_to(PACKAGE.parent)))
    assert not found, "\n".join(found)
