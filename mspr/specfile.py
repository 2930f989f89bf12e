"""One YAML loader with French errors for every spec file.

``case.yaml``, ``lab.yaml`` and the référentiel are read by
:func:`load_yaml_model`: the file is parsed, validated by a pydantic model, and
every problem becomes a :class:`mspr.errors.MsprError` whose French message
names the file, the line, the field path (``donnees.tables.clients``) and the
fix. Models raise their own French messages with :func:`fail`.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from mspr.errors import MsprError

__all__ = ["fail", "field_path", "load_yaml_model", "read_yaml"]

_TYPE_NAMES = {
    "int": "entier",
    "float": "nombre",
    "string": "texte",
    "bool": "booléen (true/false)",
    "date": "date au format AAAA-MM-JJ",
    "list": "liste",
    "dict": "dictionnaire (clé: valeur)",
    "model": "dictionnaire (clé: valeur)",
}



#: PyYAML's problem texts (``MarkedYAMLError.problem``) and their French wording.
_YAML_PROBLEMS = (
    (r"found character '\\t' that cannot start any token", "tabulation interdite : indentez avec des espaces"),
    (r"mapping values are not allowed here", "deux-points inattendu (valeur contenant « : » sans guillemets, "
                                             "ou indentation décalée)"),
    (r"could not find expected ':'", "deux-points manquant après une clé"),
    (r"did not find expected key", "clé attendue : indentation incohérente ou guillemet non refermé"),
    (r"did not find expected '-' indicator", "tiret « - » attendu : les éléments d'une liste doivent être alignés"),
    (r"expected <block end>, but found '-'", "élément de liste « - » mal indenté"),
    (r"expected <block end>, but found", "indentation incohérente : une ligne est décalée par rapport à ses voisines"),
    (r"found unexpected end of stream", "fin de fichier inattendue : guillemet ou crochet non refermé"),
    (r"expected ',' or '\]'", "liste entre crochets non refermée : « ] » ou « , » manquant"),
    (r"expected ',' or '\}'", "dictionnaire entre accolades non refermé : « } » ou « , » manquant"),
    (r"found undefined alias", "alias « * » qui ne renvoie à aucune ancre « & »"),
    (r"found duplicate anchor", "ancre « & » définie deux fois"),
    (r"found unexpected ':'", "deux-points inattendu"),
    (r"found unknown escape character", "séquence d'échappement inconnue entre guillemets doubles "
                                       "(utilisez des guillemets simples)"),
)


def yaml_problem_fr(error: Exception) -> str:
    """Describe a PyYAML syntax error in French.

    Parameters
    ----------
    error : yaml.YAMLError
        The error raised by ``yaml.safe_load``.

    Returns
    -------
    str
        The French wording of its ``problem``; for a problem not in the table,
        « syntaxe incorrecte » followed by PyYAML's own text in parentheses.
    """
    import re

    problem = getattr(error, "problem", None) or str(error)
    for pattern, french in _YAML_PROBLEMS:
        if re.search(pattern, problem):
            return french
    return f"syntaxe incorrecte (PyYAML : {problem})"


def fail(message: str, **ctx: object) -> PydanticCustomError:
    """Build a validation error whose French message pydantic keeps verbatim.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it, in French.
    **ctx
        ``path`` (str) overrides the field path shown before the message,
        e.g. ``"donnees.tables.clients.colonnes.age"``.

    Returns
    -------
    pydantic_core.PydanticCustomError
        To be raised from a pydantic validator.
    """
    return PydanticCustomError("mspr", message, dict(ctx) or None)


def field_path(loc: tuple) -> str:
    """Render a pydantic location as ``donnees.tables.clients`` / ``defauts[2].taux``.

    Parameters
    ----------
    loc : tuple of str and int
        A pydantic error location; list indices are 0-based.

    Returns
    -------
    str
        Dotted path, list indices 1-based in brackets; ``"(racine)"`` when empty.
    """
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(racine)"


def read_yaml(path: Path, *, what: str, example: str) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file and return its data and its node tree (for line numbers).

    Parameters
    ----------
    path : pathlib.Path
        The file.
    what : str
        French name of the file's kind, e.g. ``"fichier de cas"``.
    example : str
        A file to start from, named in the hint, e.g. ``cases/mutuelle_horizon/case.yaml``.

    Returns
    -------
    data : object
        The parsed YAML (``yaml.safe_load``).
    node : yaml.Node or None
        The composed node tree, whose marks give line numbers.

    Raises
    ------
    MsprError
        If the file is missing, not UTF-8 or not valid YAML (the message gives
        the line and column).
    """
    if not path.is_file():
        raise MsprError(f"{what} introuvable", path=path, hint=f"partez de {example}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise MsprError(f"le fichier n'est pas encodé en UTF-8 (octet {error.start})", path=path,
                        hint="réenregistrez le fichier en UTF-8") from None
    except OSError as error:
        raise MsprError(f"lecture impossible ({error.strerror})", path=path,
                        hint="vérifiez les droits du fichier") from None
    try:
        data, node = yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark is not None else "position inconnue"
        problem = yaml_problem_fr(error)
        raise MsprError(
            f"erreur de syntaxe YAML {where} : {problem}",
            path=path,
            hint="vérifiez autour de cette ligne l'indentation (espaces, pas de tabulations), "
            "les deux-points après chaque clé et les guillemets ou crochets non refermés",
        ) from None
    duplicate = _duplicate_key(node)
    if duplicate is not None:
        key, first, second = duplicate
        raise MsprError(f"ligne {second} : clé « {key} » écrite deux fois au même niveau (déjà ligne {first}) : "
                        "YAML ne garderait que la seconde valeur", path=path,
                        hint="supprimez ou renommez l'une des deux clés")
    return data, node


def _duplicate_key(node: yaml.Node | None) -> tuple[str, int, int] | None:
    """The first key written twice in one mapping of a YAML node tree: (key, first line, second line)."""
    pending = [node] if node is not None else []
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in current.value:
                name = str(getattr(key, "value", ""))
                line = key.start_mark.line + 1
                if name in seen:
                    return name, seen[name], line
                seen[name] = line
                pending.append(value)
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
    return None


def load_yaml_model(path: str | Path, model: type[BaseModel], *, what: str, example: str,
                    context: dict | None = None) -> Any:
    """Read a YAML file and validate it with a pydantic model, with French errors.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML file.
    model : type of pydantic.BaseModel
        The schema; validators raise French messages with :func:`fail`.
    what : str
        French name of the file's kind, e.g. ``"fichier de cas"``.
    example : str
        A valid file to start from, named in hints.
    context : dict, optional
        Passed to ``model_validate(context=...)``.

    Returns
    -------
    pydantic.BaseModel
        The validated instance.

    Raises
    ------
    MsprError
        If the file is missing, unreadable, not YAML, not a mapping, or does
        not satisfy the schema: one line per problem, ``ligne N : champ :
        problème : correction``.
    """
    path = Path(path)
    data, node = read_yaml(path, what=what, example=example)
    if not isinstance(data, dict):
        raise MsprError("le fichier doit contenir un dictionnaire YAML (clé: valeur) au premier niveau",
                        path=path, hint=f"partez de {example}")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        lines = []
        for item in error.errors():
            line = _line_of(node, tuple(item["loc"]), (item.get("ctx") or {}).get("path"))
            prefix = f"ligne {line} : " if line else ""
            lines.append(prefix + _describe(model, item))
        count = len(lines)
        raise MsprError(
            f"{what} invalide ({count} erreur{'s' if count > 1 else ''}) :\n"
            + "\n".join(f"  - {line}" for line in lines),
            path=path,
            hint="corrigez ces champs puis relancez (les éléments de liste sont numérotés à partir de 1)",
        ) from None


def _line_of(node: yaml.Node | None, loc: tuple, dotted: str | None) -> int | None:
    """Line (1-based) of the deepest YAML node found along ``loc`` (or a dotted path)."""
    if dotted:
        parts: list[Any] = []
        for piece in str(dotted).replace("]", "").split("."):
            name, _, index = piece.partition("[")
            parts.append(name)
            if index:
                parts.append(int(index) - 1)
        loc = tuple(parts)
    found = node
    for part in loc:
        if isinstance(found, yaml.MappingNode):
            nxt = next((v for k, v in found.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(found, yaml.SequenceNode) and isinstance(part, int) and part < len(found.value):
            nxt = found.value[part]
        else:
            nxt = None
        if nxt is None:
            break
        found = nxt
    return found.start_mark.line + 1 if found is not None else None


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """Return the pydantic model describing the mapping found at ``loc``."""
    current: object = root
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif origin is list:
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: object) -> object:
    """Strip ``Annotated`` and ``X | None`` from an annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _describe(root: type[BaseModel], error: dict) -> str:
    """Translate one pydantic error into ``<field path> : <problem> : <fix>`` in French."""
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    path = field_path(loc)
    received = error.get("input")
    if kind == "mspr":
        return f"{ctx.get('path', path)} : {error['msg']}"
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        allowed = ", ".join(model.model_fields) if model is not None else "voir l'exemple fourni"
        return f"{path} : clé inconnue '{loc[-1]}' : retirez-la ou corrigez son nom (clés admises : {allowed})"
    if kind == "missing":
        return f"{path} : champ requis manquant : ajoutez la clé '{loc[-1]}'"
    for prefix, name in _TYPE_NAMES.items():
        if kind.startswith(prefix + "_") and kind not in ("string_too_short", "string_pattern_mismatch"):
            return f"{path} : type attendu : {name} (reçu : {received!r}) : corrigez la valeur"
    if kind == "literal_error":
        return f"{path} : valeur {received!r} non admise : remplacez-la par {str(ctx.get('expected')).replace(' or ', ' ou ')}"
    if kind == "enum":
        return f"{path} : valeur {received!r} non admise : valeurs possibles : {ctx.get('expected')}"
    bounds = {
        "greater_than": "strictement supérieure à {gt}",
        "greater_than_equal": "supérieure ou égale à {ge}",
        "less_than": "strictement inférieure à {lt}",
        "less_than_equal": "inférieure ou égale à {le}",
    }
    if kind in bounds:
        return f"{path} : valeur {received!r} hors limites : elle doit être {bounds[kind].format(**ctx)}"
    if kind == "too_short" and ctx.get("actual_length"):
        return (f"{path} : {ctx['actual_length']} élément(s), il en faut au moins {ctx.get('min_length')} : "
                f"complétez la liste")
    if kind in ("string_too_short", "too_short"):
        return f"{path} : valeur vide ou trop courte : complétez-la"
    if kind == "too_long":
        return f"{path} : trop d'éléments : {ctx.get('max_length')} au plus"
    if kind == "string_pattern_mismatch":
        return (f"{path} : valeur {received!r} mal formée : utilisez uniquement des lettres, chiffres, "
                f"'_' ou '-' (motif attendu : {ctx.get('pattern')})")
    if kind == "value_error":
        return f"{path} : {error['msg'].removeprefix('Value error, ')}"
    return f"{path} : {error['msg']}"
