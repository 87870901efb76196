"""Text widths and line counts of the printed board's cards (render/textfit.py, render/board.py card_fit)."""
from __future__ import annotations

import pytest

from generator.render import board as board_render
from generator.render import textfit


def test_count_lines_lays_pieces_greedily() -> None:
    assert textfit.count_lines([10, 10, 10], 1, 25) == 2            # 10 + 1 + 10 fit, the third wraps
    assert textfit.count_lines([10, 10, 10], 1, 32) == 1
    assert textfit.count_lines([], 1, 20) == 1
    assert textfit.count_lines([50], 1, 20) == 3                    # a word wider than the line breaks anywhere
    assert textfit.count_lines([5, 50, 5], 1, 20) == 4


def test_widths_grow_with_text_size_and_weight() -> None:
    regular, bold = textfit.text_mm("Atelier Numérique", 12), textfit.text_mm("Atelier Numérique", 12, True)
    assert 0 < regular < bold and textfit.text_mm("Atelier Numérique", 6) == pytest.approx(regular / 2)
    assert textfit.text_mm("WWW", 10) > textfit.text_mm("iii", 10)
    assert textfit.lines_of("Atelier Numérique Rhône", 12, 40, True) == 2
    assert textfit.lines_of("ACME SAS", 12, 40, True) == 1
    assert textfit.lines_of("mot " * 40, 9.5, 40, most=3) == 3


def test_without_the_font_widths_are_estimated_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    measured = textfit.text_mm("Coopérative Alpina", 12, True)
    monkeypatch.setattr(textfit, "_advances", lambda bold: None)
    assert textfit.text_mm("Coopérative Alpina", 12, True) >= measured   # never shorter than it prints


def card(**fields) -> dict:
    view = {"id": "OPP-1", "account": "ACME SAS", "next_date": "27/10", "next_time": "10:00",
            "next_what": "Démo", "owner": "Zoé Martin (AE)", "chips": [], "blocked": None}
    view.update(fields)
    return view


def test_card_fit_measures_each_part() -> None:
    width = board_render.card_width(6)
    short = board_render.card_fit(card(), width)
    assert {k: short[k] for k in ("account", "next", "meta", "band")} == {"account": 1, "next": 1, "meta": 1, "band": 0}
    long = board_render.card_fit(card(account="Cabinet Ferrand & Associés",
                                      next_what="Décision du comité achats (alternatives fermées)"), width)
    assert (long["account"], long["next"]) == (2, 3) and long["height"] > short["height"]
    capped = board_render.card_fit(card(account="Compagnie Générale des Établissements Industriels du Grand Sud"),
                                   width)
    assert capped["account"] == 2                                          # the rest is cut with « … »
    blocked = board_render.card_fit(card(blocked={"since": "16/10", "cause": "Attente du référencement fournisseur"}),
                                    width)
    assert blocked["band"] == 2 and blocked["height"] > short["height"] + 2 * 3.5
    chips = [{"css": "light", "text": "Négo 8\u00a0j ✔"}, {"css": "cls", "text": "Fixed Date 30/10"}]
    assert board_render.card_fit(card(chips=chips), width)["meta"] == 3      # chips first, then the owner
    assert board_render.card_width(6, over=True) < width                    # red borders in an over column
