"""A4 case data (calendar, costs, providers' SLA) and the SLA workbook check (A4C5)."""

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference

from mspr.case import load_case_spec
from mspr.case.build import plan_truth, providers_truth
from mspr.case.pilotage import indicator_penalty, month_penalty, sla_log, working_days
from mspr.case.spec import PenaltyTier, Provider, SlaIndicator
from mspr.case.truth import GroundTruth
from mspr.grading.checks import CheckContext, run_checks

CASES = Path(__file__).resolve().parent.parent / "cases"
SPEC = load_case_spec(CASES / "mutuelle_horizon")
TRUTH = GroundTruth.model_construct(plan=plan_truth(SPEC),
                                    providers=providers_truth(SPEC, sla_log(SPEC.prestataires, seed=2024)))
FEES = {p.id: p.redevance_mensuelle_eur for p in SPEC.prestataires.liste}


# --------------------------------------------------------------------------- case data

def test_working_days_skip_weekends_and_french_public_holidays():
    days = working_days(dt.date(2025, 4, 30), 4)
    # 1 May (Fête du Travail) is a Thursday, 3-4 May a weekend, 8 May (Victoire) a Thursday.
    assert days == [dt.date(2025, 4, 30), dt.date(2025, 5, 2), dt.date(2025, 5, 5), dt.date(2025, 5, 6)]


def test_plan_truth_has_calendar_dates_and_costs():
    plan = TRUTH.plan
    first = plan.tasks[0]
    assert plan.start_date == first.start_date == dt.date(2025, 1, 6)
    assert first.finish_date == dt.date(2025, 1, 17)  # 10 working days, no holiday
    assert plan.end_date == max(t.finish_date for t in plan.tasks)
    assert "Lundi de Pâques" in plan.holidays.values()
    # T01: 10 days × (cheffe de projet 750 + référent métier 450)
    assert first.cost_eur == 10 * (750 + 450)
    assert plan.total_cost_eur == pytest.approx(sum(t.cost_eur for t in plan.tasks))
    assert sum(plan.cost_by_resource.values()) == pytest.approx(plan.total_cost_eur)


def test_a_case_without_a4_data_still_validates():
    data = SPEC.model_dump()
    data["prestataires"] = None
    data["plan"] = {"taches": [{k: v for k, v in t.items() if k != "ressources"} for t in data["plan"]["taches"]]}
    bare = type(SPEC).model_validate(data)
    assert bare.prestataires is None and plan_truth(bare).total_cost_eur is None
    assert providers_truth(bare, sla_log(None, seed=1)) == []


def _indicator(**kw):
    base = dict(id="dispo", libelle="Disponibilité", unite="%", sens="minimum", objectif=99.9, moyenne=99.8,
                ecart_type=0.1, paliers=[PenaltyTier(seuil=99.9, penalite_pct=5), PenaltyTier(seuil=99.5, penalite_pct=10)])
    return SlaIndicator(**(base | kw))


def test_penalty_rules_tiers_and_cap():
    dispo = _indicator()
    assert indicator_penalty(dispo, 99.9) == (True, 0)
    assert indicator_penalty(dispo, 99.6) == (False, 5)
    assert indicator_penalty(dispo, 99.2) == (False, 10)
    delay = _indicator(id="delai", sens="maximum", objectif=4, paliers=[PenaltyTier(seuil=4, penalite_pct=3),
                                                                        PenaltyTier(seuil=8, penalite_pct=8)])
    assert indicator_penalty(delay, 4) == (True, 0) and indicator_penalty(delay, 9) == (False, 8)
    provider = Provider(id="P", nom="P", service="s", debut_contrat=dt.date(2024, 1, 1),
                        fin_contrat=dt.date(2026, 1, 1), redevance_mensuelle_eur=12345, plafond_penalites_pct=12,
                        indicateurs=[dispo, delay])
    assert month_penalty(provider, {"dispo": 99.2, "delai": 9}) == (12, 1481.4)  # 18 % capped at 12 %


def test_a_tier_stricter_than_the_objective_is_refused():
    with pytest.raises(ValueError, match="au-delà de l'objectif"):
        _indicator(paliers=[PenaltyTier(seuil=99.95, penalite_pct=5)])


# --------------------------------------------------------------------------- the workbook check

def workbook(path: Path, *, wrong: tuple[str, str] | None = None, typed: bool | str | tuple[str, str] = False,
             thousands: bool = False, chart: bool = True, summary: bool = True, shuffle: bool = False,
             dates: bool = False, header: str | None = None) -> Path:
    """A workbook whose penalty cells are formulas (pct × fee / 100) computed from the truth.

    ``typed``: True types every amount, a (provider, month) pair types that one only,
    ``"disguised"`` writes every right amount as a formula reading no cell (``=855.0+0``).
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "Pénalités"
    header = header or ("Pénalité (k€)" if thousands else "penalite_eur")
    sheet.append(["Mois", "Prestataire", "penalite_pct", header])
    months = TRUTH.providers[::-1] if shuffle else TRUTH.providers
    for r, month in enumerate(months, start=2):
        pct = month.penalty_pct + (1 if (month.provider, month.month) == wrong else 0)
        fee = FEES[month.provider]
        amount = f"=ROUND(C{r}*{fee}/100,2)" + ("/1000" if thousands else "")
        if typed is True or typed == (month.provider, month.month):
            amount = round(pct * fee / 100, 2) / (1000 if thousands else 1)
        elif typed == "disguised":  # the right amount, typed inside a formula that reads no cell
            amount = f"={round(pct * fee / 100, 2) / (1000 if thousands else 1)}+0"
        when = dt.datetime(int(month.month[:4]), int(month.month[5:]), 1) if dates else month.month
        sheet.append([when, month.provider if r % 2 else month.name, pct, amount])
    if summary:
        synth = book.create_sheet("Synthèse")
        synth.append(["prestataire", "total"])
        n = len(months) + 1
        for r, provider in enumerate(FEES, start=2):
            synth.append([provider, f"=SUMIFS('Pénalités'!$D$2:$D${n},'Pénalités'!$B$2:$B${n},A{r})"])
        if chart:
            bars = BarChart()
            bars.add_data(Reference(synth, min_col=2, min_row=1, max_row=3), titles_from_data=True)
            synth.add_chart(bars, "D2")
    book.save(path)
    return path


def grade(tmp_path: Path, name: str = "suivi.xlsx") -> dict:
    ctx = CheckContext(answers={"A4C5.sla_workbook": name}, ground_truth=TRUTH, ground_truth_dir=tmp_path,
                       workdir=tmp_path)
    return {r.check_id: r for r in run_checks("a4_pilotage", ctx)}


def test_right_workbook_full_marks(tmp_path):
    workbook(tmp_path / "suivi.xlsx")
    results = grade(tmp_path)
    assert results["A4C5.sla_penalties"].score == 4, results["A4C5.sla_penalties"].evidence
    assert results["A4C5.sla_workbook"].score == 2, results["A4C5.sla_workbook"].evidence


def test_one_wrong_penalty_loses_exactly_that_part_and_names_provider_and_month(tmp_path):
    target = next(m for m in TRUTH.providers if m.penalty_pct < 20)
    workbook(tmp_path / "suivi.xlsx", wrong=(target.provider, target.month))
    result = grade(tmp_path)["A4C5.sla_penalties"]
    n = len(TRUTH.providers)
    assert result.score == round(4 * (n - 1) / n, 2)
    assert f"{target.provider} {target.month} :" in result.evidence
    expected = f"{target.penalty_eur:,.2f}".replace(",", "\u202f").replace(".", ",")
    assert f"au lieu de {expected}\u00a0€" in result.evidence


def test_typed_values_are_reported_and_not_counted(tmp_path):
    workbook(tmp_path / "suivi.xlsx", typed=True)
    result = grade(tmp_path)["A4C5.sla_penalties"]
    assert result.score == 0
    assert "valeurs saisies au lieu de formules" in result.evidence


def test_amounts_typed_inside_formulas_that_read_no_cell_count_as_typed(tmp_path):
    workbook(tmp_path / "suivi.xlsx", typed="disguised")
    result = grade(tmp_path)["A4C5.sla_penalties"]
    assert result.score == 0, result.evidence
    assert "valeurs saisies au lieu de formules" in result.evidence and "=2340+0" in result.evidence


def test_one_typed_value_among_formulas_loses_exactly_its_share_and_is_named(tmp_path):
    target = TRUTH.providers[1]
    workbook(tmp_path / "suivi.xlsx", typed=(target.provider, target.month))
    result = grade(tmp_path)["A4C5.sla_penalties"]
    n = len(TRUTH.providers)
    assert result.score == round(4 * (n - 1) / n, 2)
    assert f"valeurs saisies au lieu de formules (1 cellule(s) : {target.provider} {target.month})" in result.evidence


@pytest.mark.parametrize("header, thousands, unit", [
    # "penalite_eur" and "Pénalité (k€)" are covered by the tests above
    ("Pénalité (€)", False, "en €"), ("Pénalités en euros", False, "en €"),
    ("Pénalité (milliers d'euros)", True, "en k€"), ("penalite_keur", True, "en k€"),
])
def test_penalties_in_euros_or_thousands_with_the_unit_stated(tmp_path, header, thousands, unit):
    workbook(tmp_path / "suivi.xlsx", header=header, thousands=thousands)
    result = grade(tmp_path)["A4C5.sla_penalties"]
    assert result.score == 4, result.evidence
    assert f"montants {unit}" in result.evidence and "non précisée" not in result.evidence


def test_thousands_without_the_unit_stated_are_read_as_euros_and_lose(tmp_path):
    workbook(tmp_path / "suivi.xlsx", header="Pénalité", thousands=True)
    result = grade(tmp_path)["A4C5.sla_penalties"]
    assert "unité non précisée : euros supposés" in result.evidence
    assert result.score < 4


def test_a_sheet_protected_by_password_is_still_read(tmp_path):
    """Sheet protection (not encryption) leaves the formulas readable: graded normally."""
    from openpyxl import load_workbook

    path = workbook(tmp_path / "suivi.xlsx")
    book = load_workbook(path)
    book["Pénalités"].protection.sheet = True
    book["Pénalités"].protection.password = "secret"
    book.save(path)
    assert grade(tmp_path)["A4C5.sla_penalties"].score == 4


def test_any_presentation_thousands_of_euros_dates_names_any_order(tmp_path):
    workbook(tmp_path / "suivi.xlsx", thousands=True, shuffle=True, dates=True)
    result = grade(tmp_path)["A4C5.sla_penalties"]
    assert result.score == 4, result.evidence
    assert "k€" in result.evidence


@pytest.mark.parametrize("content, message", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), "protégé par mot de passe"),
    (b"ceci n'est pas un classeur", "corrompu"),
])
def test_protected_or_corrupted_workbook_gets_a_french_message_and_grading_goes_on(tmp_path, content, message):
    (tmp_path / "suivi.xlsx").write_bytes(content)
    results = grade(tmp_path)
    for check_id in ("A4C5.sla_penalties", "A4C5.sla_workbook"):
        assert results[check_id].score == 0 and message in results[check_id].evidence
    assert "A4C1.pert_table" in results  # the other checks still ran


def test_truncated_zip_is_reported_as_corrupted(tmp_path):
    data = workbook(tmp_path / "bon.xlsx").read_bytes()
    (tmp_path / "suivi.xlsx").write_bytes(data[: len(data) // 2])
    assert "corrompu" in grade(tmp_path)["A4C5.sla_penalties"].evidence


def test_missing_sheets_are_named(tmp_path):
    book = Workbook()
    book.active.title = "Prestataires"
    book.active.append(["prestataire", "redevance"])
    book.save(tmp_path / "suivi.xlsx")
    results = grade(tmp_path)
    assert results["A4C5.sla_penalties"].score == 0
    assert "aucun tableau des pénalités" in results["A4C5.sla_penalties"].evidence
    assert "« Prestataires »" in results["A4C5.sla_penalties"].evidence
    assert results["A4C5.sla_workbook"].score == 0
    assert "aucun graphique" in results["A4C5.sla_workbook"].evidence


def test_chart_and_summary_each_count(tmp_path):
    workbook(tmp_path / "suivi.xlsx", chart=False)
    result = grade(tmp_path)["A4C5.sla_workbook"]
    assert result.score == 1 and "aucun graphique" in result.evidence
    workbook(tmp_path / "suivi.xlsx", summary=False)
    result = grade(tmp_path)["A4C5.sla_workbook"]
    assert result.score == 0  # no summary sheet, hence no chart either


def test_missing_workbook(tmp_path):
    assert "introuvable" in grade(tmp_path)["A4C5.sla_penalties"].evidence


def test_a_chart_on_a_chartsheet_counts(tmp_path):
    from openpyxl import load_workbook

    path = workbook(tmp_path / "suivi.xlsx", chart=False)
    book = load_workbook(path)
    bars = BarChart()
    bars.add_data(Reference(book["Synthèse"], min_col=2, min_row=1, max_row=3), titles_from_data=True)
    book.create_chartsheet("Graphique").add_chart(bars)
    book.save(path)
    result = grade(tmp_path)["A4C5.sla_workbook"]
    assert result.score == 2, result.evidence


def test_a_circular_formula_is_named_as_such_not_shown_as_none(tmp_path):
    path = workbook(tmp_path / "suivi.xlsx")
    book = load_workbook(path)
    target = TRUTH.providers[0]
    book["Pénalités"]["D2"] = "=D2+C2"  # refers to itself
    book.save(path)
    result = grade(tmp_path)["A4C5.sla_penalties"]
    assert "None" not in result.evidence, result.evidence
    assert f"{target.provider} {target.month} : formule sans résultat" in result.evidence or \
        f"{target.provider} {target.month} : erreur de formule" in result.evidence, result.evidence
