"""Walking, copying and removing folders a team made, whatever their shape (standard library only).

A submission, or the folder its notebook executed in, may hold a tree
thousands of folders deep: Python 3.11's ``os.walk``, ``Path.rglob``,
``shutil.copytree`` and ``shutil.rmtree`` recurse once per level and raise
``RecursionError`` past about a thousand. The functions here walk with an
explicit stack, never follow symbolic links, and bound what they copy
(:data:`MAX_DEPTH` levels of folders, :data:`MAX_ENTRIES` entries, an
optional total of bytes); :func:`remove_tree` falls back on ``rm -rf`` when
``shutil.rmtree`` cannot finish.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

#: Deepest folder copied from a team's tree: a folder nested more deeply is left out, with its content.
MAX_DEPTH = 64

#: Most entries (files, folders, links) copied from a team's tree; the rest is left out.
MAX_ENTRIES = 100_000

#: Entries named in a French sentence, at most.
_NAMED = 5

#: Why an entry could not be copied, in French, by errno.
_WHY = {errno.ENAMETOOLONG: "chemin trop long", errno.ENOSPC: "disque plein", errno.EDQUOT: "quota atteint",
        errno.EACCES: "accès refusé", errno.EPERM: "accès refusé", errno.ENOENT: "disparu pendant la copie"}


def walk(top: str | Path, *, max_depth: int | None = None, prune: set | None = None):
    """Yield every entry below ``top``, parents before children, without recursion nor following links.

    Parameters
    ----------
    top : str or pathlib.Path
        The folder to walk (not yielded itself).
    max_depth : int, optional
        Folders nested deeper than this (``top``'s own folders are at depth
        1) are yielded but not entered. None walks the whole tree.
    prune : set of tuple of str, optional
        Relative paths (as parts) of folders not to enter; the caller may add
        the folder just yielded to it before asking for the next entry.

    Yields
    ------
    tuple of (tuple of str, os.DirEntry, int)
        The entry's path relative to ``top`` as its parts, the entry, and its
        depth (1 for ``top``'s children). Folders that cannot be listed are
        skipped; a symbolic link to a folder is yielded, not entered.
    """
    stack = [((), str(top))]
    while stack:
        parts, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        depth = len(parts) + 1
        children = []
        for entry in entries:
            path = (*parts, entry.name)
            yield path, entry, depth
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir and (max_depth is None or depth <= max_depth) and path not in (prune or ()):
                children.append((path, entry.path))
        stack.extend(reversed(children))


def _shown(parts: tuple[str, ...]) -> str:
    """A relative path for a French sentence, shortened in the middle when long."""
    text = "/".join(parts)
    return text if len(text) <= 120 else f"{text[:50]}…{text[-60:]}"


@dataclass
class TreeCopy:
    """What :func:`copy_tree` left out.

    Attributes
    ----------
    bytes_left_out : list of str
        ``"<relative path> (<size> octets)"`` of each file past the byte cap.
    too_deep : list of str
        Relative paths of the first folders nested deeper than the depth
        limit (left out with their content), at most five.
    too_deep_count : int
        How many such folders were met.
    too_many : bool
        Whether the entry limit was reached (the rest of the tree was not
        walked).
    failed : list of str
        Relative paths of the first entries that could not be read or
        written, with the reason in French (« chemin trop long », « disque
        plein »…), at most five.
    failed_count : int
        How many entries failed.
    max_depth, max_entries : int or None
        The limits the copy ran with.
    """

    bytes_left_out: list[str] = field(default_factory=list)
    too_deep: list[str] = field(default_factory=list)
    too_deep_count: int = 0
    too_many: bool = False
    failed: list[str] = field(default_factory=list)
    failed_count: int = 0
    max_depth: int | None = None
    max_entries: int | None = None

    def notes(self, what: str) -> list[str]:
        """French sentences on what was left out for the depth and entry limits and the failures.

        Parameters
        ----------
        what : str
            The folder copied, as the sentence names it (e.g. « dossier
            rendu »).

        Returns
        -------
        list of str
            One sentence per kind of omission (the byte cap's files are in
            :attr:`bytes_left_out`, for the caller's own sentence); empty
            when everything else was copied.
        """
        out = []
        if self.too_deep_count:
            out.append(f"{what} : arborescence trop profonde (plus de {self.max_depth} niveaux) : le reste n'a pas "
                       f"été copié ({self.too_deep_count} dossier(s) laissé(s) de côté avec leur contenu : "
                       + ", ".join(self.too_deep) + ")")
        if self.too_many:
            out.append(f"{what} : trop d'entrées (plus de {self.max_entries} fichiers et dossiers) : le reste n'a "
                       "pas été copié")
        if self.failed_count:
            out.append(f"{what} : {self.failed_count} fichier(s) ou dossier(s) non copié(s) : "
                       + ", ".join(self.failed))
        return out

    def _fail(self, parts: tuple[str, ...], error: OSError) -> None:
        self.failed_count += 1
        if len(self.failed) < _NAMED:
            self.failed.append(f"{_shown(parts)} ({_WHY.get(error.errno, 'illisible')})")


def copy_tree(src: str | Path, dst: str | Path, *, max_bytes: int | None = None,
              max_depth: int | None = MAX_DEPTH, max_entries: int | None = MAX_ENTRIES,
              ignore_names: tuple[str, ...] = ()) -> TreeCopy:
    """Copy a folder without recursion, links as links, leaving out what exceeds the limits.

    Regular files are copied with their metadata (``shutil.copy2``), symbolic
    links as links (never followed), folders with their permissions and
    times; pipes, sockets and devices are left out silently.

    Parameters
    ----------
    src : str or pathlib.Path
        The folder to copy.
    dst : str or pathlib.Path
        Where to copy it; created if missing (its parent must exist).
    max_bytes : int, optional
        Total size of the regular files copied: a file that would pass it is
        left out (smaller ones after it may still be copied).
    max_depth : int or None, default=MAX_DEPTH
        Folders nested deeper (``src``'s own folders are at depth 1) are left
        out with their content.
    max_entries : int or None, default=MAX_ENTRIES
        Entries copied at most; past it the rest of the tree is not walked.
    ignore_names : tuple of str, optional
        Names left out wherever they appear (files or folders).

    Returns
    -------
    TreeCopy
        What was left out, and why.
    """
    report = TreeCopy(max_depth=max_depth, max_entries=max_entries)
    src, dst = str(src), str(dst)
    os.makedirs(dst, exist_ok=True)
    folders = [(src, dst)]
    total = count = 0
    skipped: set[tuple[str, ...]] = set()  # folders not entered: nothing below them is copied
    for parts, entry, depth in walk(src, max_depth=max_depth, prune=skipped):
        if entry.name in ignore_names:
            skipped.add(parts)
            continue
        target = os.path.join(dst, *parts)
        try:
            if entry.is_symlink():
                kind = "link"
            elif entry.is_dir(follow_symlinks=False):
                kind = "dir"
            elif entry.is_file(follow_symlinks=False):
                kind = "file"
            else:
                continue  # pipes, sockets, devices
        except OSError as error:
            report._fail(parts, error)
            continue
        if max_entries is not None and count >= max_entries:
            report.too_many = True
            break
        count += 1
        try:
            if kind == "dir":
                if max_depth is not None and depth > max_depth:
                    report.too_deep_count += 1
                    if len(report.too_deep) < _NAMED:
                        report.too_deep.append(_shown(parts))
                    skipped.add(parts)
                    continue
                os.makedirs(target, exist_ok=True)
                folders.append((entry.path, target))
            elif kind == "link":
                os.symlink(os.readlink(entry.path), target)
            else:
                size = entry.stat(follow_symlinks=False).st_size
                if max_bytes is not None and total + size > max_bytes:
                    report.bytes_left_out.append(f"{_shown(parts)} ({size} octets)")
                    continue
                shutil.copy2(entry.path, target, follow_symlinks=False)
                total += size
        except OSError as error:
            report._fail(parts, error)
            if kind == "dir":
                skipped.add(parts)
    for source, target in reversed(folders):  # last: a read-only folder must first receive its content
        try:
            shutil.copystat(source, target, follow_symlinks=False)
        except OSError:
            pass
    return report


def remove_tree(path: str | Path) -> bool:
    """Remove a folder however deep, without following links out of it.

    ``shutil.rmtree`` first; when it fails (``RecursionError`` past about a
    thousand levels, a path longer than the system allows, any ``OSError``),
    ``rm -rf --one-file-system`` finishes the job.

    Parameters
    ----------
    path : str or pathlib.Path
        The folder (or file) to remove; nothing happens if it is missing.

    Returns
    -------
    bool
        Whether ``path`` is gone.
    """
    path = str(path)
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        if not os.path.lexists(path):
            return True
    except (RecursionError, OSError):
        pass
    else:
        return True
    if os.path.lexists(path):
        try:
            subprocess.run(["rm", "-rf", "--one-file-system", "--", path], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired):
            pass
    return not os.path.lexists(path)
