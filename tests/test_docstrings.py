"""Public functions and classes carry numpydoc docstrings (as scikit-learn checks its own)."""

import dataclasses
import importlib
import inspect
import pkgutil

import pytest
from numpydoc.docscrape import ClassDoc
from numpydoc.validate import validate
from pydantic import BaseModel

import mspr

#: numpydoc error codes enforced: missing docstring, undocumented or unknown
#: parameters, parameters without type, missing Returns section.
ENFORCED = {"GL08", "PR01", "PR02", "PR04", "RT01"}


def public_objects():
    for info in pkgutil.walk_packages(mspr.__path__, "mspr."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}"
            elif inspect.isclass(obj):
                yield f"{module.__name__}.{name}"
                for meth_name, meth in vars(obj).items():
                    if not meth_name.startswith("_") and inspect.isfunction(meth):
                        yield f"{module.__name__}.{name}.{meth_name}"


OBJECTS = sorted(set(public_objects()))


def test_public_objects_are_found():
    assert "mspr.grading.autograde" in OBJECTS and "mspr.case.plan.critical_path" in OBJECTS


def _record_fields(obj) -> list[str] | None:
    """Field names of a dataclass or pydantic model (whose constructor is generated), else None."""
    if dataclasses.is_dataclass(obj):
        return [f.name for f in dataclasses.fields(obj)]
    if isinstance(obj, type) and issubclass(obj, BaseModel):
        return list(obj.model_fields)
    return None


def _resolve(name):
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError:
        owner_module, _, owner = module.rpartition(".")
        return getattr(getattr(importlib.import_module(owner_module), owner), attr)


@pytest.mark.parametrize("name", OBJECTS)
def test_docstring(name):
    obj = _resolve(name)
    fields = _record_fields(obj)
    if fields is not None:
        # A record's generated constructor takes its fields: each must be documented,
        # under Parameters or Attributes.
        assert obj.__doc__, "GL08: no docstring"
        doc = ClassDoc(obj)
        documented = {n.strip() for p in doc["Parameters"] + doc["Attributes"] for n in p.name.split(",")}
        assert not set(fields) - documented, f"fields not documented: {sorted(set(fields) - documented)}"
        return
    errors = [f"{code}: {msg}" for code, msg in validate(name)["errors"] if code in ENFORCED]
    assert not errors, "\n".join(errors)
