"""User-facing errors.

Every error a trainer, candidate or juror can cause (a malformed case file, a
tampered notebook, a missing column) is raised as :class:`MsprError`, whose
message is in French and names the file, what is wrong and what to do. The CLI
prints it without a traceback and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path


class MsprError(Exception):
    """An error caused by the user's input, with a French message.

    Parameters
    ----------
    message : str
        What is wrong, in French.
    path : str or pathlib.Path, optional
        The file or folder at fault; printed first.
    hint : str, optional
        What to do about it, in French.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        """Return the full French message, as the CLI prints it.

        Returns
        -------
        str
            ``"<path> : <message>"`` (only ``message`` when there is no path),
            followed, when there is a hint, by a new line and
            ``"  → <hint>"``.
        """
        text = f"{self.path} : {self.message}" if self.path else self.message
        if self.hint:
            text += f"\n  → {self.hint}"
        return text
