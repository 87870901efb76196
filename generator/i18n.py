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
    """`28 000 €`."""
    if amount is None:
        return ""
    text = format_decimal(round(amount), locale="fr_FR" if language == "fr" else "en_GB")
    return f"{text} €".replace("\u202f", " ").replace("\xa0", " ")
