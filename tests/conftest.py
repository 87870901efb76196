"""Shared fixtures: a scratch content repository written from dedented text."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

from generator.cli import main

GOOD_CRC = """\
    client: ACME SAS
    client_code: ACME
    opportunity: OPP-2025-014
    date: 2025-09-19
    type: discovery
    version: "1.0"
    subject: Découverte ACME
    objective: Qualifier le besoin SSO et identifier les décideurs.
    participants:
      client:
        - {name: M. Dubois, role: DSI, decision_maker: true, email: m.dubois@acme.example}
        - {name: Mme Leroy, role: Directrice achats, sponsor: true, email: c.leroy@acme.example}
        - {name: J. Petit, role: Admin système}
      vendor:
        - {name: Zoé Martin, role: AE, email: zoe.martin@vendor.example}
    facts:
      - "Douleur principale : 3 outils d'authentification non reliés."
      - "Critère n°1 : SSO sur 1 200 postes."
      - "Décideur : M. Dubois (DSI)."
      - "Budget annuel en arbitrage."
      - "Comité de décision le 15/10."
    decisions:
      - Go pour un cadrage fonctionnel.
      - Mme Leroy sponsorise le projet.
    risks:
      - {text: Budget annuel en cours d'arbitrage, category: budget, mitigation: ROI préliminaire avant le comité}
    dependencies:
      - Validation de la clause pénalité par le juridique
    next_step:
      action: Réunion de cadrage multi-parties
      date: 2025-09-26
      time: "10:00-10:45"
      owner_client: M. Dubois
      owner_vendor: Zoé Martin
      invitation_sent: true
    deliverables:
      - {what: Brief besoins, by: Zoé Martin, due: 2025-09-24, format: PDF}
    milestones:
      - {kind: client, text: Comité de décision, date: 2025-10-15}
    attachments:
      - {title: Enregistrement de la réunion, ref: "CRM://ACME/rec-0919"}
    keywords: [SSO, POC]
    crm: {stage: qualified, probability: 40, amount: 28000, close_date: 2025-10-30}
    validation: {deadline: "2025-09-24 17:00", status: pending}
    """


class Scratch:
    """A tiny content repository in a temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "content").mkdir(parents=True)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def crc(self, name: str = "acme.yaml", text: str = GOOD_CRC,
            replace: dict[str, str] | None = None) -> Path:
        """Write a CRC: the good sample, with exact-text replacements applied."""
        body = textwrap.dedent(text)
        for old, new in (replace or {}).items():
            assert old in body, f"replacement target not in the sample: {old!r}"
            body = body.replace(old, new)
        return self.write(f"content/crc/{name}", body)


@pytest.fixture
def scratch_project(tmp_path: Path) -> Scratch:
    """An empty content repository; tests write their own input."""
    return Scratch(tmp_path / "repo")


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err
    return run
