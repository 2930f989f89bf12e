"""French messages for click's own texts (usage, help headings, option errors).

Click marks its messages with :func:`gettext.gettext` and
:func:`gettext.ngettext`, imported in each of its modules as ``_`` and
``ngettext``. :func:`install` points those names at a French catalogue, so a
wrong option value or an unknown choice is explained in French. A message
missing from the catalogue stays in English (a test lists click's messages).
"""

from __future__ import annotations

import importlib

__all__ = ["FRENCH", "install"]

#: English msgid (as in click 8.x) -> French.
FRENCH: dict[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Aborted!": "Interrompu.",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing {param_type}": "{param_type} manquant",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "Invalid start character for option ({option})": "Caractère initial invalide pour l'option ({option})",
    "Value must be an iterable.": "La valeur doit être une liste.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un UUID valide.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} n'existe pas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} n'est pas lisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} n'est pas modifiable.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} n'est pas exécutable.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier {filename!r} : {message}",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "default: {default}": "défaut : {default}",
    "required": "obligatoire",
    "env var: {var}": "variable d'environnement : {var}",
    "deprecated": "obsolète",
    "(dynamic)": "(dynamique)",
    "unknown error": "erreur inconnue",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer l'action sans demander.",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} n'est pas un booléen valide. Valeurs reconnues : {states}",
    # ngettext pairs: the singular msgid names both forms.
    "Got unexpected extra argument ({args})": ("Argument inattendu en trop ({args})",
                                               "Arguments inattendus en trop ({args})"),
    "Takes {nargs} values but 1 was given.": ("Prend {nargs} valeurs mais 1 a été donnée.",
                                              "Prend {nargs} valeurs mais {len} ont été données."),
    "Did you mean {possibility}?": ("Vouliez-vous dire {possibility} ?",
                                    "(Vouliez-vous dire l'un de : {possibilities} ?)"),
    "{value!r} is not {choice}.": ("{value!r} n'est pas {choice}.", "{value!r} n'est pas parmi {choices}."),
    "{value!r} does not match the format {format}.": ("{value!r} ne respecte pas le format {format}.",
                                                      "{value!r} ne respecte aucun des formats {formats}."),
    "Option {name!r} requires an argument.": ("L'option {name!r} demande un argument.",
                                              "L'option {name!r} demande {nargs} arguments."),
    "{len_type} values are required, but {len_value} was given.": (
        "{len_type} valeurs sont demandées, mais {len_value} a été donnée.",
        "{len_type} valeurs sont demandées, mais {len_value} ont été données."),
}

#: click's parameter type names, shown as metavars (``ENTIER``) and in
#: "n'est pas un entier valide".
TYPE_NAMES: dict[str, str] = {
    "StringParamType": "texte",
    "UnprocessedParamType": "texte",
    "IntParamType": "entier",
    "IntRange": "entier",
    "FloatParamType": "nombre",
    "FloatRange": "nombre",
    "BoolParamType": "booléen",
    "DateTime": "date",
    "UUIDParameterType": "uuid",
    "File": "fichier",
}

_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting",
            "click.decorators", "click.termui", "click._termui_impl", "click.utils")


def _gettext(message: str) -> str:
    french = FRENCH.get(message, message)
    return french[0] if isinstance(french, tuple) else french


def _ngettext(singular: str, plural: str, count: int) -> str:
    french = FRENCH.get(singular)
    if isinstance(french, tuple):
        return french[0] if count == 1 else french[1]
    return singular if count == 1 else plural


def install() -> None:
    """Make click speak French (idempotent).

    Replaces the ``_`` and ``ngettext`` names of click's modules by lookups
    in :data:`FRENCH` (unknown messages pass through unchanged), and names
    click's parameter types in French (:data:`TYPE_NAMES`).
    """
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext
    types = importlib.import_module("click.types")
    for cls_name, french in TYPE_NAMES.items():
        getattr(types, cls_name).name = french
