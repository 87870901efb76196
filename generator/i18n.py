"""Labels and date formatting in French (default) and English."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from babel.dates import format_date as _format_date
from babel.numbers import format_decimal

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "report": "Compte rendu",
        "discovery": "Découverte", "demo": "Démo / POC", "negotiation": "Négociation", "qbr": "QBR / Revue trimestrielle",
        "client": "Client", "opportunity": "Opportunité", "date": "Date", "version": "Version",
        "document": "Document", "status": "Statut", "subject": "Objet", "type": "Type de réunion",
        "objective": "Objectif", "participants": "Participants",
        "decision_makers": "Décideurs", "sponsors": "Sponsor", "operational": "Opérationnels (en copie)",
        "vendor": "Équipe vendeur", "facts": "Faits saillants", "decisions": "Décisions",
        "risks": "Risques", "risk": "Risque", "category": "Catégorie", "mitigation": "Plan de levée",
        "dependencies": "Dépendances", "next_step": "Prochaine étape", "action": "Action",
        "when": "Quand", "owner_client": "Responsable client", "owner_vendor": "Responsable vendeur",
        "invitation_sent": "Invitation envoyée", "yes": "oui", "no": "non",
        "deliverables": "Livrables", "what": "Livrable", "by": "Émetteur", "due": "Échéance", "format": "Format",
        "milestones": "Jalons", "attachments": "Pièces et preuves", "ref": "Référence",
        "keywords": "Mots-clés", "crm": "CRM", "stage": "Étape", "probability": "Probabilité",
        "amount": "Montant", "close_date": "Clôture prévue", "score": "Score qualité",
        "checklist": "Check-list minute", "to_reach_10": "Pour atteindre 10/10",
        "validation": "Validation", "amendment": "Amendement", "sent_on": "Envoyé le",
        "validation_request": "Merci de répondre VALIDÉ ou de corriger en rouge avant le {deadline}.",
        "validation_none": "Merci de répondre VALIDÉ ou de corriger en rouge.",
        "page": "Page", "of": "sur", "none": "—",
        "draft": "Brouillon", "sent": "Envoyé", "validated": "Validé", "corrected": "Corrigé",
        "client_ms": "Jalon client", "internal_ms": "Jalon interne", "calendar_ms": "Contrainte calendaire",
        "value_ms": "Échéance de valeur", "versions": "Historique des versions", "changes": "Modifications depuis la version précédente",
        "fingerprint": "Empreinte (sha256)", "locked": "verrouillée dans crc.lock", "not_locked": "non verrouillée",
        "reason": "Motif", "no_change": "Aucune modification du contenu.",
        "at": "à", "golden_rule": "Règle d'or respectée : jalon daté, responsable nommé, échéance.",
        # quality score (rules.score): item labels and what to do to reach 10
        "score_objective": "Objectif en une phrase", "hint_objective": "Écrire l'objectif en une seule phrase",
        "score_facts": "5 à 7 faits saillants",
        "hint_facts": "Ramener les faits saillants à 5–7 (actuellement {n})",
        "score_decisions": "Au moins 2 décisions", "hint_decisions": "Formaliser au moins 2 décisions, au présent",
        "score_step_date": "Prochaine étape datée", "hint_step_date": "Dater la prochaine étape",
        "score_owners": "Responsables des deux côtés",
        "hint_owners": "Nommer un responsable côté client et côté vendeur",
        "score_risks": "1 à 3 risques avec plan de levée",
        "hint_risks": "Lister 1 à 3 risques, chacun avec son plan de levée",
        "score_deliverables": "Livrables : émetteur, date, format",
        "hint_deliverables": "Donner à chaque livrable un émetteur, une échéance et un format",
        "score_attachments": "Pièces / preuves référencées",
        "hint_attachments": "Référencer au moins une pièce ou preuve",
        "score_validation": "Validation client demandée",
        "hint_validation": "Demander la validation du client avec une échéance",
        # minute checklist (rules.checklist)
        "check_sent": "Envoyé sous 24 h", "check_content": "Faits, décisions et prochaine étape présents",
        "check_step": "Prochaine étape datée, responsables identifiés",
        "check_risks": "1–2 risques et leur plan de levée", "check_evidence": "Pièces / preuves référencées",
        "check_crm": "Aligné CRM (étape, probabilité)", "check_validation": "Validation client demandée (échéance)",
    },
    "en": {
        "report": "Meeting report",
        "discovery": "Discovery", "demo": "Demo / POC", "negotiation": "Negotiation", "qbr": "QBR / Quarterly review",
        "client": "Client", "opportunity": "Opportunity", "date": "Date", "version": "Version",
        "document": "Document", "status": "Status", "subject": "Subject", "type": "Meeting type",
        "objective": "Objective", "participants": "Participants",
        "decision_makers": "Decision makers", "sponsors": "Sponsor", "operational": "Operational (in copy)",
        "vendor": "Vendor team", "facts": "Key facts", "decisions": "Decisions",
        "risks": "Risks", "risk": "Risk", "category": "Category", "mitigation": "Mitigation",
        "dependencies": "Dependencies", "next_step": "Next step", "action": "Action",
        "when": "When", "owner_client": "Client owner", "owner_vendor": "Vendor owner",
        "invitation_sent": "Invitation sent", "yes": "yes", "no": "no",
        "deliverables": "Deliverables", "what": "Deliverable", "by": "From", "due": "Due", "format": "Format",
        "milestones": "Milestones", "attachments": "Attachments and evidence", "ref": "Reference",
        "keywords": "Keywords", "crm": "CRM", "stage": "Stage", "probability": "Probability",
        "amount": "Amount", "close_date": "Expected close", "score": "Quality score",
        "checklist": "One-minute checklist", "to_reach_10": "To reach 10/10",
        "validation": "Validation", "amendment": "Amendment", "sent_on": "Sent on",
        "validation_request": "Please reply VALIDATED or correct in red before {deadline}.",
        "validation_none": "Please reply VALIDATED or correct in red.",
        "page": "Page", "of": "of", "none": "—",
        "draft": "Draft", "sent": "Sent", "validated": "Validated", "corrected": "Corrected",
        "client_ms": "Client milestone", "internal_ms": "Internal milestone", "calendar_ms": "Calendar constraint",
        "value_ms": "Value milestone", "versions": "Version history", "changes": "Changes since the previous version",
        "fingerprint": "Fingerprint (sha256)", "locked": "locked in crc.lock", "not_locked": "not locked",
        "reason": "Reason", "no_change": "No change to the content.",
        "at": "at", "golden_rule": "Golden rule met: dated milestone, named owner, due date.",
        "score_objective": "Objective in one sentence", "hint_objective": "Write the objective as one sentence",
        "score_facts": "5 to 7 key facts",
        "hint_facts": "Bring the key facts to 5–7 (currently {n})",
        "score_decisions": "At least 2 decisions", "hint_decisions": "Record at least 2 decisions, in the present tense",
        "score_step_date": "Dated next step", "hint_step_date": "Put a date on the next step",
        "score_owners": "Owners on both sides",
        "hint_owners": "Name an owner on the client side and on the vendor side",
        "score_risks": "1 to 3 risks with a mitigation",
        "hint_risks": "List 1 to 3 risks, each with its mitigation plan",
        "score_deliverables": "Deliverables: issuer, date, format",
        "hint_deliverables": "Give every deliverable an issuer, a due date and a format",
        "score_attachments": "Attachments / evidence referenced",
        "hint_attachments": "Reference at least one attachment or piece of evidence",
        "score_validation": "Client validation requested",
        "hint_validation": "Ask the client to validate, with a deadline",
        "check_sent": "Sent within 24 h", "check_content": "Facts, decisions and next step present",
        "check_step": "Next step dated, owners named",
        "check_risks": "1–2 risks with their mitigation", "check_evidence": "Attachments / evidence referenced",
        "check_crm": "Aligned with the CRM (stage, probability)", "check_validation": "Client validation requested (deadline)",
    },
}


def labels(language: str) -> dict[str, str]:
    """The label table for a language (French by default)."""
    return LABELS.get(language, LABELS["fr"])


def long_date(value: Optional[date], language: str = "fr") -> str:
    """`19 septembre 2025` / `19 September 2025`."""
    if value is None:
        return ""
    return _format_date(value, "d MMMM y", locale=language)


def short_date(value: Optional[date], language: str = "fr") -> str:
    """`19/09/2025` / `2025-09-19`."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()


def deadline_text(value: Optional[datetime], language: str = "fr") -> str:
    """`24/09/2025 à 17:00`."""
    if value is None:
        return ""
    word = labels(language)["at"]
    return f"{short_date(value.date(), language)} {word} {value:%H:%M}"


def money(amount: Optional[float], language: str = "fr") -> str:
    """`28 000 €` / `€28,000`."""
    if amount is None:
        return ""
    if language == "en":
        return f"€{format_decimal(round(amount), locale='en_GB')}"
    text = format_decimal(round(amount), locale="fr_FR")
    return f"{text} €".replace("\u202f", " ").replace("\xa0", " ")


def percent(value: Optional[int], language: str = "fr") -> str:
    """`40 %` / `40%`."""
    if value is None:
        return ""
    return f"{value}%" if language == "en" else f"{value} %"
