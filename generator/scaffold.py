"""New CRC files from a type's skeleton, and amendments (next version beside the file)."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import yaml

from .jsonschema import header as schema_header
from .loader import LoadError, parse_yaml, read_text
from .naming import slug

PLACEHOLDER = "À COMPLÉTER"

TYPES = {
    "discovery": {
        "subject": "Découverte {client}",
        "objective": "Qualifier le besoin et identifier les décideurs.",
        "facts": ["Douleur principale : À COMPLÉTER", "Critères de choix : À COMPLÉTER",
                  "Décideurs identifiés : À COMPLÉTER", "Budget indicatif : À COMPLÉTER",
                  "Calendrier du projet : À COMPLÉTER"],
        "decisions": ["Go pour un cadrage fonctionnel.", "À COMPLÉTER"],
        "risk": "Budget annuel en cours d'arbitrage",
        "next": "Réunion de cadrage multi-parties",
        "deliverable": "Brief besoins + estimation ROI préliminaire",
        "keywords": ["découverte"],
    },
    "demo": {
        "subject": "Démo/POC {client}",
        "objective": "Prouver l'adéquation fonctionnelle et lever les doutes.",
        "facts": ["Use cases validés : À COMPLÉTER", "Écarts constatés : À COMPLÉTER",
                  "Participants convaincus : À COMPLÉTER", "Questions ouvertes : À COMPLÉTER",
                  "Données de test : À COMPLÉTER"],
        "decisions": ["Poursuivre sur un jeu de données réelles.", "À COMPLÉTER"],
        "risk": "Écart fonctionnel sur un connecteur",
        "next": "Correctif et 2e démo élargie",
        "deliverable": "Liste d'écarts + plan de remédiation",
        "keywords": ["POC"],
    },
    "negotiation": {
        "subject": "Négociation commerciale {client}",
        "objective": "Verrouiller prix, SLA, calendrier et clauses.",
        "facts": ["Prix discuté : À COMPLÉTER", "SLA demandé : À COMPLÉTER", "Calendrier : À COMPLÉTER",
                  "Clauses en discussion : À COMPLÉTER", "Concurrence : À COMPLÉTER"],
        "decisions": ["Accord sur un prix ferme 12 mois.", "À COMPLÉTER"],
        "risk": "Clause pénalité en attente du juridique",
        "next": "Call juridique",
        "deliverable": "Comparatif des conditions + version rouge en track changes",
        "keywords": ["prix", "SLA"],
    },
    "qbr": {
        "subject": "QBR {client}",
        "objective": "Mesurer la valeur livrée et planifier l'expansion.",
        "facts": ["Disponibilité : À COMPLÉTER", "Coûts : À COMPLÉTER", "NPS : À COMPLÉTER",
                  "Tickets majeurs résolus : À COMPLÉTER", "Adoption : À COMPLÉTER"],
        "decisions": ["Déploiement d'un nouveau module sur un site pilote.", "À COMPLÉTER"],
        "risk": "Disponibilité des équipes client pour le pilote",
        "next": "Atelier de cadrage de l'expansion",
        "deliverable": "Roadmap + devis",
        "keywords": ["QBR"],
    },
}


def skeleton(kind: str, client: str, when: date) -> dict:
    """The record a new CRC of this type starts from."""
    t = TYPES[kind]
    return {
        "client": client,
        "opportunity": PLACEHOLDER,
        "date": when,
        "type": kind,
        "version": "1.0",
        "subject": t["subject"].format(client=client),
        "objective": t["objective"],
        "participants": {"client": [{"name": PLACEHOLDER, "role": "Décideur", "decision_maker": True,
                                     "email": "prenom.nom@client.example"}],
                         "vendor": [{"name": PLACEHOLDER, "role": "AE"}]},
        "facts": t["facts"],
        "decisions": t["decisions"],
        "risks": [{"text": t["risk"], "category": "budget", "mitigation": PLACEHOLDER}],
        "next_step": {"action": t["next"], "date": when + timedelta(days=7), "time": "10:00-10:45",
                      "owner_client": PLACEHOLDER, "owner_vendor": PLACEHOLDER, "invitation_sent": False},
        "deliverables": [{"what": t["deliverable"], "by": PLACEHOLDER, "due": when + timedelta(days=5),
                          "format": "PDF"}],
        "attachments": [{"title": "Support de réunion", "ref": PLACEHOLDER}],
        "keywords": t["keywords"],
        "validation": {"deadline": f"{(when + timedelta(days=3)).isoformat()} 17:00"},
    }


HEADER = ("# CRC {kind} — {client} — {date}\n"
          "# Remplacez chaque « À COMPLÉTER », puis : dealdocs check\n"
          "# Règle d'or : un jalon vérifiable, un responsable nommé, une date d'échéance.\n")


def dump(record: dict) -> str:
    """YAML for a record, in field order, readable French."""
    return yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def new_crc(root: Path, kind: str, client: str, when: date) -> Path:
    """Write content/crc/<client>/<date>-<type>.yaml and return its path (never overwrites)."""
    folder = root / "content" / "crc" / (slug(client)[:60].strip("-") or "client")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{when.isoformat()}-{kind}.yaml"
    n = 2
    while path.exists():
        path = folder / f"{when.isoformat()}-{kind}-{n}.yaml"
        n += 1
    one_line = " ".join(client.split())  # a line break in the name must not end the comment
    text = (schema_header("crc", path, root) + HEADER.format(kind=kind, client=one_line, date=when.isoformat())
            + dump(skeleton(kind, client, when)))
    _create(path, text)
    return path


class AmendError(Exception):
    """An amendment that cannot be written."""


def next_version(version: str, major: bool) -> str:
    """`1.0` → `1.1`, or `2.0` with major."""
    a, b = (int(x) for x in version.split("."))
    return f"{a + 1}.0" if major else f"{a}.{b + 1}"


def amend(path: Path, major: bool = False) -> Path:
    """Write the next version beside path, carrying the content over; path is never touched."""
    try:
        data = parse_yaml(read_text(path), str(path)).data
    except LoadError as exc:
        raise AmendError(f"{path}:{exc.line}: {exc.message}") from None
    if not isinstance(data, dict) or not isinstance(data.get("version"), str) or "." not in data["version"]:
        raise AmendError(f"{path}: no valid version \"<major>.<minor>\" to amend")
    try:
        new = next_version(data["version"], major)
    except ValueError:
        raise AmendError(f"{path}: version {data['version']!r} is not \"<major>.<minor>\"") from None
    old = data["version"]
    data = dict(data)
    data["version"] = new
    data.pop("sent_on", None)
    validation = dict(data.get("validation") or {})
    validation.pop("status", None)
    if validation:
        data["validation"] = validation
    else:
        data.pop("validation", None)
    data["amendment"] = {"reason": PLACEHOLDER + " : pourquoi cette version remplace la " + old}
    stem = path.stem
    for suffix in (f"-v{old}", f"-{old}"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    target = path.with_name(f"{stem}-v{new}{path.suffix}")
    header = f"# Amendement de {path.name} : version {old} → {new}. Remplissez amendment.reason.\n"
    text = _amended_text(read_text(path), data)
    root = content_root(path)
    if root is not None and "yaml-language-server: $schema=" not in text:
        header = schema_header("crc", target, root) + header
    _create(target, header + text)
    return target


def content_root(path: Path) -> Optional[Path]:
    """The repository holding path (the parent of its `content` folder), if any."""
    for parent in path.absolute().parents:
        if parent.name == "content":
            return parent.parent
    return None


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


def _blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Top-level keys → (first line, end line) with their indented continuation lines."""
    starts = [(m.group(1), i) for i, line in enumerate(lines) if (m := _TOP_KEY.match(line))]
    out = {}
    for n, (key, start) in enumerate(starts):
        end = starts[n + 1][1] if n + 1 < len(starts) else len(lines)
        while end > start + 1 and not lines[end - 1].startswith((" ", "\t")):
            end -= 1  # comments and blank lines before the next key stay outside the block
        out[key] = (start, end)
    return out


def _amended_text(text: str, expected: dict) -> str:
    """The amended record as a small edit of the original text (comments and layout kept), else re-dumped."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    blocks = _blocks(lines)
    edits: dict[int, list[str]] = {}  # line index → replacement lines
    if "version" in blocks:
        start, _ = blocks["version"]
        edits[start] = [re.sub(r"(version\s*:\s*)(\S+)", lambda m: f'{m.group(1)}"{expected["version"]}"',
                               lines[start], count=1)]
    for key in ("sent_on", "amendment"):
        if key in blocks:
            start, end = blocks[key]
            edits.update({i: [] for i in range(start, end)})
    if "validation" in blocks:
        start, end = blocks["validation"]
        for i in range(start, end):
            line = re.sub(r",\s*status\s*:\s*[\w\"']+|status\s*:\s*[\w\"']+\s*,?\s*", "", lines[i])
            if line != lines[i]:
                edits[i] = [] if i > start and not line.strip() else [line]
    amendment = dump({"amendment": expected["amendment"]})
    anchor = blocks.get("exemplary", (len(lines), 0))[0]
    edits[anchor] = [amendment] + edits.get(anchor, lines[anchor:anchor + 1])
    out = "".join("".join(edits[i]) if i in edits else line for i, line in enumerate(lines + [""]))
    try:
        if parse_yaml(out).data == expected:
            return out
    except LoadError:
        pass
    return dump(expected)


def _create(path: Path, text: str) -> None:
    """Create a file atomically, refusing to overwrite (even a file created meanwhile)."""
    from .custody import write_atomic
    try:
        write_atomic(path, text, overwrite=False)
    except FileExistsError:
        raise AmendError(f"{path} already exists: not overwritten") from None
