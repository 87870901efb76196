"""Deterministic synthetic content repository shaped like the bundled sample."""
from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import yaml

CLIENTS = ["ACME SAS", "Société Générale", "Hexalis", "Vialis", "Berthier & Fils", "Groupe Saint-Roch",
           "Alpina Sports", "Carrel Industries", "Lumen Énergie", "Pharmacies Réunies", "Kermor Assurances",
           "Cristallerie des Vosges", "Lyonnaise de Logistique", "Hémisphère Conseil", "Solvéo", "Arcadie"]
REPS = [("Zoé Martin", "AE"), ("Karim Benali", "AE"), ("Lucie Fabre", "SDR"), ("Hugo Lambert", "AE")]
FACTS = ["Douleur principale : {n} outils d'authentification non reliés.", "Périmètre : {n}00 postes sur {m} sites.",
         "Critère n°1 : SSO unifié et conformité RGPD.", "Décideur identifié : la DSI, sponsor aux achats.",
         "Budget annuel en cours d'arbitrage, comité le {d}.", "Concurrent en place : solution maison maintenue par l'IT.",
         "Disponibilité mesurée : 99,9{n} % sur le trimestre.", "Coûts de support en baisse de {n} %.",
         "Use cases #1 et #2 validés en démo.", "Écart #3 : connecteur SSO pour l'ERP."]
DECISIONS = ["Go pour un cadrage fonctionnel.", "Le client partage la cartographie de ses annuaires.",
             "Nous produisons une estimation ROI préliminaire.", "Accord sur un prix ferme 12 mois.",
             "Poursuite du POC sur données réelles.", "Déploiement du module Analytics sur le site B."]
RISKS = [("Budget annuel en cours d'arbitrage", "budget", "ROI préliminaire avant le comité"),
         ("Disponibilité des équipes IT", "planning", "Planning partagé validé par la DSI"),
         ("Clause pénalité en attente du juridique", "juridique", "Call juridique dédié"),
         ("Connecteur ERP non standard", "IT", "Atelier technique avec l'intégrateur")]
KEYWORDS = ["SSO", "POC", "SLA", "prix", "ROI", "RGPD", "intégration", "MFA", "QBR", "Analytics"]
TYPES = ["discovery", "demo", "negotiation", "qbr"]
COLUMNS = ["prospects", "qualified", "meeting", "proposal", "negotiation", "closed"]
START = date(2024, 11, 4)


def crc_record(rng: random.Random, i: int, opp: int, client: str, when: date, version: str) -> dict:
    """One CRC version with realistic field counts."""
    rep = rng.choice(REPS)
    kind = TYPES[i % 4]
    n = rng.randint(2, 9)
    record = {
        "client": client, "client_code": f"C{opp:04d}", "opportunity": f"OPP-B-{opp:04d}", "date": when,
        "type": kind, "version": version, "subject": f"Compte rendu — {kind} — {client}",
        "objective": "Qualifier le besoin et sécuriser la prochaine étape.",
        "participants": {"client": [{"name": f"M. Client{opp}", "role": "DSI", "decision_maker": True,
                                     "email": f"dsi{opp}@client.example"},
                                    {"name": f"Mme Sponsor{opp}", "role": "Achats", "sponsor": True},
                                    {"name": f"J. Ops{opp}", "role": "Admin"}],
                         "vendor": [{"name": rep[0], "role": rep[1]}]},
        "facts": [f.format(n=n, m=n % 4 + 1, d=(when + timedelta(days=20)).strftime("%d/%m"))
                  for f in rng.sample(FACTS, rng.randint(5, 7))],
        "decisions": rng.sample(DECISIONS, rng.randint(2, 3)),
        "risks": [{"text": t, "category": c, "mitigation": m} for t, c, m in rng.sample(RISKS, rng.randint(1, 3))],
        "dependencies": ["Validation juridique de la clause pénalité"],
        "next_step": {"action": "Réunion de cadrage multi-parties", "date": when + timedelta(days=7),
                      "time": "10:00-10:45", "owner_client": f"M. Client{opp}", "owner_vendor": rep[0],
                      "invitation_sent": True},
        "deliverables": [{"what": "Brief besoins", "by": rep[0], "due": when + timedelta(days=5), "format": "PDF"}],
        "milestones": [{"kind": "client", "text": "Comité de décision", "date": when + timedelta(days=20)}],
        "attachments": [{"title": "Enregistrement de la réunion", "ref": f"CRM://OPP-B-{opp:04d}/rec"}],
        "keywords": rng.sample(KEYWORDS, 2),
        "validation": {"deadline": f"{(when + timedelta(days=3)).isoformat()} 17:00", "status": "pending"},
        "exemplary": i % 25 == 0,
    }
    if version != "1.0":
        record["amendment"] = {"reason": "Date de livraison corrigée par le client"}
        record["deliverables"][0]["due"] = when + timedelta(days=6)
    return record


def card_record(rng: random.Random, i: int, as_of: date) -> dict:
    """One card with a history ending in its column."""
    col = rng.randint(0, 5)
    start = as_of - timedelta(days=rng.randint(20, 200))
    history, day = [], start
    for c in COLUMNS[: col + 1]:
        history.append({"column": c, "date": day})
        day += timedelta(days=rng.randint(2, 9))
    rep = rng.choice(REPS)
    card = {"id": f"CARD-{i:05d}", "account": rng.choice(CLIENTS), "contact": f"M. Contact{i}",
            "column": COLUMNS[col], "amount": rng.randint(5, 120) * 1000, "probability": rng.choice([10, 20, 40, 60, 80]),
            "owner": {"name": rep[0], "role": rep[1]}, "source": rng.choice(["inbound", "outbound", "trade-show", "referral", "partner"]),
            "close_date": as_of + timedelta(days=rng.randint(5, 60)), "class": "standard",
            "notes": "Besoin SSO + 2 intégrations.", "history": history}
    if col == 5:
        won = rng.random() < 0.6
        card["outcome"] = {"result": "won" if won else "lost", "date": min(history[-1]["date"], as_of)}
        if not won:
            card["outcome"]["reason"] = rng.choice(["price", "timing", "fit", "competition"])
        card["probability"] = 100 if won else 0
    else:
        card["next_action"] = {"what": "Relance", "date": as_of + timedelta(days=rng.randint(1, 10))}
    return card


def generate(out: Path, crcs: int, cards: int, kb: int, seed: int = 7) -> date:
    """Write content/ under out; returns the as-of date the repository is shaped for."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    content = out / "content"
    as_of = START + timedelta(days=7 * 52)
    n_opp = max(1, crcs * 35 // 100)
    per_opp: dict[int, int] = {}
    written = 0
    i = 0
    while written < crcs:
        opp = i % n_opp
        per_opp[opp] = per_opp.get(opp, 0) + 1
        when = START + timedelta(days=(opp * 3 + per_opp[opp] * 9) % 360)
        client = CLIENTS[opp % len(CLIENTS)]
        versions = ["1.0", "1.1"] if i % 7 == 3 and written + 2 <= crcs else ["1.0"]
        for version in versions:
            path = content / "crc" / f"c{opp:04d}" / f"{when.isoformat()}-{i}-v{version}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            record = crc_record(rng, i, opp, client, when, version)
            record["client_code"] = f"C{opp:04d}N{i}"
            path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
            written += 1
        i += 1
    (content / "cards").mkdir(parents=True, exist_ok=True)
    for j in range(cards):
        (content / "cards" / f"card-{j:05d}.yaml").write_text(
            yaml.safe_dump(card_record(rng, j, as_of), allow_unicode=True, sort_keys=False), encoding="utf-8")
    board = Path(__file__).resolve().parents[1] / "generator" / "defaults" / "board.yaml"
    text = board.read_text(encoding="utf-8")
    for limit in ("wip_limit: 15", "wip_limit: 10", "wip_limit: 8", "wip_limit: 5"):
        text = text.replace(limit, "wip_limit: 500")
    (content / "board.yaml").write_text(text, encoding="utf-8")
    for k in range(kb):
        page = content / "kb" / f"section{k % 5}" / f"page-{k:03d}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"---\ntitle: Fiche {k} — objection prix\ntags: [prix, objection]\nkind: playbook\n---\n\n"
                        f"# Fiche {k}\n\n" + "Accuser réception, recadrer la valeur, optionner, fermer.\n\n" * 20,
                        encoding="utf-8")
    return as_of
