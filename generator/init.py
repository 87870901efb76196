"""`dealdocs init DIR`: a new content repository that checks and builds at once."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .jsonschema import SCHEMA_DIR, all_schemas, header, schema_bytes
from .scaffold import dump

GITIGNORE = """\
# Sorties de dealdocs : reconstruites par `dealdocs build`, jamais versionnées
site/
.dealdocs-cache/
/.site.lock
/.site.staging/
/.site.old/
/.site.trash/
# Python
__pycache__/
.venv/
"""

MKDOCS = """\
# Base de connaissances (MkDocs + Material) et réglages de dealdocs
site_name: Base de connaissances commerciale
theme:
  name: material
  language: fr
extra:
  dealdocs:
    language: fr          # fr ou en : langue des CRC, e-mails, tableau et site
"""

# Files copied from the package's defaults/ folder: target path → resource name.
COPIED = {
    "README.md": "init-README.md",
    ".github/workflows/dealdocs.yml": "init-github-dealdocs.yml",
    ".gitlab-ci.yml": "init-gitlab-ci.yml",
    ".pre-commit-config.yaml": "init-pre-commit-config.yaml",
}


class InitError(Exception):
    """A scaffold that cannot be written (files already there)."""


def _resource(name: str) -> str:
    return resources.files("generator").joinpath(f"defaults/{name}").read_text(encoding="utf-8")


def _kb_pages() -> dict[str, str]:
    """The knowledge-base scripts shipped with the package, by target path."""
    pages = {}
    for entry in resources.files("generator").joinpath("defaults").iterdir():
        name = entry.name
        if name.startswith("init-kb-") and name.endswith(".md"):
            rel = name[len("init-kb-"):].replace("--", "/")
            pages[f"content/kb/{rel}"] = entry.read_text(encoding="utf-8")
    return dict(sorted(pages.items()))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def board_text(today: date) -> str:
    """The default board, its period and micro-rule dates moved to the coming fortnight."""
    start = _monday(today)
    end = start + timedelta(days=11)
    text = _resource("board.yaml")
    text = re.sub(r"^period: .*$", f"period: {{start: {start.isoformat()}, end: {end.isoformat()}}}",
                  text, count=1, flags=re.M)
    return re.sub(r"decision_date: \d{4}-\d{2}-\d{2}", f"decision_date: {end.isoformat()}", text)


def _d(today: date, days: int) -> date:
    return today + timedelta(days=days)


def _deadline(today: date, days: int) -> str:
    return f"{_d(today, days).isoformat()} 17:00"


def example_crcs(today: date) -> dict[str, dict[str, Any]]:
    """One filled-in CRC per meeting type, dated around today (3 sent, the negotiation a draft)."""
    t = lambda days: _d(today, days)  # noqa: E731
    client = {"name": "Mme Garnier", "role": "Directrice des opérations", "decision_maker": True,
              "email": "c.garnier@exemple-industrie.example"}
    sponsor = {"name": "M. Roussel", "role": "DAF", "sponsor": True, "email": "p.roussel@exemple-industrie.example"}
    it = {"name": "L. Faure", "role": "Responsable IT"}
    rep = {"name": "Hugo Lambert", "role": "AE", "email": "hugo.lambert@vendeur.example"}
    presales = {"name": "Inès Carpentier", "role": "Avant-vente"}
    common = {"client": "Exemple Industrie SA", "client_code": "EXEMPLE", "opportunity": "OPP-0001"}
    discovery = {
        **common, "date": t(-20), "type": "discovery", "version": "1.0",
        "subject": "Découverte Exemple Industrie",
        "objective": "Qualifier le besoin de portail fournisseurs et identifier les décideurs.",
        "participants": {"client": [client, sponsor, it], "vendor": [rep]},
        "facts": ["Douleur principale : 1 200 factures fournisseurs saisies à la main chaque mois.",
                  "Délai moyen de traitement d'une facture : 12 jours.",
                  "Décideuse : Mme Garnier ; M. Roussel sponsorise le projet.",
                  "Budget indicatif : 20 à 30 k€ sur l'exercice en cours.",
                  "Démarrage souhaité avant la clôture annuelle."],
        "decisions": ["Exemple Industrie ouvre une démo ciblée sur la saisie des factures.",
                      "L. Faure fournit un échantillon anonymisé de 50 factures."],
        "risks": [{"text": "Budget soumis à l'arbitrage du comité de direction", "category": "budget",
                   "mitigation": "ROI préliminaire présenté au DAF avant le comité"}],
        "next_step": {"action": "Démo ciblée sur la saisie des factures", "date": t(-12), "time": "10:00-11:00",
                      "owner_client": "Mme Garnier", "owner_vendor": "Hugo Lambert", "invitation_sent": True},
        "deliverables": [{"what": "Brief besoins et ROI préliminaire", "by": "Hugo Lambert", "due": t(-16),
                          "format": "PDF"}],
        "milestones": [{"kind": "client", "text": "Comité de direction", "date": t(15)}],
        "attachments": [{"title": "Support de réunion", "ref": "Drive://Ventes/Exemple/decouverte.pdf"}],
        "keywords": ["factures", "portail fournisseurs"],
        "crm": {"stage": "meeting", "probability": 20, "amount": 24000, "close_date": t(40)},
        "sent_on": t(-19), "validation": {"deadline": _deadline(today, -16), "status": "validated"},
    }
    demo = {
        **common, "date": t(-12), "type": "demo", "version": "1.0",
        "subject": "Démo ciblée Exemple Industrie",
        "objective": "Prouver que le portail traite les factures réelles d'Exemple Industrie.",
        "participants": {"client": [client, it], "vendor": [rep, presales]},
        "facts": ["Use case #1 validé : lecture automatique de 47 factures sur 50.",
                  "Use case #2 validé : rapprochement commande-facture en moins d'une minute.",
                  "Écart : les avoirs fournisseurs ne sont pas encore reconnus.",
                  "Temps de traitement mesuré : 2 jours au lieu de 12.",
                  "Question ouverte : hébergement des données en France."],
        "decisions": ["Exemple Industrie demande une offre pour 2 sites.",
                      "Notre équipe documente le traitement des avoirs avant la négociation."],
        "risks": [{"text": "Avoirs fournisseurs non reconnus", "category": "IT",
                   "mitigation": "Paramétrage des avoirs montré en visio avant l'offre"}],
        "next_step": {"action": "Présentation de l'offre", "date": t(-4), "time": "14:00-15:00",
                      "owner_client": "Mme Garnier", "owner_vendor": "Hugo Lambert", "invitation_sent": True},
        "deliverables": [{"what": "Offre 2 sites", "by": "Hugo Lambert", "due": t(-6), "format": "PDF"},
                         {"what": "Note sur l'hébergement en France", "by": "Inès Carpentier", "due": t(-8),
                          "format": "PDF"}],
        "milestones": [{"kind": "internal", "text": "Paramétrage des avoirs prêt", "date": t(-8)}],
        "attachments": [{"title": "Enregistrement de la démo", "ref": "CRM://EXEMPLE/demo"}],
        "keywords": ["démo", "factures"],
        "crm": {"stage": "proposal", "probability": 50, "amount": 24000, "close_date": t(40)},
        "sent_on": t(-12), "validation": {"deadline": _deadline(today, -9), "status": "validated"},
    }
    negotiation = {
        **common, "date": t(-2), "type": "negotiation", "version": "1.0",
        "subject": "Négociation Exemple Industrie",
        "objective": "Verrouiller le prix, le SLA et la date de signature.",
        "participants": {"client": [client, sponsor], "vendor": [rep]},
        "facts": ["Prix discuté : 26 500 € pour 2 sites et 12 mois.",
                  "SLA demandé : réponse sous 4 h ouvrées.",
                  "Clause de réversibilité demandée par le juridique client.",
                  "Concurrent cité : 10 % moins cher, sans rapprochement automatique.",
                  "Signature visée avant la clôture annuelle."],
        "decisions": ["Le prix est ferme 12 mois à 26 500 €.",
                      "Le SLA de 4 h ouvrées est inclus dans l'offre."],
        "risks": [{"text": "Clause de réversibilité en attente du juridique", "category": "juridique",
                   "mitigation": "Modèle de clause envoyé au juriste client"}],
        "next_step": {"action": "Signature du contrat", "date": t(5), "time": "11:00-11:30",
                      "owner_client": "M. Roussel", "owner_vendor": "Hugo Lambert", "invitation_sent": True},
        "deliverables": [{"what": "Contrat v2 en suivi de modifications", "by": "Hugo Lambert", "due": t(1),
                          "format": "DOCX"}],
        "milestones": [{"kind": "calendar", "text": "Clôture annuelle du client", "date": t(30)}],
        "attachments": [{"title": "Offre révisée", "ref": "Drive://Ventes/Exemple/offre-v2.pdf"}],
        "keywords": ["prix", "SLA", "juridique"],
        "crm": {"stage": "negotiation", "probability": 70, "amount": 26500, "close_date": t(30)},
        "validation": {"deadline": _deadline(today, 1)},
    }
    qbr = {
        "client": "Hôtels Mirabeau", "client_code": "MIRABEAU", "opportunity": "OPP-0002",
        "date": t(-5), "type": "qbr", "version": "1.0", "subject": "QBR Hôtels Mirabeau",
        "objective": "Mesurer la valeur livrée et planifier l'extension à deux hôtels.",
        "participants": {"client": [{"name": "M. Besson", "role": "Directeur général", "decision_maker": True,
                                     "email": "a.besson@mirabeau.example"},
                                    {"name": "Mme Tessier", "role": "Comptable"}],
                         "vendor": [rep]},
        "facts": ["Disponibilité du service sur le trimestre : 99,9 %.",
                  "Factures traitées : 3 400, dont 96 % sans intervention.",
                  "NPS des comptables : 52.",
                  "2 tickets majeurs résolus sous 24 h.",
                  "Deux hôtels du groupe demandent le même outil."],
        "decisions": ["Hôtels Mirabeau lance un pilote sur l'hôtel de Lyon.",
                      "Le devis d'extension couvre deux hôtels."],
        "risks": [{"text": "Équipe comptable de Lyon peu disponible en haute saison", "category": "planning",
                   "mitigation": "Pilote planifié hors saison avec 2 sessions de formation"}],
        "next_step": {"action": "Atelier de cadrage du pilote de Lyon", "date": t(9), "time": "09:30-10:30",
                      "owner_client": "M. Besson", "owner_vendor": "Hugo Lambert", "invitation_sent": True},
        "deliverables": [{"what": "Roadmap et devis d'extension", "by": "Hugo Lambert", "due": t(2),
                          "format": "PDF"}],
        "milestones": [{"kind": "value", "text": "96 % de factures sans intervention", "date": t(-5)}],
        "attachments": [{"title": "Tableau de bord du trimestre", "ref": "Drive://Clients/Mirabeau/qbr.xlsx"}],
        "keywords": ["QBR", "extension"],
        "crm": {"stage": "qualified", "probability": 40, "amount": 12000, "close_date": t(60)},
        "sent_on": t(-4), "validation": {"deadline": _deadline(today, -1), "status": "validated"},
    }
    return {
        f"content/crc/exemple-industrie/{t(-20).isoformat()}-decouverte.yaml": discovery,
        f"content/crc/exemple-industrie/{t(-12).isoformat()}-demo.yaml": demo,
        f"content/crc/exemple-industrie/{t(-2).isoformat()}-negociation.yaml": negotiation,
        f"content/crc/hotels-mirabeau/{t(-5).isoformat()}-qbr.yaml": qbr,
    }


def example_cards(today: date) -> dict[str, dict[str, Any]]:
    """Three cards consistent with the example CRCs."""
    t = lambda days: _d(today, days)  # noqa: E731
    owner = {"name": "Hugo Lambert", "role": "AE"}
    return {
        "content/cards/opp-0001.yaml": {
            "id": "OPP-0001", "account": "Exemple Industrie SA", "contact": "Mme Garnier",
            "column": "negotiation", "variant": "negotiation",
            "next_action": {"what": "Signature du contrat", "date": t(5), "time": "11:00"},
            "amount": 26500, "probability": 70, "owner": owner, "source": "trade-show", "close_date": t(30),
            "class": "fixed-date", "notes": "Portail fournisseurs 2 sites. Clause de réversibilité en cours.",
            "objections": ["prix"],
            "history": [{"column": "prospects", "date": t(-30)}, {"column": "qualified", "date": t(-26)},
                        {"column": "meeting", "date": t(-22)}, {"column": "proposal", "date": t(-10)},
                        {"column": "negotiation", "date": t(-3)}],
            "last_action": t(-2),
        },
        "content/cards/opp-0002.yaml": {
            "id": "OPP-0002", "account": "Hôtels Mirabeau", "contact": "M. Besson", "column": "qualified",
            "variant": "discovery",
            "next_action": {"what": "Atelier de cadrage du pilote de Lyon", "date": t(9), "time": "09:30"},
            "amount": 12000, "probability": 40, "owner": owner, "source": "referral", "close_date": t(60),
            "class": "standard", "notes": "Extension à deux hôtels après un QBR positif.",
            "history": [{"column": "prospects", "date": t(-8)}, {"column": "qualified", "date": t(-5)}],
            "last_action": t(-4),
        },
        "content/cards/opp-0003.yaml": {
            "id": "OPP-0003", "account": "Transports Lemoine", "contact": "Mme Lemoine", "column": "prospects",
            "variant": "outbound",
            "next_action": {"what": "Appel de découverte", "date": t(2), "time": "16:00"},
            "amount": 8000, "probability": 10, "owner": owner, "source": "outbound", "close_date": t(75),
            "class": "standard", "notes": "Contact rencontré sur un salon régional.",
            "history": [{"column": "prospects", "date": t(-3)}],
            "last_action": t(-1),
        },
    }


def _yaml_file(kind: str, rel: str, record: dict[str, Any], comment: str, root: Path) -> str:
    return header(kind, root / rel, root) + comment + dump(record)


def _vscode_settings() -> str:
    schemas = {f"./{SCHEMA_DIR}/crc.schema.json": ["content/crc/**/*.yaml", "content/crc/**/*.yml"],
               f"./{SCHEMA_DIR}/card.schema.json": ["content/cards/**/*.yaml", "content/cards/**/*.yml"],
               f"./{SCHEMA_DIR}/board.schema.json": ["content/board.yaml"]}
    settings = {"yaml.schemas": schemas, "yaml.format.singleQuote": False,
                "files.exclude": {"site": True, ".dealdocs-cache": True},
                "[yaml]": {"editor.insertSpaces": True, "editor.tabSize": 2}}
    return json.dumps(settings, ensure_ascii=False, indent=2) + "\n"


def _vscode_extensions() -> str:
    return json.dumps({"recommendations": ["redhat.vscode-yaml"]}, indent=2) + "\n"


def scaffold_files(root: Path, today: date, column_keys: list[str]) -> dict[str, bytes]:
    """Every file of a new content repository, by path relative to root."""
    files: dict[str, str] = {
        "content/board.yaml": header("board", root / "content/board.yaml", root) + board_text(today),
        "mkdocs.yml": MKDOCS,
        ".gitignore": GITIGNORE,
        ".vscode/settings.json": _vscode_settings(),
        ".vscode/extensions.json": _vscode_extensions(),
    }
    for rel, record in example_crcs(today).items():
        files[rel] = _yaml_file("crc", rel, record, "# Exemple : remplacez-le par vos propres CRC "
                                "(dealdocs new crc --type … --client …)\n", root)
    for rel, record in example_cards(today).items():
        files[rel] = _yaml_file("card", rel, record, "# Exemple de carte d'opportunité\n", root)
    files.update(_kb_pages())
    for rel, name in COPIED.items():
        files[rel] = _resource(name).replace("@VERSION@", __version__)
    out = {rel: text.encode("utf-8") for rel, text in files.items()}
    for name, schema in all_schemas(column_keys).items():
        out[f"{SCHEMA_DIR}/{name}"] = schema_bytes(schema)
    return dict(sorted(out.items()))


def init(root: Path, today: date) -> list[Path]:
    """Write a new content repository into root (created if needed); never overwrite anything."""
    from . import custody
    from .loader import Limits
    from .project import default_board, load_crcs
    keys = [c.key for c in default_board().columns]
    files = scaffold_files(root, today, keys)
    targets = list(files) + [custody.LOCK_NAME]
    taken = [rel for rel in targets if (root / rel).exists() or (root / rel).is_symlink()]
    if taken:
        more = f" and {len(taken) - 5} more" if len(taken) > 5 else ""
        raise InitError(f"{root} already holds {', '.join(taken[:5])}{more}: nothing written "
                        "(init never overwrites; pick an empty directory)")
    written = []
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(data)
        written.append(path)
    docs, _ = load_crcs(root, Limits())
    lines, _ = custody.lock_lines(docs, {})
    custody.write_lock(root, lines)
    written.append(root / custody.LOCK_NAME)
    return written
