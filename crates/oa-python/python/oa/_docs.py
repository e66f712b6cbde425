"""The docstrings of the public API live once, in ``__init__.pyi`` (what editors show);
at import they are attached to the objects themselves, so ``help()`` shows them too."""

import ast
from pathlib import Path


def attach(namespace: dict) -> None:
    stub = Path(__file__).with_name("__init__.pyi")
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    for node in tree.body:
        doc = ast.get_docstring(node) if isinstance(node, _DOCUMENTED) else None
        target = namespace.get(getattr(node, "name", None))
        if doc is None or target is None:
            continue
        _set_doc(target, doc)
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                member_doc = ast.get_docstring(member) if isinstance(member, _DOCUMENTED) else None
                attr = target.__dict__.get(getattr(member, "name", ""))
                if member_doc is not None and attr is not None:
                    _set_doc(attr, member_doc)


_DOCUMENTED = (ast.FunctionDef, ast.ClassDef)


def _set_doc(obj, doc: str) -> None:
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    try:
        obj.__doc__ = doc
    except (AttributeError, TypeError):
        pass  # a native type's doc is fixed
