"""The site's "Définitions et chiffres": each metric as sentences and small tables a sales manager reads."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from generator import metric_text, metrics, pages
from generator.project import load_project
from generator.render.metrics_page import alerts

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 10, 24)  # the sample's day: Little's law reads "WIP high", the stress test alerts


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    """metrics.json of the shipped sample content."""
    return metrics.from_project(load_project(ROOT, AS_OF, use_cache=False), AS_OF)


def page_text(m: dict[str, Any], language: str) -> str:
    """The Markdown of every section, as the site page shows it."""
    return "\n".join(pages.metrics_section(s, language) for s in metric_text.sections(m, language))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_sections_read_as_sentences_not_fields(sample: dict[str, Any], language: str) -> None:
    """No field names, bookkeeping, raw shares, ISO dates or "(s)" on the page."""
    text = page_text(sample, language)
    for word in ("outcome.date", "last_action", "statut", "status", ": ok", "0,05", "0.05", "(s)", "alerte : oui",
                 "alert: yes", "None"):
        assert word not in text, word
    assert not re.search(r"\b\d{4}-\d\d-\d\d\b", text)
    assert ("5 %" if language == "fr" else "5%") in text  # the share without a next action, as a percentage
    assert ("8 septembre 2025" if language == "fr" else "8 September 2025") in text  # the window, written out
    assert [s.key for s in metric_text.sections(sample, language)][0] == "window"
    assert "cfd" not in [s.key for s in metric_text.sections(sample, language)]


@pytest.mark.parametrize("language, words", [
    ("fr", ["6 cartes en « Négociation » : 3 au vert, 2 à l'orange, 1 au rouge.",
            "| OPP-2025-012 | 25 jours | rouge |"]),
    ("en", ["6 cards in “Négociation”: 3 green, 2 amber, 1 red.", "| OPP-2025-012 | 25 days | red |"]),
])
def test_negotiation_lights_show_their_figures(sample: dict[str, Any], language: str, words: list[str]) -> None:
    section = pages.metrics_section(metric_text.section(sample, "negotiation_lights", language), language)
    assert [w for w in words if w in section.replace("&#8220;", "“")] == words


def test_verdicts_agree_with_the_alerts(sample: dict[str, Any]) -> None:
    """Little's law and the stress test show one status: the alert's, never "ok" beside a warning."""
    warned = {a["text"].split(" :")[0]: a["warn"] for a in alerts(sample)}
    little = metric_text.section(sample, "littles_law")
    stress = metric_text.section(sample, "stress_test")
    assert warned["Loi de Little"] and little.verdict and little.verdict[0] == "warning"
    assert little.verdict[2].startswith("WIP élevé pour le débit")
    assert warned["Test de stress"] is sample["stress_test"]["alert"] is True
    assert stress.verdict == ("warning", "Alerte", "Seuil dépassé : baisser le WIP et planifier des relances ciblées.")
    text = pages.metrics_section(little)
    assert '!!! warning "Verdict"' in text and "16 cartes en cours" in text and "1,3 gain par semaine" in text


def test_a_calm_board_reads_under_control() -> None:
    m = metrics.compute([], load_project(ROOT, AS_OF, use_cache=False).board, AS_OF)
    m["stress_test"].update(status="ok", mean=2, threshold=3, alert=False)
    assert metric_text.section(m, "stress_test").verdict[0:2] == ("success", "Sous contrôle")


def test_without_enough_history_the_forecasts_say_why() -> None:
    m = metrics.compute([], load_project(ROOT, AS_OF, use_cache=False).board, AS_OF)
    little = metric_text.section(m, "littles_law", "en")
    assert little.lines == ["Not enough data: less than 3 weeks of history."] and little.verdict is None
    forecast = metric_text.section(m, "forecast")
    assert forecast.lines[0] == "Méthode du guide : Pas assez de données : moins de 3 semaines d'historique."
    assert metric_text.section(m, "lost_reasons").lines == ["Aucune carte perdue."]
    assert metric_text.section(m, "no_next_action").lines == ["Aucune carte active."]


def test_definitions_are_reworded_for_people(sample: dict[str, Any]) -> None:
    """The page's definitions name no field; metrics.json keeps its own (data contract)."""
    assert "outcome.date" in sample["throughput"]["definition"]  # the data is unchanged
    for key in ("throughput", "card_age", "cycle_time", "forecast", "forecast.seed_method", "cfd"):
        text = metric_text.definition(sample, key)
        assert text and "outcome" not in text and "last_action" not in text and "{" not in text, key
    assert "du 25 octobre 2025 au 21 novembre 2025" in metric_text.definition(sample, "forecast")
    assert "Au-delà de 7 jours" in metric_text.definition(sample, "card_age")
    assert metric_text.definition({"new_metric": {"definition": "Texte"}}, "new_metric") == "Texte"
