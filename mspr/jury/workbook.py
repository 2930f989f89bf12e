"""The jurors' spreadsheets: export one ``.xlsx`` per juror and team, import it back.

:func:`export_workbooks` writes, for each juror of a team, a workbook with one
sheet per candidate: every competency with its modality and auto points, the
auto criteria with their evidence (locked cells), the jury criteria with the
référentiel's wording (shared ones once), and for each competency and
criterion a level cell (a drop-down list of the scale) and a comment cell.
The juror's marks already recorded are filled in, so a new export loses
nothing.

:func:`import_workbook` reads such a file back. Every import, accepted or
refused, is kept (``jury/imports/...``, with its UTC time and SHA-256, and a
line of ``jury/imports.jsonl``). A file with any invalid cell (unknown code,
level off the scale, missing mandatory comment) is refused as a whole with a
French message naming the file, the sheet and each cell: nothing is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mspr.errors import MsprError
from mspr.grading import CHECKS
from mspr.jury.fmt import fr_datetime, fr_extension, fr_number, fr_points
from mspr.jury.grid import TeamGrid
from mspr.jury.records import EXEMPT, _write, disagreements, load_marks
from mspr.jury.roster import Roster, parse_level
from mspr.paths import Workspace, utc_stamp
from mspr.referentiel import Referentiel

__all__ = ["ImportResult", "export_workbooks", "import_workbook", "META_SHEET", "FORMAT_VERSION"]

#: Hidden sheet holding what the file is about.
META_SHEET = "_mspr"
#: Version of the workbook layout (checked on import).
FORMAT_VERSION = "1"
#: Row of the column headers of a candidate sheet.
HEADER_ROW = 7
COLUMNS = ("Code", "Élément", "Intitulé (référentiel)", "Éléments de preuve", "Niveau", "Commentaire")
#: Largest text an xlsx cell holds.
MAX_CELL = 32_000
README = "Lisez-moi"

COMPETENCY = re.compile(r"^A[1-4]C\d+$")
CRITERION = re.compile(r"^A[1-4]C\d+\.\d+$")


def _cell_text(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
    return text if len(text) <= MAX_CELL else text[:MAX_CELL] + " […]"


def export_workbooks(ws: Workspace, roster: Roster, team_id: str, grid: TeamGrid,
                     referentiel: Referentiel | None = None) -> list[Path]:
    """Write one ``.xlsx`` grid per juror of a team.

    Parameters
    ----------
    ws : Workspace
        Written to ``ws.jury_export(team_id, juror_id)``; a previous export is archived.
    roster : Roster
    team_id : str
    grid : TeamGrid
        The team's grid (:func:`mspr.jury.grid.team_grid`).
    referentiel : Referentiel, optional

    Returns
    -------
    list of pathlib.Path
        One file per juror, in roster order.
    """
    referentiel = referentiel or Referentiel.load()
    team = roster.team(team_id)
    marks = load_marks(ws, team_id, team.jurors)
    paths = []
    for juror_id in team.jurors:
        path = ws.jury_export(team_id, juror_id)
        ws.archive(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _build(ws, roster, team_id, juror_id, grid, marks[juror_id], referentiel).save(path)
        paths.append(path)
    return paths


def _build(ws: Workspace, roster: Roster, team_id: str, juror_id: str, grid: TeamGrid, marks: dict,
           referentiel: Referentiel):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    team = roster.team(team_id)
    juror = roster.juror(juror_id)
    scale = roster.scale
    acquired = scale.acquired_level
    wb = Workbook()
    readme = wb.active
    readme.title = README
    lines = [
        f"Grille d'évaluation MSPR — équipe {team_id} — juré : {juror.name}",
        "",
        "Une feuille par candidat. Saisissez uniquement les colonnes « Niveau » (liste déroulante) et "
        "« Commentaire » ; les autres cellules sont verrouillées.",
        "Le niveau de chaque ligne « Compétence » est votre proposition de décision pour ce candidat ; "
        "les niveaux des critères sont facultatifs.",
        f"Un commentaire est obligatoire pour toute compétence dont le niveau n'est pas « {acquired} ».",
        "Échelle : " + " / ".join(scale.levels),
        *[f"  • {lv} : {scale.descriptors.get(lv, '')}" for lv in scale.levels],
        "Les éléments de preuve (rendus, points automatiques) sont ceux de l'équipe ; "
        "la décision est individuelle.",
        "Ne renommez pas les feuilles et ne modifiez pas la colonne « Code » : l'import vérifie chaque cellule.",
        f"Renvoyez le fichier puis : mspr jury import -w <cohorte> {juror_id}.xlsx",
    ]
    for i, text in enumerate(lines, start=1):
        readme.cell(i, 1, text)
    readme["A1"].font = Font(bold=True, size=13)
    readme.column_dimensions["A"].width = 120
    readme.protection.sheet = True

    meta = wb.create_sheet(META_SHEET)
    rows = {"format": FORMAT_VERSION, "team_id": team_id, "juror_id": juror_id,
            "exported_at": datetime.now(timezone.utc).isoformat(), "candidates": ",".join(team.candidates)}
    rows["signature"] = _signature(ws, rows)
    for i, (k, v) in enumerate(rows.items(), start=1):
        meta.cell(i, 1, k)
        meta.cell(i, 2, v)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True

    bold = Font(bold=True)
    block_fill = PatternFill("solid", fgColor="D9E2F3")
    comp_fill = PatternFill("solid", fgColor="EEF2F6")
    editable_fill = PatternFill("solid", fgColor="FFF8DC")
    wrap = Alignment(wrap_text=True, vertical="top")
    levels_list = '"' + ",".join(scale.levels) + '"'
    for cid in team.candidates:
        candidate = roster.candidate(cid)
        mine = marks.get("candidates", {}).get(cid, {})
        sheet = wb.create_sheet(cid)
        sheet["A1"] = f"Grille d'évaluation — {candidate.name} ({cid})"
        sheet["A1"].font = Font(bold=True, size=13)
        sheet["A2"] = f"Équipe {team_id} — juré : {juror.name} ({juror_id})"
        sheet["A3"] = (f"Fin du temps de préparation : {fr_datetime(roster.deadline(candidate))} — majoration : "
                       f"{fr_extension(candidate.extension)}")
        sheet["A4"] = f"Durée de soutenance : {fr_number(roster.oral_minutes(candidate), 1)} min"
        sheet["A5"] = "Dispenses : " + (", ".join(candidate.exemptions) or "aucune")
        for col, title in enumerate(COLUMNS, start=1):
            c = sheet.cell(HEADER_ROW, col, title)
            c.font = bold
        validation = DataValidation(type="list", formula1=levels_list, allow_blank=True, showErrorMessage=True,
                                    errorTitle="Niveau hors échelle",
                                    error="Choisissez un niveau de la liste : " + " / ".join(scale.levels))
        sheet.add_data_validation(validation)
        row = HEADER_ROW

        def put(values, *, fill=None, editable=False, level=None, comment=None, exempt=False):
            nonlocal row
            row += 1
            for col, value in enumerate(values, start=1):
                cell = sheet.cell(row, col, _cell_text(value) if isinstance(value, str) else value)
                cell.alignment = wrap
                if fill:
                    cell.fill = fill
            if exempt:
                sheet.cell(row, 5, EXEMPT)
            elif editable:
                for col, value in ((5, level), (6, comment)):
                    cell = sheet.cell(row, col, value or None)
                    cell.protection = Protection(locked=False)
                    cell.fill = editable_fill
                validation.add(sheet.cell(row, 5).coordinate)

        for block in referentiel.blocks:
            lines_ = grid.block(block.code)
            state = lines_[0].state if lines_ else ""
            put([block.code, "Bloc", block.title, f"État du rendu ({lines_[0].assignment_id}) : {state}"],
                fill=block_fill)
            for cell in sheet[row]:
                cell.font = bold
            for line in lines_:
                exempt = line.code in candidate.exemptions
                points = line.auto_points
                evidence = f"Modalité : {line.modality}"
                if points:
                    evidence = f"Points automatiques : {fr_points(*points)}\n" + evidence
                if line.shared_with:
                    evidence += f"\nCritères communs avec {line.shared_with} : voir plus haut."
                if exempt:
                    evidence = "DISPENSÉ(E) : " + (line.note or "") + "\n" + evidence
                mark = mine.get("competencies", {}).get(line.code, {})
                put([line.code, "Compétence", line.title, evidence], fill=comp_fill, editable=not exempt,
                    level=mark.get("level"), comment=mark.get("comment"), exempt=exempt)
                sheet.cell(row, 1).font = bold
                for a in line.auto:
                    put([a.check_id, "Critère automatique", a.label,
                         f"{fr_points(a.score, a.max_score)} — {a.evidence}"])
                # shared criteria are shown once: they judge the answers of every competency sharing them
                judged = [w for code in (line.sharing or (line.code,)) for w in grid.lines[code].answers]
                answers = "\n\n".join(f"[{w.grade_id}] {w.text or '(réponse non rédigée)'}" for w in judged)
                for cr in line.criteria:
                    kind = "Critère jury" + (f" (commun à {', '.join(line.sharing)})" if len(cr.criterion_ids) > 1
                                             else "")
                    text = f"{cr.group} — {cr.text}" if cr.group else cr.text
                    mark = mine.get("criteria", {}).get(cr.key, {})
                    put([cr.key, kind, text, answers or "à évaluer à l'oral et sur les livrables"],
                        editable=not exempt, level=mark.get("level"), comment=mark.get("comment"), exempt=exempt)
                    answers = "(voir la première ligne de critère de la compétence)" if answers else answers
        for col, width in zip("ABCDEF", (16, 22, 60, 70, 24, 50)):
            sheet.column_dimensions[col].width = width
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
        sheet.protection.sheet = True
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False
    return wb


@dataclass(frozen=True)
class ImportResult:
    """What an accepted import recorded.

    Attributes
    ----------
    team_id, juror_id : str
    sha256 : str
        Hex digest of the imported file.
    kept : pathlib.Path
        The kept copy of the file.
    marks : int
        Number of levels recorded (competencies and criteria).
    disagreements : list of tuple
        :func:`mspr.jury.records.disagreements` of the team after the import.
    removed : tuple of str
        ``"<candidate> <code>"`` of each level this juror had recorded by a
        previous import and left empty in this file (removed by it; the
        previous marks are archived).
    missing : tuple of str
        Candidates of the team with no sheet in this file (their recorded
        levels are kept unchanged).
    archived : pathlib.Path or None
        Where the juror's previous marks file was archived, if any.
    """

    team_id: str
    juror_id: str
    sha256: str
    kept: Path
    marks: int
    disagreements: list
    removed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    archived: Path | None = None


#: Rows of the identity sheet covered by the signature, in this order.
SIGNED = ("format", "team_id", "juror_id", "exported_at", "candidates")


def _key(ws: Workspace) -> bytes:
    """The cohort's export key, created (random, 256 bits, owner-only) at the first export."""
    path = ws.jury_key
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _signature(ws: Workspace, meta: dict) -> str:
    """HMAC-SHA256 of the identity sheet's signed rows (RFC 2104), so that an edited team or juror is refused."""
    message = "\n".join(f"{k}={meta.get(k, '')}" for k in SIGNED).encode("utf-8")
    return hmac.new(_key(ws), message, hashlib.sha256).hexdigest()


def _log(ws: Workspace, entry: dict) -> None:
    ws.jury_import_log.parent.mkdir(parents=True, exist_ok=True)
    with ws.jury_import_log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def import_workbook(ws: Workspace, roster: Roster, path: str | Path,
                    referentiel: Referentiel | None = None, *, allow_older: bool = False) -> ImportResult:
    """Validate a juror's workbook and record its marks.

    Parameters
    ----------
    ws : Workspace
    roster : Roster
    path : str or pathlib.Path
        A workbook made by :func:`export_workbooks` and filled in by a juror.
    referentiel : Referentiel, optional
    allow_older : bool, default=False
        Accept a grid exported before the one this juror's current marks
        come from (refused by default: it would replace newer levels).

    Returns
    -------
    ImportResult

    Raises
    ------
    MsprError
        If the file cannot be read, is not one of ours (its identity sheet
        does not match the cohort's signature), is older than the grid
        already imported, or has invalid cells:
        the French message names the file, each sheet and cell, and the fix.
        Nothing is recorded then, but the file is kept and the attempt logged.
    """
    from openpyxl import load_workbook

    referentiel = referentiel or Referentiel.load()
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MsprError(f"fichier illisible ({exc.strerror})", path=path) from exc
    sha256 = hashlib.sha256(data).hexdigest()
    stamp = utc_stamp()
    entry = {"imported_at": datetime.now(timezone.utc).isoformat(), "file": str(path.resolve()), "sha256": sha256}

    def refuse(message: str, hint: str, team_id: str = "_inconnu", juror_id: str = "_inconnu"):
        kept = ws.jury_import_copy(team_id, juror_id, stamp, sha256)
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, kept)
        _log(ws, {**entry, "team_id": team_id, "juror_id": juror_id, "status": "refusé", "kept": str(kept),
                  "errors": message})
        raise MsprError(message + "\naucune note n'a été enregistrée (fichier conservé : " + str(kept) + ")",
                        path=path, hint=hint)

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types on a non-xlsx file
        refuse(f"classeur xlsx illisible ({type(exc).__name__})",
               "importez le fichier .xlsx produit par « mspr jury export », enregistré au format Excel")
    if META_SHEET not in wb.sheetnames:
        refuse(f"feuille cachée « {META_SHEET} » absente : ce n'est pas une grille exportée par mspr",
               "repartez du fichier produit par « mspr jury export »")
    meta = {str(r[0].value): str(r[1].value) for r in wb[META_SHEET].iter_rows(min_row=1, max_col=2) if r[0].value}
    team_id, juror_id = meta.get("team_id", ""), meta.get("juror_id", "")
    if meta.get("format") != FORMAT_VERSION:
        refuse(f"feuille « {META_SHEET} » : format {meta.get('format')!r} inconnu (attendu {FORMAT_VERSION})",
               "repartez du fichier produit par « mspr jury export »")
    if not hmac.compare_digest(meta.get("signature", ""), _signature(ws, meta)):
        refuse(f"feuille cachée « {META_SHEET} » modifiée ou grille exportée par une autre cohorte : "
               "l'équipe, le juré ou la date d'export ne correspondent plus à la signature de l'export",
               "repartez du fichier produit par « mspr jury export » pour cette cohorte, sans toucher à la "
               f"feuille « {META_SHEET} »")
    try:
        team = roster.team(team_id)
        roster.juror(juror_id)
    except MsprError as exc:
        refuse(f"feuille « {META_SHEET} » : {exc.message}", "le roster a changé depuis l'export : réexportez")
    if juror_id not in team.jurors:
        refuse(f"feuille « {META_SHEET} » : {juror_id} n'est pas juré de l'équipe {team_id}",
               "vérifiez le roster ou réexportez la grille", team_id, juror_id)

    current = load_marks(ws, team_id, [juror_id])[juror_id]
    newer = current.get("exported_at", "")
    if newer and meta.get("exported_at", "") < newer and not allow_older:
        refuse(f"grille exportée le {fr_datetime(datetime.fromisoformat(meta['exported_at']))}, avant celle déjà "
               f"importée pour {juror_id} et l'équipe {team_id} (exportée le "
               f"{fr_datetime(datetime.fromisoformat(newer))}) : l'importer remplacerait des niveaux plus récents",
               "importez la grille la plus récente ; si c'est bien celle-ci que le juré a remplie en dernier, "
               "relancez avec --allow-older", team_id, juror_id)
    levels = {parse_level(lv): lv for lv in roster.scale.levels}
    acquired = roster.scale.acquired_level
    check_ids = set(CHECKS)
    sharing = _sharing(referentiel)
    errors: list[str] = []
    recorded = {}
    count = 0
    for name in wb.sheetnames:
        if name in (META_SHEET, README):
            continue
        if name not in team.candidates:
            errors.append(f"feuille « {name} » : ce n'est pas un candidat de l'équipe {team_id} "
                          f"({', '.join(team.candidates)}) ; ne renommez pas les feuilles")
            continue
        candidate = roster.candidate(name)
        sheet = wb[name]
        header = [sheet.cell(HEADER_ROW, c).value for c in range(1, len(COLUMNS) + 1)]
        if tuple(header) != COLUMNS:
            errors.append(f"feuille « {name} », ligne {HEADER_ROW} : en-têtes de colonnes modifiés "
                          f"(attendu : {', '.join(COLUMNS)})")
            continue
        mine = {"competencies": {}, "criteria": {}}
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=len(COLUMNS)):
            code_cell, level_cell, comment_cell = row[0], row[4], row[5]
            code = str(code_cell.value).strip() if code_cell.value is not None else ""
            raw_level = str(level_cell.value).strip() if level_cell.value is not None else ""
            comment = str(comment_cell.value).strip() if comment_cell.value is not None else ""
            where = f"feuille « {name} », cellule"
            if not code:
                if raw_level or comment:
                    errors.append(f"{where} {code_cell.coordinate} : code vide sur une ligne notée "
                                  f"(rétablissez le code de la ligne)")
                continue
            if re.fullmatch(r"A[1-4]", code) or code in check_ids:
                continue  # block and auto rows carry no mark
            if COMPETENCY.match(code):
                known = code in referentiel.competencies
            elif CRITERION.match(code):
                comp = code.split(".")[0]
                known = (comp in referentiel.competencies
                         and code in {c.id for c in referentiel.competency(comp).criteria})
            else:
                known = False
            if not known:
                errors.append(f"{where} {code_cell.coordinate} : code inconnu « {code} » (ni compétence, "
                              "ni critère du référentiel, ni critère automatique) ; rétablissez le code exporté")
                continue
            competency = code.split(".")[0]
            if competency in candidate.exemptions:
                if raw_level and parse_level(raw_level) != parse_level(EXEMPT):
                    errors.append(f"{where} {level_cell.coordinate} : {competency} est dispensée pour {name} ; "
                                  f"laissez « {EXEMPT} »")
                continue
            if not raw_level:
                if comment and COMPETENCY.match(code):
                    errors.append(f"{where} {level_cell.coordinate} : commentaire sans niveau pour {code} ; "
                                  "choisissez un niveau")
                continue
            level = levels.get(parse_level(raw_level))
            if level is None:
                errors.append(f"{where} {level_cell.coordinate} : niveau « {raw_level} » hors échelle pour {code} "
                              f"(niveaux admis : {' / '.join(roster.scale.levels)})")
                continue
            if COMPETENCY.match(code):
                if level != acquired and not comment:
                    errors.append(f"{where} {comment_cell.coordinate} : commentaire obligatoire pour {code} "
                                  f"(niveau « {level} ») ; justifiez le niveau en une phrase")
                    continue
                mine["competencies"][code] = {"level": level, "comment": comment}
            else:
                mine["criteria"][code] = {"level": level, "comment": comment,
                                          "competencies": list(sharing.get(competency, (competency,)))}
            count += 1
        recorded[name] = mine
    if errors:
        refuse(f"{len(errors)} cellule(s) invalide(s) :\n  " + "\n  ".join(errors),
               "corrigez ces cellules dans le classeur puis relancez « mspr jury import »", team_id, juror_id)

    kept = ws.jury_import_copy(team_id, juror_id, stamp, sha256)
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, kept)
    previous = current.get("candidates", {})
    removed = tuple(f"{cid} {code}" for cid, mine in recorded.items() for kind in ("competencies", "criteria")
                    for code in previous.get(cid, {}).get(kind, {}) if code not in mine[kind])
    missing = tuple(cid for cid in team.candidates if cid not in recorded)
    archived = _write(ws, ws.jury_marks(team_id, juror_id), {
        "team_id": team_id, "juror_id": juror_id, "imported_at": entry["imported_at"],
        "exported_at": max(meta["exported_at"], newer), "sha256": sha256,
        "kept": str(kept.relative_to(ws.root)), "candidates": {**previous, **recorded}})
    _log(ws, {**entry, "team_id": team_id, "juror_id": juror_id, "status": "accepté", "kept": str(kept),
              "marks": count})
    return ImportResult(team_id, juror_id, sha256, kept, count, disagreements(ws, roster, team_id, referentiel),
                        removed, missing, archived)


def _sharing(referentiel: Referentiel) -> dict[str, tuple[str, ...]]:
    from mspr.jury.grid import _shared_criteria

    return {code: codes or (code,) for code, codes in _shared_criteria(referentiel).items()}
