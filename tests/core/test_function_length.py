"""No function in tracker/ runs over 60 lines unless a `# long:` comment says why.

A long function is a list of steps waiting for names, or one piece that reads best whole (a hot
loop with its settings bound to locals, a table of a document's parts). The comment goes on the
line just above the `def` (above its decorators, if any) or just below the signature:
`# long: <the reason>`. See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tracker"
MAX_LINES = 60
MARK = "# long:"


def _excused(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    above = lines[first - 2] if first >= 2 else ""
    below = lines[node.body[0].lineno - 2]  # just above the body: under the signature's end
    return any(line.strip().startswith(MARK) for line in (above, below))


def long_functions() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno  # type: ignore[operator]
            if length > MAX_LINES and not _excused(lines, node):
                where = path.relative_to(PACKAGE.parent)
                found.append(f"{where}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_long_function_without_a_reason() -> None:
    assert long_functions() == [], "split these into named steps, or say why: `# long: ...`"
