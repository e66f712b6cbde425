"""The README's first Python code block runs as written from the repository root."""

import os
import re

from conftest import REPO


def python_blocks():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", readme, flags=re.S)


def test_the_python_blocks_of_the_readme_run_in_order(data):
    """The first block as written from the repository root; the later ones after it, in
    the same namespace, as a notebook would run them."""
    blocks = python_blocks()
    assert len(blocks) >= 3, "README.md lost its Python examples"
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        namespace = {"__name__": "__readme__"}
        for i, block in enumerate(blocks):
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
    finally:
        os.chdir(cwd)
    assert namespace["imd"].scores.loc[0, "area_code"] == "E01021988"
    assert len(namespace["chosen"]) == 12
    assert namespace["results"]["uncertainty"]["p_coldspot"].between(0, 1).all()
    assert (REPO / "out" / "imd2019-python" / "manifest.json").is_file()


def test_the_stub_documents_every_public_name():
    import ast
    from pathlib import Path

    import oa

    stub = ast.parse(Path(oa.__file__).with_name("__init__.pyi").read_text())
    documented = {}
    for node in stub.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            documented[node.name] = ast.get_docstring(node)
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef):
                        assert ast.get_docstring(member), f"{node.name}.{member.name}"
    for name in oa.__all__:
        assert documented.get(name), f"oa.{name} has no docstring in __init__.pyi"
        assert getattr(oa, name).__doc__, f"oa.{name} has no docstring at run time"
    assert oa.Results.write.__doc__.startswith("Writes the results bundle")
    assert "GIL" in oa.__doc__ or oa.run.__doc__
