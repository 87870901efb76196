"""Domain models: CRC, card, board and KB records, and the Finding they produce."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in the content, located by path, line and field."""

    path: str
    line: int
    severity: str
    field: str
    message: str

    def format(self) -> str:
        """Render as `PATH:LINE: severity: [field] message`."""
        where = f"[{self.field}] " if self.field else ""
        return f"{self.path}:{self.line}: {self.severity}: {where}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        """Render as the JSON object of `--format json`."""
        return {"path": self.path, "line": self.line, "severity": self.severity,
                "field": self.field, "message": self.message}


# --- field types -----------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def iso_date_hint(value: Any) -> str:
    """Explain how to write a date the user wrote another way."""
    text = str(value)
    m = _DMY.match(text.strip())
    if m:
        d, mth, y = (int(g) for g in m.groups())
        try:
            return f"write it as {date(y, mth, d).isoformat()} (ISO 8601, year-month-day)"
        except ValueError:
            pass
    return "write it as YYYY-MM-DD, e.g. 2025-09-19"


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"Expected a date like 2025-09-19, got {value!r}: "
                             "this day does not exist") from None
    raise ValueError(f"Expected a date like 2025-09-19, got {value!r}: {iso_date_hint(value)}")


def _to_text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"Expected text, got {type(value).__name__} {value!r}")


_VERSION = re.compile(r"\d+\.\d+")
_TIME = re.compile(r"\d{1,2}[:h]\d{2}(\s*[-–]\s*\d{1,2}[:h]\d{2})?")


def _to_version(value: Any) -> Any:
    if isinstance(value, float) or isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"Expected a version in quotes like \"1.0\", got the number {value!r}: "
                         "write version: \"1.0\" (unquoted, YAML reads 1.10 as 1.1)")
    if not isinstance(value, str) or not _VERSION.fullmatch(value.strip()):
        raise ValueError(f"Expected a version \"<major>.<minor>\" like \"1.0\", got {value!r}")
    return value.strip()


_DEADLINE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?")


def _to_deadline(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 17, 0)
    if isinstance(value, str):
        text = value.strip()
        quick = _DEADLINE.fullmatch(text)  # the usual spellings, without strptime's locale lookups
        if quick:
            year, month, day, hour, minute = (int(g) if g else None for g in quick.groups())
            try:
                return datetime(year, month, day, 17 if hour is None else hour, minute or 0)  # type: ignore[arg-type]
            except ValueError:
                pass  # 2025-02-30: strptime below refuses it too, with the same message
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return parsed.replace(hour=17) if fmt == "%Y-%m-%d" else parsed
    raise ValueError(f"Expected a deadline like \"2025-09-24 17:00\", got {value!r}")


def _to_time(value: Any) -> Any:
    if isinstance(value, str) and _TIME.fullmatch(value.strip()):
        return value.strip().replace("h", ":").replace("–", "-").replace(" ", "")
    raise ValueError(f"Expected a time like \"10:00\" or a range like \"10:00-10:45\" in quotes, got {value!r}")


IsoDate = Annotated[date, BeforeValidator(_to_date)]
Text = Annotated[str, Field(min_length=1), BeforeValidator(_to_text)]  # min_length checked in pydantic-core
Version = Annotated[str, BeforeValidator(_to_version)]
Deadline = Annotated[datetime, BeforeValidator(_to_deadline)]
TimeRange = Annotated[str, BeforeValidator(_to_time)]
Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]  # finite euros, < 1 000 G€
Percent = Annotated[int, Field(ge=0, le=100)]


class Record(BaseModel):
    """Base of every content record: frozen, strict about unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- CRC -------------------------------------------------------------------

CrcType = Literal["discovery", "demo", "negotiation", "qbr"]


class Participant(Record):
    name: Text = Field(description="Nom de l'interlocuteur")
    role: Optional[Text] = Field(None, description="Fonction")
    decision_maker: bool = Field(False, description="Décideur (destinataire du CRC)")
    sponsor: bool = Field(False, description="Sponsor (destinataire du CRC)")
    email: Optional[Annotated[str, Field(pattern=r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")]] = Field(
        None, description="Adresse e-mail")


class Participants(Record):
    client: list[Participant] = Field(default_factory=list, description="Côté client")
    vendor: list[Participant] = Field(default_factory=list, description="Côté vendeur")


class Risk(Record):
    text: Text = Field(description="Le risque")
    category: Optional[Text] = Field(None, description="IT, juridique, budget, planning…")
    mitigation: Optional[Text] = Field(None, description="Plan de levée")


class NextStep(Record):
    action: Optional[Text] = Field(None, description="Prochaine étape")
    date: Optional[IsoDate] = Field(None, description="Date de la prochaine étape")
    time: Optional[TimeRange] = Field(None, description="Heure ou plage, ex. 10:00-10:45")
    owner_client: Optional[Text] = Field(None, description="Responsable côté client")
    owner_vendor: Optional[Text] = Field(None, description="Responsable côté vendeur")
    invitation_sent: bool = Field(False, description="Invitation envoyée")


class Deliverable(Record):
    what: Text = Field(description="Livrable promis")
    by: Optional[Text] = Field(None, description="Émetteur")
    due: Optional[IsoDate] = Field(None, description="Échéance")
    format: Optional[Text] = Field(None, description="Format (PDF, XLSX…)")


class Milestone(Record):
    kind: Literal["client", "internal", "calendar", "value"] = Field(description="Type de jalon")
    text: Text = Field(description="Jalon")
    date: Optional[IsoDate] = Field(None, description="Date du jalon")


class Attachment(Record):
    title: Text = Field(description="Pièce ou preuve")
    ref: Optional[Text] = Field(None, description="Référence (CRM, Drive, URL)")


class Crm(Record):
    stage: Optional[Text] = Field(None, description="Étape CRM = colonne du tableau")
    probability: Optional[Percent] = Field(None, description="Probabilité en %")
    amount: Optional[Amount] = Field(None, description="Montant en euros")
    close_date: Optional[IsoDate] = Field(None, description="Date de clôture prévue")


class Validation(Record):
    deadline: Optional[Deadline] = Field(None, description="Échéance de validation, ex. 2025-09-24 17:00")
    status: Literal["pending", "validated", "corrected"] = Field("pending", description="Réponse du client")


class Amendment(Record):
    reason: Optional[Text] = Field(None, description="Raison de l'amendement")


class Crc(Record):
    """A CRC version: the written act that turns interest into commitment."""

    client: Text = Field(description="Client")
    client_code: Optional[Text] = Field(None, description="Code client pour le nom du document")
    opportunity: Optional[Text] = Field(None, description="ID d'opportunité (carte Kanban)")
    date: IsoDate = Field(description="Date de la réunion")
    type: CrcType = Field(description="Type de réunion")
    version: Version = Field(description="Version \"<majeure>.<mineure>\"")
    subject: Optional[Text] = Field(None, description="Objet")
    objective: Optional[Text] = Field(None, description="Objectif, en une phrase")
    participants: Participants = Field(default_factory=Participants, description="Participants")
    facts: list[Text] = Field(default_factory=list, description="Faits saillants (5 à 7)")
    decisions: list[Text] = Field(default_factory=list, description="Décisions, au présent")
    risks: list[Risk] = Field(default_factory=list, description="Risques (1 à 3)")
    dependencies: list[Text] = Field(default_factory=list, description="Dépendances")
    next_step: Optional[NextStep] = Field(None, description="Prochaine étape datée")
    deliverables: list[Deliverable] = Field(default_factory=list, description="Livrables")
    milestones: list[Milestone] = Field(default_factory=list, description="Jalons")
    attachments: list[Attachment] = Field(default_factory=list, description="Pièces et preuves")
    keywords: list[Text] = Field(default_factory=list, description="Mots-clés")
    crm: Optional[Crm] = Field(None, description="Champs CRM")
    sent_on: Optional[IsoDate] = Field(None, description="Date d'envoi au client")
    validation: Optional[Validation] = Field(None, description="Validation client")
    amendment: Optional[Amendment] = Field(None, description="Amendement")
    exemplary: bool = Field(False, description="Proposé pour la base de connaissances")

    @property
    def major_minor(self) -> tuple[int, int]:
        """The version as a sortable pair."""
        major, minor = self.version.split(".")
        return int(major), int(minor)

    @property
    def status(self) -> str:
        """draft, sent, validated or corrected."""
        if self.validation and self.validation.status in ("validated", "corrected"):
            return self.validation.status
        return "sent" if self.sent_on else "draft"


# --- Kanban ----------------------------------------------------------------


class NextAction(Record):
    what: Text = Field(description="Prochaine action")
    date: Optional[IsoDate] = Field(None, description="Date")
    time: Optional[TimeRange] = Field(None, description="Heure")


class Owner(Record):
    name: Text = Field(description="Personne en charge")
    role: Optional[Text] = Field(None, description="SDR, AE…")


class Blocked(Record):
    since: IsoDate = Field(description="Bloqué depuis")
    cause: Text = Field(description="Cause")
    next: Optional[Text] = Field(None, description="Prochaine action de déblocage")
    owner: Optional[Text] = Field(None, description="Responsable du déblocage")


class HistoryEntry(Record):
    column: Text = Field(description="Colonne")
    date: IsoDate = Field(description="Date d'entrée")


class Outcome(Record):
    result: Literal["won", "lost"] = Field(description="Gagné ou perdu")
    date: IsoDate = Field(description="Date")
    reason: Optional[Literal["price", "timing", "fit", "competition"]] = Field(
        None, description="Raison de perte normalisée")


class Card(Record):
    """An opportunity card on the Kanban board."""

    id: Text = Field(description="Identifiant unique, ex. OPP-2025-014")
    account: Optional[Text] = Field(None, description="Compte")
    contact: Optional[Text] = Field(None, description="Contact")
    column: Text = Field(description="Colonne du tableau")
    variant: Optional[Literal["discovery", "outbound", "offer", "negotiation"]] = Field(
        None, description="Variante de carte")
    next_action: Optional[NextAction] = Field(None, description="Prochaine action datée")
    amount: Optional[Amount] = Field(None, description="Montant estimé (€)")
    probability: Optional[Percent] = Field(None, description="Probabilité (%)")
    owner: Optional[Owner] = Field(None, description="Personne en charge")
    source: Optional[Literal["inbound", "outbound", "trade-show", "referral", "partner"]] = Field(
        None, description="Source")
    close_date: Optional[IsoDate] = Field(None, description="Échéance (close date)")
    class_: Literal["standard", "fixed-date", "expedite", "partner"] = Field(
        "standard", alias="class", description="Classe de service")
    notes: Optional[Text] = Field(None, description="Notes / objections clés")
    objections: list[Text] = Field(default_factory=list, description="Objections")
    blocked: Optional[Blocked] = Field(None, description="Blocage")
    history: list[HistoryEntry] = Field(default_factory=list, description="Entrées de colonne")
    last_action: Optional[IsoDate] = Field(None, description="Dernière action")
    outcome: Optional[Outcome] = Field(None, description="Gagné/perdu")

    @property
    def active(self) -> bool:
        """A card is active until it has an outcome."""
        return self.outcome is None

    @property
    def last_action_date(self) -> Optional[date]:
        """last_action, or the last history date."""
        if self.last_action:
            return self.last_action
        return self.history[-1].date if self.history else None


class Column(Record):
    key: Annotated[str, Field(pattern=r"^[a-z0-9_-]+$")] = Field(description="Clé de colonne")
    title: Text = Field(description="Titre affiché")
    wip_limit: Optional[Annotated[int, Field(ge=1)]] = Field(None, description="Limite WIP")
    definition_of_ready: list[Text] = Field(default_factory=list, description="Definition of Ready")
    definition_of_done: list[Text] = Field(default_factory=list, description="Definition of Done")


class ServiceClass(Record):
    key: Literal["standard", "fixed-date", "expedite", "partner"] = Field(description="Classe")
    title: Text = Field(description="Titre")
    policy: Optional[Text] = Field(None, description="Politique")


class NegotiationDays(Record):
    green: int = Field(10, ge=0)
    amber: int = Field(20, ge=0)


class Ageing(Record):
    idle_days: int = Field(7, ge=1)
    negotiation_days: NegotiationDays = Field(default_factory=NegotiationDays)
    prospect_purge_days: int = Field(30, ge=1)


class Period(Record):
    start: IsoDate
    end: IsoDate


class MicroRule(Record):
    problem: Text
    rule: Text
    indicator: Optional[Text] = None
    target: Optional[Text] = None
    decision_date: Optional[IsoDate] = None


class Board(Record):
    """The Kanban board: columns, WIP limits, policies, classes."""

    title: Text = Field("Pipeline commercial", description="Titre")
    period: Optional[Period] = Field(None, description="Période affichée")
    columns: list[Column] = Field(min_length=2, description="Colonnes, dans l'ordre")
    pull_rules: list[Text] = Field(default_factory=list, description="Règles de tirage")
    classes: list[ServiceClass] = Field(default_factory=list, description="Classes de service")
    ageing: Ageing = Field(default_factory=Ageing, description="Seuils de vieillissement")
    micro_rules: list[MicroRule] = Field(default_factory=list, description="Micro-règles")

    def column(self, key: str) -> Optional[Column]:
        """The column with this key, if any."""
        return next((c for c in self.columns if c.key == key), None)

    def index(self, key: str) -> int:
        """The position of a column, -1 if unknown."""
        return next((i for i, c in enumerate(self.columns) if c.key == key), -1)


class KbFrontMatter(Record):
    title: Text = Field(description="Titre de la page")
    tags: list[Text] = Field(default_factory=list, description="Tags")
    kind: Optional[Literal["objection", "email-script", "playbook", "checklist"]] = Field(
        None, description="Nature de la page")
    description: Optional[Text] = None


# --- loaded documents --------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A record with where it came from: path relative to the root and node lines."""

    path: str
    lines: Mapping[tuple, int] = field(default_factory=dict, compare=False, repr=False)
    digest: str = field(default="", compare=False, repr=False)  # sha256 of the file's bytes, when known

    def line(self, loc: tuple = ()) -> int:
        """The line of the deepest known node on `loc`."""
        while loc:
            found = self.lines.get(loc)
            if found is not None:
                return found
            loc = loc[:-1]
        return self.lines.get((), 1)


@dataclass(frozen=True)
class CrcDoc:
    """A valid CRC, its name and its source."""

    crc: Crc
    name: str
    source: Located
    data: dict = field(compare=False, repr=False)
    text: str = field(default="", compare=False, repr=False)  # data as JSON, when the parse cache has it


@dataclass(frozen=True)
class CardDoc:
    """A valid card and its source."""

    card: Card
    source: Located


@dataclass(frozen=True)
class KbPage:
    """A hand-written knowledge-base page."""

    path: str
    meta: KbFrontMatter
    body: str
