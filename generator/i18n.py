"""Labels and date formatting in French (default) and English."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
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
        "invitation_sent": "Invitation", "invitation_yes": "envoyée", "invitation_no": "à envoyer",
        "invitation_done": "Invitation envoyée", "invitation_todo": "Invitation à envoyer", "yes": "oui", "no": "non",
        "deliverables": "Livrables", "what": "Livrable", "by": "Émetteur", "due": "Échéance", "format": "Format",
        "milestones": "Jalons", "attachments": "Pièces et preuves", "ref": "Référence",
        "keywords": "Mots-clés", "crm": "CRM", "stage": "Étape", "probability": "Probabilité",
        "amount": "Montant", "close_date": "Clôture prévue", "score": "Score qualité",
        "checklist": "Check-list minute", "to_reach_10": "Pour atteindre 10/10",
        "validation": "Validation", "amendment": "Amendement", "sent_on": "Envoyé le",
        "validation_request": "Merci de répondre VALIDÉ ou de corriger en rouge avant le {deadline}.",
        "validation_none": "Merci de répondre VALIDÉ ou de corriger en rouge.",
        "validation_validated": "Validé par le client : ce compte rendu fait foi.",
        "validation_corrected": "Corrigé par le client : les corrections sont reprises dans la version {version}.",
        "validation_corrected_pending": "Corrigé par le client : les corrections seront reprises dans une nouvelle "
                                        "version.",
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
        "colon": " :",  # before a colon: a space in French ("Objectif :"), none in English ("Objective:")
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
        "invitation_sent": "Invitation", "invitation_yes": "sent", "invitation_no": "to be sent",
        "invitation_done": "Invitation sent", "invitation_todo": "Invitation to be sent", "yes": "yes", "no": "no",
        "deliverables": "Deliverables", "what": "Deliverable", "by": "From", "due": "Due", "format": "Format",
        "milestones": "Milestones", "attachments": "Attachments and evidence", "ref": "Reference",
        "keywords": "Keywords", "crm": "CRM", "stage": "Stage", "probability": "Probability",
        "amount": "Amount", "close_date": "Expected close", "score": "Quality score",
        "checklist": "One-minute checklist", "to_reach_10": "To reach 10/10",
        "validation": "Validation", "amendment": "Amendment", "sent_on": "Sent on",
        "validation_request": "Please reply VALIDATED or correct in red before {deadline}.",
        "validation_none": "Please reply VALIDATED or correct in red.",
        "validation_validated": "Validated by the client: this report is the agreed record.",
        "validation_corrected": "Corrected by the client: the corrections are carried into version {version}.",
        "validation_corrected_pending": "Corrected by the client: the corrections will be carried into a new version.",
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
        "colon": ":",
    },
}

#: The knowledge-base site (generator/pages.py): page titles, headings, navigation, table headers, buttons and the
#: short texts around them. `{name}` placeholders are filled with str.format; "one|many" values are plural forms.
SITE_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        # navigation and page titles
        "nav_home": "Accueil", "nav_register": "Registre", "nav_browse": "Parcourir", "nav_by_client": "Par client",
        "nav_by_type": "Par type", "nav_by_keyword": "Par mot-clé", "nav_by_month": "Par mois", "nav_steering": "Pilotage",
        "exemplary": "CRC exemplaires", "kb": "Fiches et scripts", "opportunities": "Opportunités",
        "register": "Registre des CRC", "board": "Tableau Kanban", "board_fallback": "Tableau", "metrics": "Indicateurs",
        "metrics_title": "Indicateurs de flux", "by_client": "CRC par client", "by_type": "CRC par type de réunion",
        "keywords": "Mots-clés", "by_month": "CRC par mois",
        "kind_objection": "Objections", "kind_email-script": "Scripts e-mail", "kind_playbook": "Playbooks",
        "kind_checklist": "Check-lists", "kind_other": "Autres fiches",
        # shared pieces
        "see_register": "Voir dans le registre", "more_versions": "{n} autre version|{n} autres versions",
        "word": "Word (.docx)",
        "printable_html": "Page HTML imprimable", "version_forms": "version|versions", "blocked_chip": "BLOQUÉE",
        "no_next_chip": "SANS ACTION",
        "days_short": "{n} j", "won": "Gagné", "lost": "Perdu", "card_source": "carte",
        "h_date": "Date", "h_crc": "CRC", "h_client": "Client", "h_opportunity": "Opportunité", "h_type": "Type",
        "h_version": "Version", "h_status": "Statut", "h_score": "Score", "h_keywords": "Mots-clés",
        "h_account": "Compte", "h_column": "Colonne", "h_owner": "Responsable", "h_action": "Action",
        # home
        "tile_register": "Les {versions} de CRC, filtrables par client, type, mois, mot-clé.",
        "tile_board": "Les cartes dans leurs colonnes, limites WIP et blocages, avec les PDF à imprimer.",
        "tile_metrics": "Débit, temps de cycle, conversion, pipeline pondéré et prévision.",
        "tile_kb": "{pages} : objections, e-mails, check-lists, playbooks.", "page_forms": "fiche|fiches",
        "tile_opportunities": "{opportunities} : carte, prochaine étape et historique des CRC.",
        "opportunity_forms": "opportunité|opportunités",
        "tile_browse": "Les CRC par client, par type de réunion, par mot-clé et par mois.",
        "no_exemplary_yet": "Aucun CRC n'est encore proposé comme exemplaire (`exemplary: true`).",
        "attention": "À traiter", "overdue_steps": "Prochaines étapes en retard ({n})",
        "h_due_on": "Prévue le", "h_late": "Retard", "no_overdue": "Aucune prochaine étape en retard.",
        "blocked_cards": "Cartes bloquées ({n})", "h_blocked_since": "Bloquée depuis", "h_cause": "Cause",
        "h_unblock": "Déblocage", "no_blocked": "Aucune carte bloquée.", "low_scores": "CRC sous {low}/10 ({n})",
        "h_improve": "Pour progresser", "all_above": "Tous les CRC atteignent {low}/10.",
        "lead": "Situation au {date} · {versions} · {active} · pipeline pondéré {pipeline}",
        "crc_version_forms": "version de CRC|versions de CRC", "active_forms": "opportunité active|opportunités actives",
        "exemplary_intro": "Des comptes rendus à imiter : objectif en une phrase, faits, décisions au présent, "
                           "prochaine étape datée avec ses responsables.",
        "all_exemplary": "Tous les CRC exemplaires ({n})", "browse": "Parcourir", "by_client_link": "par client",
        "by_type_link": "par type de réunion", "by_keyword_link": "par mot-clé", "by_month_link": "par mois",
        "all_opportunities": "toutes les opportunités",
        # exemplary CRC pages
        "score_title": "Score qualité : {total}/10 (cible ≥ {target})", "all_criteria": "Tous les critères sont remplis.",
        "h_criterion": "Critère", "h_points": "Points", "h_milestone": "Jalon",
        "exemplary_lead": "Les comptes rendus proposés par l'équipe comme modèles (`exemplary: true` dans le fichier du CRC).",
        "no_exemplary": "Aucun CRC exemplaire pour l'instant.",
        # opportunity pages
        "since_days": "depuis {n}\u00a0j", "next_action": "Prochaine action", "none_action": "aucune",
        "h_contact": "Contact", "class_of_service": "Classe de service", "h_source": "Source", "h_objections": "Objections",
        "h_notes": "Notes", "blocked_row": "Bloquée", "blocked_since": "depuis le {date}", "unblock": "déblocage",
        "outcome": "Issue", "outcome_on": "{outcome} le {date}", "h_card": "Carte", "path": "Parcours",
        "h_amount": "Montant", "h_probability": "Probabilité", "h_weighted": "Pondéré", "h_state": "État",
        "state_active": "Active", "state_blocked": "Bloquée", "at_time": "{date} à {time}",
        "time_range": "{date} de {start} à {end}", "late_title": "En retard — prévue le {when}",
        "no_date_title": "Date à fixer",
        "no_step": "Aucune prochaine étape écrite dans un CRC.", "late": "En retard", "undated": "non datée",
        "owners": "responsables",
        "late_by": "Date dépassée de {n} jour : tenir le rendez-vous et écrire son CRC, ou la redater.|"
                   "Date dépassée de {n} jours : tenir le rendez-vous et écrire son CRC, ou la redater.",
        "according_to": "D'après {name}.",
        "html": "HTML", "word_short": "Word", "exemplary_sheet": "fiche exemplaire", "not_sent": "non envoyé",
        "h_sent_on": "Envoyé le", "h_documents": "Documents", "h_amendment": "Motif de l'amendement",
        "crc_heading": "{type} du {date}", "exemplary_mark": "exemplaire",
        "opportunity_description": "Opportunité {name} : carte, prochaine étape et CRC", "kanban_card": "Carte Kanban",
        "no_card": "Pas de carte pour cette opportunité.", "crcs": "CRC ({reports}, {versions})",
        "report_forms": "compte rendu|comptes rendus", "no_crc_here": "Aucun CRC pour cette opportunité.",
        "without_card": "Sans carte", "h_probability_short": "Proba.", "h_crc_count": "CRC",
        # indexes
        "h_opportunities": "Opportunités", "h_crc_versions": "Versions de CRC", "h_last_crc": "Dernier CRC",
        "h_register": "Registre", "none_of_type": "Aucun CRC de ce type.", "average_score": "Score moyen",
        "exemplary_list": "Exemplaires", "crc_keywords": "Mots-clés des CRC", "h_keyword": "Mot-clé",
        "h_kb_pages": "Fiches", "no_keyword": "Aucun mot-clé.", "pages_by_tag": "Pages par tag",
        "pages_by_tag_lead": "Fiches et CRC exemplaires, regroupés par tag.", "no_crc": "Aucun CRC.",
        # register
        "all": "Tous", "search": "Rechercher", "search_placeholder": "Client, opportunité, participant, mot-clé…",
        "month": "Mois", "under_target": "Sous 8/10", "at_target": "8/10 et plus", "loading": "Chargement du registre…",
        "register_pages": "Pages du registre",
        # register.js: its messages (the script holds these French ones as its defaults)
        "js_star": "CRC exemplaire : fiche complète", "js_word": "Document Word",
        "js_empty": "Aucun CRC ne correspond à ces filtres.", "js_count": "{shown} CRC sur {total}",
        "js_range": " · {first}–{last} affichés", "js_prev": "← Précédents", "js_next": "Suivants →",
        "js_page": "Page {page} / {pages}",
        "js_failed": "Le registre n'a pas pu être chargé (crc/index.json absent : lancez dealdocs build).",
        "js_locale": "fr-FR", "js_date": "dmy",
        "noscript": "Le registre a besoin de JavaScript ; la liste complète est dans",
        "register_lead": "Toutes les versions de tous les CRC. Tapez pour filtrer (plusieurs mots : tous doivent "
                         "figurer), combinez avec les listes, cliquez un en-tête pour trier. L'adresse de la page garde "
                         "les filtres : copiez-la pour partager une vue.",
        # hand-written pages
        "in_our_crcs": "Dans nos CRC", "in_our_crcs_lead": "Les comptes rendus où le sujet est apparu ({n}).",
        "kb_lead": "Scripts d'objection, modèles d'e-mail, check-lists et playbooks de l'équipe, écrits dans "
                   "`content/kb/`.", "no_kb": "Aucune fiche : ajoutez des pages Markdown dans `content/kb/`.",
        # board and metrics
        "pdf_board": "Tableau A4 paysage", "pdf_banners": "Bannières de colonnes",
        "pdf_labels": "Étiquettes BLOQUÉ et micro-règles", "pdf_cards": "Cartes à imprimer", "no_board": "Pas de tableau.",
        "last_closed": "Dernières cartes closes", "wip_title": "Cartes actives / limite WIP",
        "period": " · période du {start} au {end}", "board_meta": "Au {date}{period} · colonne en rouge : limite WIP dépassée.",
        "pull_rules": "Règles de tirage", "classes": "Classes de service", "h_class": "Classe", "h_policy": "Politique",
        "micro_rules": "Micro-règles", "h_problem": "Problème", "h_rule": "Règle", "h_indicator": "Indicateur",
        "h_target": "Cible", "h_decision_on": "Décision le",
        "metrics_meta": "Au {date} · pipeline pondéré : {pipeline}", "full_report": "Rapport complet à imprimer",
        "metrics_data": "Données (metrics.json)", "definitions": "Définitions et chiffres",
        "no_metrics_title": "Indicateurs non calculés",
        "no_metrics": "Cette construction ne contient pas encore `metrics/metrics.json`. Lancez `dealdocs metrics` pour "
                      "les voir dans le terminal.",
        "yes": "oui", "no": "non",
        # metrics page: section titles (metrics.json keys), figure labels, charts
        "metric_window": "Fenêtre d'observation", "metric_history": "Historique disponible", "metric_throughput": "Débit",
        "metric_cycle_time": "Temps de cycle", "metric_conversion": "Conversion par colonne",
        "metric_time_in_column": "Temps par colonne", "metric_card_age": "Âge des cartes",
        "metric_weighted_pipeline": "Pipeline pondéré", "metric_no_next_action": "Cartes sans prochaine action",
        "metric_negotiation_lights": "Feux de la négociation", "metric_wip": "Travail en cours (WIP)",
        "metric_lost_reasons": "Raisons de perte", "metric_forecast": "Prévision", "metric_littles_law": "Loi de Little",
        "metric_stress_test": "Test de stress", "metric_cfd": "Flux cumulé",
        "field_mean": "moyenne", "field_std_dev": "écart-type", "field_total": "total", "field_count": "nombre",
        "field_share": "part", "field_target": "cible", "field_active": "actives", "field_median_days": "médiane (j)",
        "field_p85_days": "85e centile (j)", "field_mean_days": "moyenne (j)", "field_max_days": "maximum (j)",
        "field_idle_days": "seuil d'inactivité (j)", "field_idle_count": "cartes inactives",
        "field_horizon_weeks": "horizon (semaines)", "field_weeks": "semaines", "field_days": "jours", "field_wip": "WIP",
        "field_throughput_per_week": "débit / semaine", "field_median_cycle_days": "cycle médian (j)",
        "field_predicted_days": "cycle prévu (j)", "field_ratio": "ratio", "field_verdict": "verdict",
        "field_status": "statut", "field_wip_now": "WIP actuel", "field_threshold": "seuil", "field_alert": "alerte",
        "field_start": "début", "field_end": "fin",
        "chart_forecast": "Prévision", "chart_throughput": "Débit", "chart_cycle-time": "Temps de cycle",
        "chart_cfd": "Flux cumulé", "chart_funnel": "Conversion", "chart_ageing-wip": "Âge des cartes",
        # card values
        "class_standard": "Standard", "class_fixed-date": "Date fixe", "class_expedite": "Urgent (expedite)",
        "class_partner": "Partenaire", "source_inbound": "Entrant", "source_outbound": "Prospection sortante",
        "source_trade-show": "Salon", "source_referral": "Recommandation", "source_partner": "Partenaire",
        "reason_price": "prix", "reason_timing": "calendrier", "reason_fit": "adéquation", "reason_competition": "concurrence",
    },
    "en": {
        "nav_home": "Home", "nav_register": "Register", "nav_browse": "Browse", "nav_by_client": "By client",
        "nav_by_type": "By type", "nav_by_keyword": "By keyword", "nav_by_month": "By month", "nav_steering": "Steering",
        "exemplary": "Exemplary CRCs", "kb": "Playbooks and scripts", "opportunities": "Opportunities",
        "register": "CRC register", "board": "Kanban board", "board_fallback": "Board", "metrics": "Metrics",
        "metrics_title": "Flow metrics", "by_client": "CRCs by client", "by_type": "CRCs by meeting type",
        "keywords": "Keywords", "by_month": "CRCs by month",
        "kind_objection": "Objections", "kind_email-script": "E-mail scripts", "kind_playbook": "Playbooks",
        "kind_checklist": "Checklists", "kind_other": "Other pages",
        "see_register": "See in the register", "more_versions": "{n} more version|{n} more versions",
        "word": "Word (.docx)",
        "printable_html": "Printable HTML page", "version_forms": "version|versions", "blocked_chip": "BLOCKED",
        "no_next_chip": "NO ACTION",
        "days_short": "{n} d", "won": "Won", "lost": "Lost", "card_source": "card",
        "h_date": "Date", "h_crc": "CRC", "h_client": "Client", "h_opportunity": "Opportunity", "h_type": "Type",
        "h_version": "Version", "h_status": "Status", "h_score": "Score", "h_keywords": "Keywords",
        "h_account": "Account", "h_column": "Column", "h_owner": "Owner", "h_action": "Action",
        "tile_register": "The {versions} of CRCs, filtered by client, type, month, keyword.",
        "tile_board": "The cards in their columns, WIP limits and blockers, with the PDFs to print.",
        "tile_metrics": "Throughput, cycle time, conversion, weighted pipeline and forecast.",
        "tile_kb": "{pages}: objections, e-mails, checklists, playbooks.", "page_forms": "page|pages",
        "tile_opportunities": "{opportunities}: card, next step and CRC history.",
        "opportunity_forms": "opportunity|opportunities",
        "tile_browse": "The CRCs by client, by meeting type, by keyword and by month.",
        "no_exemplary_yet": "No CRC has been proposed as exemplary yet (`exemplary: true`).",
        "attention": "Needs attention", "overdue_steps": "Overdue next steps ({n})",
        "h_due_on": "Due on", "h_late": "Late by", "no_overdue": "No overdue next step.",
        "blocked_cards": "Blocked cards ({n})", "h_blocked_since": "Blocked for", "h_cause": "Cause",
        "h_unblock": "Unblocking", "no_blocked": "No blocked card.", "low_scores": "CRCs under {low}/10 ({n})",
        "h_improve": "To improve", "all_above": "Every CRC reaches {low}/10.",
        "lead": "As of {date} · {versions} · {active} · weighted pipeline {pipeline}",
        "crc_version_forms": "CRC version|CRC versions", "active_forms": "active opportunity|active opportunities",
        "exemplary_intro": "Reports worth imitating: a one-sentence objective, facts, decisions in the present tense, "
                           "a dated next step with its owners.",
        "all_exemplary": "All exemplary CRCs ({n})", "browse": "Browse", "by_client_link": "by client",
        "by_type_link": "by meeting type", "by_keyword_link": "by keyword", "by_month_link": "by month",
        "all_opportunities": "every opportunity",
        "score_title": "Quality score: {total}/10 (target ≥ {target})", "all_criteria": "Every criterion is met.",
        "h_criterion": "Criterion", "h_points": "Points", "h_milestone": "Milestone",
        "exemplary_lead": "The reports the team proposes as models (`exemplary: true` in the CRC file).",
        "no_exemplary": "No exemplary CRC yet.",
        "since_days": "for {n}\u00a0d", "next_action": "Next action", "none_action": "none",
        "h_contact": "Contact", "class_of_service": "Class of service", "h_source": "Source", "h_objections": "Objections",
        "h_notes": "Notes", "blocked_row": "Blocked", "blocked_since": "since {date}", "unblock": "unblocking",
        "outcome": "Outcome", "outcome_on": "{outcome} on {date}", "h_card": "Card", "path": "Path",
        "h_amount": "Amount", "h_probability": "Probability", "h_weighted": "Weighted", "h_state": "State",
        "state_active": "Active", "state_blocked": "Blocked", "at_time": "{date} at {time}",
        "time_range": "{date}, {start}–{end}", "late_title": "Overdue — due on {when}",
        "no_date_title": "Date to be set",
        "no_step": "No next step written in a CRC.", "late": "Overdue", "undated": "undated",
        "owners": "owners", "late_by": "Date passed {n} day ago: hold the meeting and write its CRC, or reschedule it.|"
                   "Date passed {n} days ago: hold the meeting and write its CRC, or reschedule it.",
        "according_to": "From {name}.",
        "html": "HTML", "word_short": "Word", "exemplary_sheet": "exemplary page", "not_sent": "not sent",
        "h_sent_on": "Sent on", "h_documents": "Documents", "h_amendment": "Amendment reason",
        "crc_heading": "{type}, {date}", "exemplary_mark": "exemplary",
        "opportunity_description": "Opportunity {name}: card, next step and CRCs", "kanban_card": "Kanban card",
        "no_card": "No card for this opportunity.", "crcs": "CRCs ({reports}, {versions})",
        "report_forms": "report|reports", "no_crc_here": "No CRC for this opportunity.",
        "without_card": "Without a card", "h_probability_short": "Prob.", "h_crc_count": "CRCs",
        "h_opportunities": "Opportunities", "h_crc_versions": "CRC versions", "h_last_crc": "Latest CRC",
        "h_register": "Register", "none_of_type": "No CRC of this type.", "average_score": "Average score",
        "exemplary_list": "Exemplary", "crc_keywords": "CRC keywords", "h_keyword": "Keyword",
        "h_kb_pages": "Pages", "no_keyword": "No keyword.", "pages_by_tag": "Pages by tag",
        "pages_by_tag_lead": "Playbook pages and exemplary CRCs, grouped by tag.", "no_crc": "No CRC.",
        "all": "All", "search": "Search", "search_placeholder": "Client, opportunity, participant, keyword…",
        "month": "Month", "under_target": "Under 8/10", "at_target": "8/10 and above", "loading": "Loading the register…",
        "register_pages": "Register pages",
        "js_star": "Exemplary CRC: full page", "js_word": "Word document",
        "js_empty": "No CRC matches these filters.", "js_count": "{shown} of {total} CRCs",
        "js_range": " · {first}–{last} shown", "js_prev": "← Previous", "js_next": "Next →",
        "js_page": "Page {page} / {pages}",
        "js_failed": "The register could not be loaded (crc/index.json missing: run dealdocs build).",
        "js_locale": "en-GB", "js_date": "iso",
        "noscript": "The register needs JavaScript; the full list is in",
        "register_lead": "Every version of every CRC. Type to filter (several words: all must appear), combine with the "
                         "lists, click a header to sort. The page address keeps the filters: copy it to share a view.",
        "in_our_crcs": "In our CRCs", "in_our_crcs_lead": "The reports where the topic came up ({n}).",
        "kb_lead": "The team's objection scripts, e-mail templates, checklists and playbooks, written in `content/kb/`.",
        "no_kb": "No page yet: add Markdown pages to `content/kb/`.",
        "pdf_board": "A4 landscape board", "pdf_banners": "Column banners",
        "pdf_labels": "BLOCKED labels and micro-rules", "pdf_cards": "Printable cards", "no_board": "No board.",
        "last_closed": "Latest closed cards", "wip_title": "Active cards / WIP limit",
        "period": " · period {start} to {end}", "board_meta": "As of {date}{period} · column in red: WIP limit exceeded.",
        "pull_rules": "Pull rules", "classes": "Classes of service", "h_class": "Class", "h_policy": "Policy",
        "micro_rules": "Micro-rules", "h_problem": "Problem", "h_rule": "Rule", "h_indicator": "Indicator",
        "h_target": "Target", "h_decision_on": "Decision on",
        "metrics_meta": "As of {date} · weighted pipeline: {pipeline}", "full_report": "Full printable report",
        "metrics_data": "Data (metrics.json)", "definitions": "Definitions and figures",
        "no_metrics_title": "Metrics not computed",
        "no_metrics": "This build does not hold `metrics/metrics.json` yet. Run `dealdocs metrics` to see them in the "
                      "terminal.",
        "yes": "yes", "no": "no",
        "metric_window": "Observation window", "metric_history": "Available history", "metric_throughput": "Throughput",
        "metric_cycle_time": "Cycle time", "metric_conversion": "Conversion by column",
        "metric_time_in_column": "Time in column", "metric_card_age": "Card age",
        "metric_weighted_pipeline": "Weighted pipeline", "metric_no_next_action": "Cards without a next action",
        "metric_negotiation_lights": "Negotiation traffic lights", "metric_wip": "Work in progress (WIP)",
        "metric_lost_reasons": "Loss reasons", "metric_forecast": "Forecast", "metric_littles_law": "Little's law",
        "metric_stress_test": "Stress test", "metric_cfd": "Cumulative flow",
        "field_mean": "mean", "field_std_dev": "standard deviation", "field_total": "total", "field_count": "count",
        "field_share": "share", "field_target": "target", "field_active": "active", "field_median_days": "median (d)",
        "field_p85_days": "85th percentile (d)", "field_mean_days": "mean (d)", "field_max_days": "maximum (d)",
        "field_idle_days": "idle threshold (d)", "field_idle_count": "idle cards",
        "field_horizon_weeks": "horizon (weeks)", "field_weeks": "weeks", "field_days": "days", "field_wip": "WIP",
        "field_throughput_per_week": "throughput / week", "field_median_cycle_days": "median cycle (d)",
        "field_predicted_days": "predicted cycle (d)", "field_ratio": "ratio", "field_verdict": "verdict",
        "field_status": "status", "field_wip_now": "current WIP", "field_threshold": "threshold", "field_alert": "alert",
        "field_start": "start", "field_end": "end",
        "chart_forecast": "Forecast", "chart_throughput": "Throughput", "chart_cycle-time": "Cycle time",
        "chart_cfd": "Cumulative flow", "chart_funnel": "Conversion", "chart_ageing-wip": "Card age",
        "class_standard": "Standard", "class_fixed-date": "Fixed date", "class_expedite": "Expedite",
        "class_partner": "Partner", "source_inbound": "Inbound", "source_outbound": "Outbound prospecting",
        "source_trade-show": "Trade show", "source_referral": "Referral", "source_partner": "Partner",
        "reason_price": "price", "reason_timing": "timing", "reason_fit": "fit", "reason_competition": "competition",
    },
}


#: Flow metrics shown to people (metrics.headline(), metrics/index.html, the SVG charts). metrics/metrics.json
#: itself is data and stays French: its `definition` strings are shown through `metric_definition` below.
METRIC_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        # metrics.headline(): the board's band and the metrics pages' tiles
        "hl_throughput": "Débit",
        "hl_throughput_text": "{mean} gain par semaine (moy. 6 sem.)|{mean} gains par semaine (moy. 6 sem.)",
        "hl_wip": "WIP", "hl_wip_text": "{n} carte active|{n} cartes actives",
        "hl_forecast": "Prévision 4 semaines", "hl_forecast_text": "{expected} ± {sigma} gain|{expected} ± {sigma} gains",
        "hl_forecast_85": " (≥ {n} à 85 %)", "no_data": "pas assez de données", "hl_pipeline": "Pipe pondéré",
        # texts of metrics.json shown in the language: statuses, Little's law verdicts, loss reasons, outcomes
        "status_not_enough_data": "Pas assez de données : moins de 3 semaines d'historique.",
        "status_no_throughput": "Aucune carte gagnée sur les 6 dernières semaines : impossible de projeter.",
        "status_beyond_horizon": "Au-delà de {weeks} semaines au rythme actuel.",
        "verdict_no_cycle": "Pas encore de cycle time mesuré : comparaison impossible.",
        "verdict_high": "WIP élevé pour le débit : les délais vont s'allonger. Finir avant de commencer.",
        "verdict_low": "WIP faible pour le débit : le pipe se vide, alimenter l'amont.",
        "verdict_ok": "Cohérent : WIP et débit expliquent le cycle time observé.",
        "reason_price": "Prix", "reason_timing": "Timing", "reason_fit": "Adéquation (fit)",
        "reason_competition": "Concurrence", "reason_unspecified": "Non renseignée",
        "band_won": "Gagné", "band_lost": "Perdu",
        # metrics/index.html
        "page_title": "Indicateurs de flux — {as_of}", "page_heading": "Indicateurs de flux et prévision",
        "page_meta": "Au {as_of} · 6 dernières semaines : du {start} au {end}",
        "page_watch": "À regarder cette semaine", "page_columns": "Colonnes : WIP, conversion, temps passé",
        "th_column": "Colonne", "th_wip": "WIP / limite", "th_entered": "Entrées", "th_moved_on": "Passées",
        "th_conversion": "Conversion", "th_median_stay": "Séjour médian", "th_mean_stay": "Séjour moyen",
        "th_pipeline": "Pipe pondéré", "page_lights": "Feux de la colonne « {title} »", "th_card": "Carte",
        "th_days": "Jours dans la colonne", "th_light": "Feu", "no_card_here": "Aucune carte dans cette colonne.",
        "page_lost": "Raisons de perte", "page_footer": "Généré par dealdocs à partir des historiques des cartes. Données :",
        "light_green": "vert", "light_amber": "orange", "light_red": "rouge",
        "days": "{n} j", "percent": "{n} %",
        "tile_throughput": "gain par semaine (moy. 6 sem.)|gains par semaine (moy. 6 sem.)",
        "tile_wip": "carte active|cartes actives",
        "tile_forecast": "gain en 4 sem. · ≥\u00a0{n} à 85\u00a0%|gains en 4 sem. · ≥\u00a0{n} à 85\u00a0%",
        "tile_forecast_none": "gains en 4 sem.", "tile_forecast_label": "Prévision",
        "tile_pipeline": "Σ montant × probabilité, cartes actives",
        "tile_cycle": "Cycle time médian", "tile_cycle_sub": "85 % en {days} ou moins",
        "tile_nna": "Sans prochaine action", "tile_nna_sub": "{n} carte, cible 0 %|{n} cartes, cible 0 %",
        "tile_idle": "Cartes oubliées", "tile_idle_sub": "plus de {n} j sans action",
        "tile_close": "Clôture « {title} »", "tile_close_sub": "{n} carte, 85 % de confiance|{n} cartes, 85 % de confiance",
        "alert_stress": "Test de stress : {wip} carte en « {title} » pour un seuil de {threshold} "
                        "(1,5 × la moyenne de {mean}).|Test de stress : {wip} cartes en « {title} » pour un seuil de "
                        "{threshold} (1,5 × la moyenne de {mean}).",
        "alert_stress_high": " Baisser le WIP et planifier des relances ciblées.", "alert_stress_ok": " Sous contrôle.",
        "alert_little": "Loi de Little : {wip} ÷ {throughput} ≈ {predicted}, pour un cycle time médian de {median}. "
                        "{verdict}",
        "in_progress": "carte en cours|cartes en cours", "per_week": "gain par semaine|gains par semaine",
        "alert_wip": "{title} : {wip} carte pour une limite WIP de {limit}. Finir avant de commencer.|"
                     "{title} : {wip} cartes pour une limite WIP de {limit}. Finir avant de commencer.",
        "alert_red": "« {title} » au rouge : {cards}. Escalade et date de décision.",
        "alert_nna": "Sans prochaine action datée : {cards}.",
        "alert_no_data": "Pas assez de données : moins de 3 semaines d'historique, pas de prévision.",
        "alert_none": "Rien à signaler.",
        "chart_forecast": "Prévision", "chart_throughput": "Débit", "chart_cycle-time": "Cycle time",
        "chart_cfd": "Flux cumulé", "chart_funnel": "Conversion", "chart_ageing-wip": "Âge des cartes",
        # the SVG charts
        "cfd_title": "Diagramme de flux cumulé",
        "cfd_sub": "Cartes par colonne à la fin de chaque jour — une bande qui s'élargit signale un goulot",
        "cfd_empty": "Pas encore d'historique à tracer", "cfd_y": "Cartes",
        "cycle_title": "Cycle time des cartes gagnées",
        "cycle_sub": "Jours entre l'entrée sur le tableau et le gain, par date de gain",
        "cycle_empty": "Aucune carte gagnée pour l'instant", "cycle_median": "Médiane : {value} j",
        "cycle_p85": "85 % des gains en {value} j ou moins", "cycle_y": "Jours (Prospect → Gagné)",
        "cycle_x": "Date du gain",
        "tp_title": "Débit hebdomadaire",
        "tp_sub": "Cartes gagnées par semaine — moyenne des 6 dernières semaines : {mean} / semaine",
        "tp_window": "6 dernières semaines", "tp_mean": "Moyenne 6 sem. : {mean}", "tp_wins": "Gains de la semaine",
        "tp_partial": "Semaine en cours (partielle)", "tp_y": "Cartes gagnées", "tp_x": "Semaine (date du lundi)",
        "age_title": "Âge des cartes en cours, par colonne",
        "age_sub": "Jours depuis la dernière action — au-dessus de {idle} j, la carte risque l'oubli",
        "age_empty": "Aucune carte active", "age_idle": "Seuil d'oubli : {idle} j",
        "age_y": "Jours depuis la dernière action",
        "funnel_title": "Entonnoir de conversion par étape",
        "funnel_sub": "Cartes entrées dans chaque colonne ; en foncé, celles passées à l'étape suivante (gain compris)",
        "funnel_empty": "Aucune carte entrée sur le tableau",
        "funnel_moved": "{moved} passée sur {entered}|{moved} passées sur {entered}", "funnel_entered": "entrée|entrées",
        "fc_title": "Prévision Monte Carlo", "fc_sub": "Gains sur les 4 prochaines semaines ({start} → {end})",
        "fc_close": " — cartes en « {title} » toutes gagnées le {date} (85 %)", "fc_empty": "Pas assez de données",
        "fc_guide": "Méthode du guide : 4 × moyenne ± 2 s = {expected} ± {sigma}", "fc_and": " et ",
        "fc_level_one": "≥ {value} gain\nà {levels}", "fc_level_many": "≥ {value} gains\nà {levels}",
        "fc_x": "Cartes gagnées sur 4 semaines", "fc_y": "Part des essais",
        # the site's "Définitions et chiffres" (generator/metric_text.py): definitions without field names, figures
        # as sentences; "one|many" values are plural forms
        "w_day": "jour|jours", "w_win": "gain|gains", "w_card": "carte|cartes",
        "w_active_card": "carte active|cartes actives", "w_won_card": "carte gagnée|cartes gagnées",
        "w_lost_card": "carte perdue|cartes perdues", "w_trial": "essai|essais",
        "def_window": "Les calculs portent sur les 6 dernières semaines complètes, du lundi au dimanche ; la semaine en "
                      "cours n'en fait pas partie.",
        "fig_window": "Du {start} au {end}.",
        "def_history": "Une prévision demande au moins 3 semaines d'historique sur le tableau.",
        "fig_history": "Historique depuis le {first} ({days}) : {reading}.", "fig_history_none": "Aucun historique.",
        "history_enough": "suffisant pour une prévision", "history_short": "pas encore suffisant pour une prévision",
        "def_throughput": "Nombre de cartes gagnées chaque semaine (du lundi au dimanche), comptées à la date du gain.",
        "fig_throughput": "{total} sur les 6 dernières semaines, soit {mean} en moyenne (écart-type : {std}).",
        "th_week": "Semaine du", "th_wins": "Gains",
        "def_cycle_time": "Durée de cycle : jours entre l'entrée d'une carte sur le tableau et son gain. La moitié des "
                          "gains prend au plus la durée médiane ; 85 % des gains prennent au plus le 85e centile.",
        "fig_cycle_time": "Sur {count} : durée médiane {median}, 85e centile {p85}.",
        "fig_cycle_none": "Aucune carte gagnée pour l'instant.",
        "def_conversion": "Part des cartes entrées dans une colonne qui sont ensuite passées à une étape plus avancée. "
                          "Un gain compte comme un passage, une perte non.",
        "def_time_in_column": "Jours passés dans chaque colonne, de l'entrée à la sortie (colonne suivante, gain ou "
                              "perte), sur les séjours terminés.",
        "th_stays": "Séjours terminés",
        "def_card_age": "Jours écoulés depuis la dernière action sur chaque carte active (à défaut, depuis son dernier "
                        "changement de colonne). Au-delà de {idle} jours sans action, la carte risque d'être oubliée.",
        "fig_card_age": "Âge médian : {median} · moyen : {mean} · maximum : {max}.",
        "fig_idle": "{cards} à plus de {idle} jours sans action : {ids}.",
        "fig_idle_none": "Aucune carte à plus de {idle} jours sans action.",
        "def_weighted_pipeline": "Somme, sur les cartes actives, du montant multiplié par la probabilité de gain. Une "
                                 "carte sans montant ou sans probabilité compte pour zéro.",
        "fig_weighted_pipeline": "{total} au total.", "fig_missing_amount": "Sans montant ou sans probabilité : {ids}.",
        "def_no_next_action": "Part des cartes actives sans prochaine action datée. Cible : 0 % — une carte sans "
                              "prochaine action finit oubliée.",
        "fig_no_next_action": "{cards} sur {active} sans prochaine action datée, soit {share} (cible : 0 %) : {ids}.",
        "fig_nna_none": "Toutes les cartes actives ont une prochaine action datée : cible de 0 % atteinte.",
        "fig_no_active": "Aucune carte active.",
        "def_negotiation_lights": "Jours passés dans la colonne « {title} » par les cartes actives : vert jusqu'à "
                                  "{green} jours, orange jusqu'à {amber} jours, rouge au-delà (escalade au manager).",
        "fig_lights": "{cards} en « {title} » : {green} au vert, {amber} à l'orange, {red} au rouge.",
        "fig_lights_none": "Aucune carte en « {title} ».",
        "def_wip": "Cartes actives par colonne, comparées à la limite WIP de la colonne (sans limite : illimitée).",
        "fig_wip": "{cards} au total.", "th_active": "Cartes actives", "th_limit": "Limite WIP", "th_state": "État",
        "wip_over": "limite dépassée", "wip_full": "limite atteinte", "wip_under": "sous la limite",
        "wip_unlimited": "sans limite",
        "def_lost_reasons": "Cartes perdues, par raison : prix, timing, adéquation, concurrence.",
        "fig_lost": "{cards} : {reasons}.", "fig_lost_none": "Aucune carte perdue.",
        "def_forecast": "Gains attendus sur les 4 prochaines semaines, du {start} au {end}, selon deux méthodes.",
        "fig_seed": "Méthode du guide (4 × le débit moyen des 6 dernières semaines, ± 2 écarts-types) : {expected} ± "
                    "{sigma} {wins}, soit entre {low} et {high}.",
        "fig_monte_carlo": "Simulation de Monte Carlo ({trials}) : au moins {n85} dans 85 % des essais (au moins {n50} "
                           "dans la moitié des essais, au moins {n95} dans 95 %).",
        "fig_close": "La carte en « {title} » serait gagnée d'ici le {date} (85 % de confiance).|Les {n} cartes en "
                     "« {title} » seraient toutes gagnées d'ici le {date} (85 % de confiance).",
        "fig_close_none": "Aucune carte en « {title} » à clôturer.",
        "label_seed": "Méthode du guide", "label_monte_carlo": "Monte Carlo", "label_close": "Clôture « {title} »",
        "def_seed_method": "Méthode du guide : 4 × le débit hebdomadaire moyen des 6 dernières semaines, ± 2 "
                           "écarts-types (l'écart-type d'un total de 4 semaines vaut 2 fois celui d'une semaine). La "
                           "borne basse ne descend pas sous 0.",
        "def_monte_carlo": "Simulation de Monte Carlo : 4 semaines tirées au hasard parmi les 6 dernières, des milliers "
                           "de fois. « Au moins N à 85 % » : N gains ou plus dans 85 % des essais.",
        "def_negotiation_close": "Date à laquelle toutes les cartes en « {title} » seraient gagnées, avec 85 % de "
                                 "confiance, au rythme des gains des 6 dernières semaines.",
        "def_littles_law": "Loi de Little : la durée de cycle attendue vaut à peu près le travail en cours divisé par le "
                           "débit. On la compare à la durée de cycle médiane observée, avec une tolérance de ± 25 %.",
        "fig_little": "{wip} (au-delà de la première colonne) ÷ {throughput} ≈ {predicted} de cycle attendu, soit "
                      "{ratio} fois le cycle médian observé ({median}).",
        "fig_little_no_cycle": "{wip} (au-delà de la première colonne) ÷ {throughput} ≈ {predicted} de cycle attendu ; "
                               "aucun cycle observé pour comparer.",
        "verdict": "Verdict",
        "def_stress_test": "Test de stress : le nombre de cartes en « {title} » aujourd'hui, comparé à 1,5 fois sa "
                           "moyenne des 6 derniers dimanches. Au-dessus du seuil : baisser le WIP et planifier des "
                           "relances ciblées.",
        "fig_stress": "Aujourd'hui : {now} en « {title} » · moyenne des 6 derniers dimanches : {mean} · seuil : "
                      "{threshold}.",
        "stress_alert": "Alerte", "stress_alert_text": "Seuil dépassé : baisser le WIP et planifier des relances ciblées.",
        "stress_ok": "Sous contrôle", "stress_ok_text": "Le WIP de la colonne reste sous le seuil.",
        "def_cfd": "Diagramme de flux cumulé : nombre de cartes dans chaque colonne (et gagnées ou perdues) à la fin de "
                   "chaque jour, reconstitué depuis les historiques des cartes.",
    },
    "en": {
        "hl_throughput": "Throughput",
        "hl_throughput_text": "{mean} win per week (6-wk mean)|{mean} wins per week (6-wk mean)",
        "hl_wip": "WIP", "hl_wip_text": "{n} active card|{n} active cards",
        "hl_forecast": "4-week forecast", "hl_forecast_text": "{expected} ± {sigma} win|{expected} ± {sigma} wins",
        "hl_forecast_85": " (≥ {n} at 85%)", "no_data": "not enough data", "hl_pipeline": "Weighted pipeline",
        "status_not_enough_data": "Not enough data: less than 3 weeks of history.",
        "status_no_throughput": "No card won in the last 6 weeks: no projection possible.",
        "status_beyond_horizon": "Beyond {weeks} weeks at the current pace.",
        "verdict_no_cycle": "No cycle time measured yet: no comparison possible.",
        "verdict_high": "WIP high for the throughput: lead times will grow. Stop starting, start finishing.",
        "verdict_low": "WIP low for the throughput: the pipeline is drying up, feed the top of the funnel.",
        "verdict_ok": "Consistent: WIP and throughput explain the observed cycle time.",
        "reason_price": "Price", "reason_timing": "Timing", "reason_fit": "Fit",
        "reason_competition": "Competition", "reason_unspecified": "Not given",
        "band_won": "Won", "band_lost": "Lost",
        "page_title": "Flow metrics — {as_of}", "page_heading": "Flow metrics and forecast",
        "page_meta": "As of {as_of} · last 6 weeks: {start} to {end}",
        "page_watch": "To watch this week", "page_columns": "Columns: WIP, conversion, time spent",
        "th_column": "Column", "th_wip": "WIP / limit", "th_entered": "Entered", "th_moved_on": "Moved on",
        "th_conversion": "Conversion", "th_median_stay": "Median stay", "th_mean_stay": "Mean stay",
        "th_pipeline": "Weighted pipeline", "page_lights": "Traffic lights of the “{title}” column", "th_card": "Card",
        "th_days": "Days in the column", "th_light": "Light", "no_card_here": "No card in this column.",
        "page_lost": "Loss reasons", "page_footer": "Generated by dealdocs from the cards' histories. Data:",
        "light_green": "green", "light_amber": "amber", "light_red": "red",
        "days": "{n} d", "percent": "{n}%",
        "tile_throughput": "win per week (6-week mean)|wins per week (6-week mean)",
        "tile_wip": "active card|active cards",
        "tile_forecast": "win in 4 weeks · ≥\u00a0{n} at 85%|wins in 4 weeks · ≥\u00a0{n} at 85%",
        "tile_forecast_none": "wins in 4 weeks", "tile_forecast_label": "Forecast",
        "tile_pipeline": "Σ amount × probability, active cards",
        "tile_cycle": "Median cycle time", "tile_cycle_sub": "85% in {days} or less",
        "tile_nna": "Without a next action", "tile_nna_sub": "{n} card, target 0%|{n} cards, target 0%",
        "tile_idle": "Forgotten cards", "tile_idle_sub": "over {n} d without action",
        "tile_close": "“{title}” close", "tile_close_sub": "{n} card, 85% confidence|{n} cards, 85% confidence",
        "alert_stress": "Stress test: {wip} card in “{title}” against a threshold of {threshold} "
                        "(1.5 × the mean of {mean}).|Stress test: {wip} cards in “{title}” against a threshold of "
                        "{threshold} (1.5 × the mean of {mean}).",
        "alert_stress_high": " Lower the WIP and plan targeted follow-ups.", "alert_stress_ok": " Under control.",
        "alert_little": "Little's law: {wip} ÷ {throughput} ≈ {predicted}, against a median cycle time of {median}. "
                        "{verdict}",
        "in_progress": "card in progress|cards in progress", "per_week": "win per week|wins per week",
        "alert_wip": "{title}: {wip} card for a WIP limit of {limit}. Stop starting, start finishing.|"
                     "{title}: {wip} cards for a WIP limit of {limit}. Stop starting, start finishing.",
        "alert_red": "“{title}” in the red: {cards}. Escalate and set a decision date.",
        "alert_nna": "Without a dated next action: {cards}.",
        "alert_no_data": "Not enough data: less than 3 weeks of history, no forecast.",
        "alert_none": "Nothing to report.",
        "chart_forecast": "Forecast", "chart_throughput": "Throughput", "chart_cycle-time": "Cycle time",
        "chart_cfd": "Cumulative flow", "chart_funnel": "Conversion", "chart_ageing-wip": "Card age",
        "cfd_title": "Cumulative flow diagram",
        "cfd_sub": "Cards per column at the end of each day — a band that widens signals a bottleneck",
        "cfd_empty": "No history to plot yet", "cfd_y": "Cards",
        "cycle_title": "Cycle time of won cards",
        "cycle_sub": "Days from entering the board to the win, by win date",
        "cycle_empty": "No card won yet", "cycle_median": "Median: {value} d",
        "cycle_p85": "85% of wins in {value} d or less", "cycle_y": "Days (Prospect → Won)",
        "cycle_x": "Win date",
        "tp_title": "Weekly throughput",
        "tp_sub": "Cards won per week — mean of the last 6 weeks: {mean} / week",
        "tp_window": "Last 6 weeks", "tp_mean": "6-week mean: {mean}", "tp_wins": "Wins in the week",
        "tp_partial": "Current week (partial)", "tp_y": "Cards won", "tp_x": "Week (Monday's date)",
        "age_title": "Age of the active cards, by column",
        "age_sub": "Days since the last action — above {idle} d, the card risks being forgotten",
        "age_empty": "No active card", "age_idle": "Idle threshold: {idle} d",
        "age_y": "Days since the last action",
        "funnel_title": "Conversion funnel by stage",
        "funnel_sub": "Cards that entered each column; darker, those that moved on to a later stage (wins included)",
        "funnel_empty": "No card has entered the board",
        "funnel_moved": "{moved} moved on of {entered}", "funnel_entered": "entered",
        "fc_title": "Monte Carlo forecast", "fc_sub": "Wins over the next 4 weeks ({start} → {end})",
        "fc_close": " — cards in “{title}” all won by {date} (85%)", "fc_empty": "Not enough data",
        "fc_guide": "Guide's method: 4 × mean ± 2 s = {expected} ± {sigma}", "fc_and": " and ",
        "fc_level_one": "≥ {value} win\nat {levels}", "fc_level_many": "≥ {value} wins\nat {levels}",
        "fc_x": "Cards won over 4 weeks", "fc_y": "Share of trials",
        "w_day": "day|days", "w_win": "win|wins", "w_card": "card|cards", "w_active_card": "active card|active cards",
        "w_won_card": "won card|won cards", "w_lost_card": "lost card|lost cards", "w_trial": "trial|trials",
        "def_window": "The figures cover the last 6 full weeks, Monday to Sunday; the current week is not part of them.",
        "fig_window": "From {start} to {end}.",
        "def_history": "A forecast needs at least 3 weeks of history on the board.",
        "fig_history": "History since {first} ({days}): {reading}.", "fig_history_none": "No history yet.",
        "history_enough": "enough for a forecast", "history_short": "not enough for a forecast yet",
        "def_throughput": "Cards won each week (Monday to Sunday), counted on the day of the win.",
        "fig_throughput": "{total} over the last 6 weeks, that is {mean} on average (standard deviation: {std}).",
        "th_week": "Week of", "th_wins": "Wins",
        "def_cycle_time": "Cycle time: days from a card's entry on the board to its win. Half of the wins take at most "
                          "the median; 85% of the wins take at most the 85th percentile.",
        "fig_cycle_time": "Over {count}: median {median}, 85th percentile {p85}.",
        "fig_cycle_none": "No card won yet.",
        "def_conversion": "Share of the cards that entered a column and later moved on to a more advanced stage. A win "
                          "counts as moving on, a loss does not.",
        "def_time_in_column": "Days spent in each column, from entering it to leaving it (next column, win or loss), "
                              "over completed stays.",
        "th_stays": "Completed stays",
        "def_card_age": "Days since the last action on each active card (else since it last changed column). Beyond "
                        "{idle} days without action, the card risks being forgotten.",
        "fig_card_age": "Median age: {median} · mean: {mean} · maximum: {max}.",
        "fig_idle": "{cards} over {idle} days without action: {ids}.",
        "fig_idle_none": "No card over {idle} days without action.",
        "def_weighted_pipeline": "Sum, over the active cards, of the amount times the probability of winning. A card "
                                 "without an amount or a probability counts as zero.",
        "fig_weighted_pipeline": "{total} in all.", "fig_missing_amount": "Without an amount or a probability: {ids}.",
        "def_no_next_action": "Share of the active cards without a dated next action. Target: 0% — a card without a "
                              "next action ends up forgotten.",
        "fig_no_next_action": "{cards} of {active} without a dated next action, that is {share} (target: 0%): {ids}.",
        "fig_nna_none": "Every active card has a dated next action: the 0% target is met.",
        "fig_no_active": "No active card.",
        "def_negotiation_lights": "Days spent in the “{title}” column by active cards: green up to {green} days, amber "
                                  "up to {amber} days, red beyond (manager escalation).",
        "fig_lights": "{cards} in “{title}”: {green} green, {amber} amber, {red} red.",
        "fig_lights_none": "No card in “{title}”.",
        "def_wip": "Active cards per column, against the column's WIP limit (no limit: unlimited).",
        "fig_wip": "{cards} in all.", "th_active": "Active cards", "th_limit": "WIP limit", "th_state": "State",
        "wip_over": "limit exceeded", "wip_full": "limit reached", "wip_under": "under the limit",
        "wip_unlimited": "no limit",
        "def_lost_reasons": "Lost cards, by reason: price, timing, fit, competition.",
        "fig_lost": "{cards}: {reasons}.", "fig_lost_none": "No card lost.",
        "def_forecast": "Wins expected over the next 4 weeks, from {start} to {end}, by two methods.",
        "fig_seed": "Guide's method (4 × the mean throughput of the last 6 weeks, ± 2 standard deviations): "
                    "{expected} ± {sigma} {wins}, that is between {low} and {high}.",
        "fig_monte_carlo": "Monte Carlo simulation ({trials}): at least {n85} in 85% of the trials (at least {n50} in "
                           "half of the trials, at least {n95} in 95%).",
        "fig_close": "The card in “{title}” would be won by {date} (85% confidence).|The {n} cards in “{title}” would "
                     "all be won by {date} (85% confidence).",
        "fig_close_none": "No card in “{title}” to close.",
        "label_seed": "Guide's method", "label_monte_carlo": "Monte Carlo", "label_close": "“{title}” close",
        "def_seed_method": "Guide's method: 4 × the mean weekly throughput of the last 6 weeks, ± 2 standard deviations "
                           "(the standard deviation of a 4-week total is twice a week's). The low bound never goes "
                           "below 0.",
        "def_monte_carlo": "Monte Carlo simulation: 4 weeks drawn at random from the last 6, thousands of times. “At "
                           "least N at 85%”: N wins or more in 85% of the trials.",
        "def_negotiation_close": "Date by which every card in “{title}” would be won, with 85% confidence, at the pace "
                                 "of the wins of the last 6 weeks.",
        "def_littles_law": "Little's law: the expected cycle time is about the work in progress divided by the "
                           "throughput. It is compared with the observed median cycle time, within ± 25%.",
        "fig_little": "{wip} (past the first column) ÷ {throughput} ≈ {predicted} of expected cycle time, that is "
                      "{ratio} times the observed median ({median}).",
        "fig_little_no_cycle": "{wip} (past the first column) ÷ {throughput} ≈ {predicted} of expected cycle time; no "
                               "cycle observed to compare with.",
        "verdict": "Verdict",
        "def_stress_test": "Stress test: the number of cards in “{title}” today, against 1.5 times its mean over the "
                           "last 6 Sundays. Above the threshold: lower the WIP and plan targeted follow-ups.",
        "fig_stress": "Today: {now} in “{title}” · mean of the last 6 Sundays: {mean} · threshold: {threshold}.",
        "stress_alert": "Alert", "stress_alert_text": "Threshold exceeded: lower the WIP and plan targeted follow-ups.",
        "stress_ok": "Under control", "stress_ok_text": "The column's WIP stays under the threshold.",
        "def_cfd": "Cumulative flow diagram: number of cards in each column (and won or lost) at the end of each day, "
                   "rebuilt from the cards' histories.",
    },
}


#: The English reading of metrics.json's French `definition` strings (metrics.metric_definition fills them).
METRIC_DEFINITIONS_EN: dict[str, str] = {
    "window": "The last 6 weeks: the 6 full weeks (Monday to Sunday) before the week that holds today's date.",
    "history": "History available since the cards' first history date; a forecast needs at least 3 weeks.",
    "throughput": "Cards won per week (Monday to Sunday), by outcome.date. The last 6 weeks are the 6 full weeks "
                  "before the week of today's date.",
    "cycle_time": "Days between a card's first entry on the board and its win date, for won cards. Usual median "
                  "(mean of the two middle values for an even count); 85th percentile by nearest rank: the smallest "
                  "duration such that at least 85% of the won cards took that long or less.",
    "conversion": "Conversion rate of a column: cards that later moved on to a more advanced column ÷ cards that "
                  "entered the column. A won card counts as moved on; a lost card does not.",
    "time_in_column": "Days spent in each column, from entering the column to leaving it (next column, win or "
                      "loss), over completed stays.",
    "card_age": "Days since the last action (last_action, else the last history date), for active cards. Beyond "
                "{idle_days} days, the card risks being forgotten.",
    "weighted_pipeline": "Weighted pipeline: sum of amount × probability / 100 over active cards, in euros. A card "
                         "without an amount or a probability counts as 0.",
    "no_next_action": "Share of active cards without a dated next action. Target: 0% (otherwise, it will be forgotten).",
    "negotiation_lights": "Days spent in the “{title}” column by active cards: green ≤ {green} d, amber ≤ {amber} d, "
                          "red above (manager escalation).",
    "wip": "Active cards per column, against the column's WIP limit (no limit: unlimited).",
    "lost_reasons": "Lost cards by normalised reason (price, timing, fit, competition).",
    "forecast": "Forecast of wins over the next 4 weeks, from the day after today's date to {end} inclusive.",
    "forecast.seed_method": "Wins expected over the next 4 weeks = 4 × the mean weekly throughput of the last 6 "
                            "weeks, ± 2 s, where s is the sample standard deviation (n − 1) of the 6 weekly counts: "
                            "the standard deviation of a 4-week total is √4 · s = 2 s, the guide's “± 1 σ”. Low "
                            "bound clamped at 0.",
    "forecast.monte_carlo": "Monte Carlo simulation: 4 weeks drawn at random (with replacement) from the last 6 "
                            "observed weeks, repeated over many trials. “N at 85%” means: at least N wins in 85% of "
                            "the trials.",
    "forecast.negotiation_close": "Date by which every card now in “{title}” will be won, with 85% confidence: weeks "
                                  "of wins are drawn from the last 6 until the number of cards in negotiation is "
                                  "reached (the next wins are assumed to come from this column).",
    "littles_law": "Little's law: cycle time ≈ WIP / throughput. WIP = active cards past the first column; "
                   "throughput = mean weekly wins over the last 6 weeks; WIP / throughput is converted to days (× 7) "
                   "and compared with the median cycle time (consistent within ± 25%).",
    "stress_test": "Stress test: current WIP of the “{title}” column against 1.5 × its mean over the last 6 weeks "
                   "(taken at the end of each Sunday, rebuilt from the histories). Above it: lower the WIP and plan "
                   "targeted follow-ups.",
    "cfd": "Cumulative flow diagram: number of cards in each column (and won / lost) at the end of each day, rebuilt "
           "from the histories.",
}


#: Usual risk categories (CRC `risks[].category`, free text) as words; the key is the value lower-cased, unaccented.
RISK_CATEGORIES: dict[str, dict[str, str]] = {
    "fr": {"budget": "Budget", "planning": "Planning", "calendrier": "Calendrier", "timing": "Calendrier",
           "juridique": "Juridique", "legal": "Juridique", "it": "Informatique (IT)", "si": "Informatique (SI)",
           "technique": "Technique", "technical": "Technique", "securite": "Sécurité", "security": "Sécurité",
           "concurrence": "Concurrence", "competition": "Concurrence", "decision": "Décision",
           "organisation": "Organisation", "organization": "Organisation", "ressources": "Ressources",
           "resources": "Ressources", "prix": "Prix", "price": "Prix", "rgpd": "RGPD", "gdpr": "RGPD",
           "integration": "Intégration", "adoption": "Adoption", "achats": "Achats", "procurement": "Achats"},
    "en": {"budget": "Budget", "planning": "Schedule", "calendrier": "Schedule", "timing": "Schedule",
           "juridique": "Legal", "legal": "Legal", "it": "IT", "si": "IT", "technique": "Technical",
           "technical": "Technical", "securite": "Security", "security": "Security", "concurrence": "Competition",
           "competition": "Competition", "decision": "Decision", "organisation": "Organisation",
           "organization": "Organisation", "ressources": "Resources", "resources": "Resources", "prix": "Price",
           "price": "Price", "rgpd": "GDPR", "gdpr": "GDPR", "integration": "Integration", "adoption": "Adoption",
           "achats": "Procurement", "procurement": "Procurement"},
}


def risk_category(value: Optional[str], language: str = "fr") -> str:
    """`budget` → `Budget`, `it` → `Informatique (IT)`; any other category with a capital first letter."""
    if not value:
        return ""
    return _risk_category(value, language)


@lru_cache(maxsize=4096)
def _risk_category(value: str, language: str) -> str:
    """risk_category() of a text, once per text and language (records repeat a few categories)."""
    import unicodedata
    key = "".join(c for c in unicodedata.normalize("NFD", value.strip().lower()) if not unicodedata.combining(c))
    known = RISK_CATEGORIES.get(language, RISK_CATEGORIES["fr"]).get(key)
    return known or value[:1].upper() + value[1:]


def labels(language: str) -> dict[str, str]:
    """The label table for a language (French by default)."""
    return LABELS.get(language, LABELS["fr"])


def site_labels(language: str) -> dict[str, str]:
    """The knowledge-base site's label table for a language (French by default)."""
    return SITE_LABELS.get(language, SITE_LABELS["fr"])


def metric_labels(language: str) -> dict[str, str]:
    """The flow metrics' label table (headline, metrics page, charts) for a language (French by default)."""
    return METRIC_LABELS.get(language, METRIC_LABELS["fr"])


def is_singular(n: float, language: str = "fr") -> bool:
    """Whether a count takes the singular: below 2 in French (0, 1, 1,5), exactly 1 in English."""
    return abs(n) < 2 if language != "en" else n == 1


def pick(forms: str, n: float, language: str = "fr") -> str:
    """The singular or plural form of "one|many" for the count n (a text without `|` is both)."""
    one, _, many = forms.partition("|")
    return one if is_singular(n, language) or not many else many


def plural(n: int, forms: str, language: str = "fr") -> str:
    """`0 version`, `1 version`, `3 versions` from "version|versions" (English: `0 versions`)."""
    return f"{n} {pick(forms, n, language)}"


def long_date(value: Optional[date], language: str = "fr") -> str:
    """`19 septembre 2025` / `19 September 2025`."""
    if value is None:
        return ""
    return _long_date(value if type(value) is date else date(value.year, value.month, value.day), language)


@lru_cache(maxsize=8192)
def _long_date(value: date, language: str) -> str:
    """Babel's formatting, once per day and language (a build formats the same days thousands of times)."""
    return _format_date(value, "d MMMM y", locale=language)


def short_date(value: Optional[date], language: str = "fr") -> str:
    """`19/09/2025` / `2025-09-19`."""
    if value is None:
        return ""
    return _short_date(value, language)


@lru_cache(maxsize=8192)
def _short_date(value: date, language: str) -> str:
    """short_date() once per day and language (a date and a datetime never compare equal: no mix-up)."""
    return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()


def deadline_text(value: Optional[datetime], language: str = "fr") -> str:
    """`24/09/2025 à 17:00`."""
    if value is None:
        return ""
    if value.tzinfo is None:  # aware datetimes equal across time zones would share an entry: not memoised
        return _naive_deadline_text(value, language)
    return _deadline_text(value, language)


@lru_cache(maxsize=4096)
def _naive_deadline_text(value: datetime, language: str) -> str:
    """deadline_text() of a naive datetime, once per value and language."""
    return _deadline_text(value, language)


def _deadline_text(value: datetime, language: str) -> str:
    """deadline_text() proper."""
    word = labels(language)["at"]
    return f"{short_date(value.date(), language)} {word} {value:%H:%M}"


def money(amount: Optional[float], language: str = "fr") -> str:
    """`28 000 €` / `€28,000`."""
    if amount is None:
        return ""
    return _money(amount, language)


@lru_cache(maxsize=8192)
def _money(amount: float, language: str) -> str:
    """money() once per amount and language: Babel is slow, amounts repeat (1 and 1.0 give the same text)."""
    if language == "en":
        return f"€{format_decimal(round(amount), locale='en_GB')}"
    text = format_decimal(round(amount), locale="fr_FR")
    return f"{text} €".replace("\u202f", " ").replace("\xa0", " ")


def percent(value: Optional[int], language: str = "fr") -> str:
    """`40 %` / `40%`."""
    if value is None:
        return ""
    return f"{value}%" if language == "en" else f"{value} %"
