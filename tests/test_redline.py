"""Record diff and the tracked-changes redline of an amended CRC."""
from __future__ import annotations

import copy
import io
import random
import shutil
import textwrap
import subprocess
from datetime import date
from pathlib import Path

import docx
import pytest
import yaml
from lxml import etree

from conftest import GOOD_CRC, Scratch
from generator.context import crc_context
from generator.documents import template_set
from generator.models import Crc, CrcDoc, Located
from generator.naming import document_name
from generator.outputs import crc_jobs
from generator.project import load_project
from generator.render.docx import DocxRenderer
from generator.render.redline import W, previous_view, redline, redline_output
from generator.templates import template_path

AS_OF = "2025-09-25"
REPO = Path(__file__).resolve().parent.parent
V10 = GOOD_CRC.replace("    validation: {deadline", "    sent_on: 2025-09-20\n    validation: {deadline")
EDITS = {
    'version: "1.0"': 'version: "1.1"',
    "sent_on: 2025-09-20\n": "amendment: {reason: Corrections du client}\n",
    "due: 2025-09-24": "due: 2025-09-25",
    "SSO sur 1 200 postes": "SSO sur 1 500 postes",
    "owner_client: M. Dubois": "owner_client: Mme Leroy",
    "    dependencies:\n      - Validation de la clause pénalité par le juridique\n": "",
    '      - {title: Enregistrement de la réunion, ref: "CRM://ACME/rec-0919"}\n':
        '      - {title: Enregistrement de la réunion, ref: "CRM://ACME/rec-0919"}\n'
        '      - {title: Mail de correction, ref: "CRM://ACME/mail-0920"}\n',
}


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


@pytest.fixture
def amended(scratch_project: Scratch, run_cli) -> tuple[Scratch, Path]:
    """v1.0 (sent, locked) and v1.1 with field edits, built into out/."""
    scratch_project.crc("acme.yaml", V10)
    v11 = V10
    for old, new in EDITS.items():
        assert old in v11, old
        v11 = v11.replace(old, new)
    scratch_project.crc("acme-v1.1.yaml", v11)
    assert run_cli("lock", "--root", str(scratch_project.root))[0] == 0
    out = scratch_project.root / "out"
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", AS_OF, "-q")
    assert code == 0, err
    return scratch_project, out


def revisions(data: bytes) -> list[tuple[str, str]]:
    """(ins|del, changed text) per paragraph, in document order."""
    body = docx.Document(io.BytesIO(data)).element.body
    out = []
    for p in body.iter(q("p")):
        found: list[tuple[str, str]] = []
        for mark in p.iter(q("ins"), q("del")):
            kind = etree.QName(mark).localname
            text = "".join(t.text or "" for t in mark.iter(q("t"), q("delText")))
            if not text:
                continue
            if found and found[-1][0] == kind:
                found[-1] = (kind, found[-1][1] + text)
            else:
                found.append((kind, text))
        out += found
    return out


def paragraphs(root: etree._Element) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(q("t"))) for p in root.iter(q("p"))]


def resolve(data: bytes, accept: bool) -> list[str]:
    """The paragraph texts after accepting (or rejecting) every tracked change."""
    body = copy_body(data)
    drop, keep = ("del", "ins") if accept else ("ins", "del")
    for row in [r for r in body.iter(q("tr")) if r.find(f"{q('trPr')}/{q(drop)}") is not None]:
        row.getparent().remove(row)
    for p in [p for p in body.iter(q("p")) if p.find(f"{q('pPr')}/{q('rPr')}/{q(drop)}") is not None]:
        p.getparent().remove(p)
    for mark in list(body.iter(q(drop))):
        if mark.getparent().tag == q("p"):
            mark.getparent().remove(mark)
    for t in body.iter(q("delText")):
        t.tag = q("t")
    return paragraphs(body)


def copy_body(data: bytes) -> etree._Element:
    return etree.fromstring(etree.tostring(docx.Document(io.BytesIO(data)).element.body))


def test_redline_marks_exactly_the_changed_fields(amended) -> None:
    _, out = amended
    assert not (out / "crc/CRC-2025-09-19-ACME-v1.0-redline.docx").exists()
    data = (out / "crc/CRC-2025-09-19-ACME-v1.1-redline.docx").read_bytes()
    assert revisions(data) == [
        ("del", "1.0"), ("ins", "1.1"),                     # the version and its status, in the header table
        ("del", "Envoyé"), ("ins", "Brouillon"),
        ("del", "1 200"), ("ins", "1 500"),
        ("del", "M. Dubois"), ("ins", "Mme Leroy"),
        ("del", "Dépendances"), ("del", "Validation de la clause pénalité par le juridique"),
        ("del", "24/09/2025"), ("ins", "25/09/2025"),
        ("ins", "Mail de correction"), ("ins", "CRM://ACME/mail-0920"),
    ]
    body = docx.Document(io.BytesIO(data)).element.body
    marks = list(body.iter(q("ins"), q("del")))
    assert {m.get(q("author")) for m in marks} == {"Zoé Martin"}
    assert {m.get(q("date")) for m in marks} == {"2025-09-20T00:00:00Z"}
    ids = [m.get(q("id")) for m in marks]
    assert len(ids) == len(set(ids))
    settings = docx.Document(io.BytesIO(data)).settings.element
    assert [etree.QName(c).localname for c in settings][:2] == ["zoom", "trackRevisions"]
    # the new row is an inserted row, the removed section's paragraphs are deleted paragraphs
    assert len([r for r in body.iter(q("tr")) if r.find(f"{q('trPr')}/{q('ins')}") is not None]) == 1
    assert len([p for p in body.iter(q("p")) if p.find(f"{q('pPr')}/{q('rPr')}/{q('del')}") is not None]) == 2


def test_accept_all_gives_this_version_and_reject_all_the_previous(amended) -> None:
    scratch, out = amended
    data = (out / "crc/CRC-2025-09-19-ACME-v1.1-redline.docx").read_bytes()
    new = (out / "crc/CRC-2025-09-19-ACME-v1.1.docx").read_bytes()
    assert resolve(data, accept=True) == paragraphs(copy_body(new))
    project = load_project(scratch.root, date.fromisoformat(AS_OF))
    job = next(j for j in crc_jobs(project) if j.name.endswith("v1.1"))
    before = DocxRenderer(Path(template_set(scratch.root).docx), "crc.docx").render(previous_view(job.previous, job.context))
    assert resolve(data, accept=False) == paragraphs(copy_body(before))


def test_html_page_shows_the_same_changes(amended) -> None:
    _, out = amended
    html = (out / "crc/CRC-2025-09-19-ACME-v1.1.html").read_text(encoding="utf-8")
    assert "Modifications depuis la version précédente" in html
    assert "<th>Livrables › Brief besoins › Échéance</th><td><del>24/09/2025</del> → <ins>25/09/2025</ins></td>" in html
    assert "<th>Prochaine étape › Responsable client</th><td><del>M. Dubois</del> → <ins>Mme Leroy</ins></td>" in html
    assert "<th>Dépendances</th><td><del>Validation de la clause pénalité par le juridique</del></td>" in html
    assert "<ins>Mail de correction (CRM://ACME/mail-0920)</ins>" in html
    assert "Corrections du client" in html  # the version history shows the reason
    first = (out / "crc/CRC-2025-09-19-ACME-v1.0.html").read_text(encoding="utf-8")
    assert "Modifications depuis" not in first and "Historique des versions" in first


def test_record_diff_fields(amended) -> None:
    scratch, _ = amended
    project = load_project(scratch.root, date.fromisoformat(AS_OF))
    job = next(j for j in crc_jobs(project) if j.name.endswith("v1.1"))
    assert [(c["field"], c["old"], c["new"]) for c in job.context["changes"]] == [
        ("Faits saillants", "Critère n°1 : SSO sur 1 200 postes.", "Critère n°1 : SSO sur 1 500 postes."),
        ("Prochaine étape › Responsable client", "M. Dubois", "Mme Leroy"),
        ("Dépendances", "Validation de la clause pénalité par le juridique", ""),
        ("Livrables › Brief besoins › Échéance", "24/09/2025", "25/09/2025"),
        ("Pièces et preuves", "", "Mail de correction (CRM://ACME/mail-0920)"),
    ]


def test_unchanged_content_gives_no_revision(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", V10)
    scratch_project.crc("acme-v1.1.yaml", V10.replace('version: "1.0"', 'version: "1.1"').replace(
        "sent_on: 2025-09-20\n", "amendment: {reason: Renvoi à un nouveau destinataire}\n"))
    run_cli("lock", "--root", str(scratch_project.root))
    out = scratch_project.root / "out"
    assert run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", AS_OF, "-q")[0] == 0
    assert revisions((out / "crc/CRC-2025-09-19-ACME-v1.1-redline.docx").read_bytes()) == [
        ("del", "1.0"), ("ins", "1.1"), ("del", "Envoyé"), ("ins", "Brouillon")]   # the version only


def test_sample_acme_v11_marks_the_version_status_and_the_corrected_date() -> None:
    if not (REPO / "content/crc/acme/2025-09-19-decouverte-v1.1.yaml").exists():
        pytest.skip("sample content not present")
    project = load_project(REPO, date(2025, 10, 24))
    job = next(j for j in crc_jobs(project) if j.name == "CRC-2025-09-19-ACME-v1.1")
    renderer = DocxRenderer(Path(template_set(REPO).docx), "crc.docx")
    files = redline_output(job, renderer.render(job.context), {"docx": renderer})
    changes = revisions(files["crc/CRC-2025-09-19-ACME-v1.1-redline.docx"])
    assert changes[:6] == [("del", "1.0"), ("ins", "1.1"), ("del", "Corrigé"), ("ins", "Validé"),
                           ("del", "23/09/2025"), ("ins", "25/09/2025")]
    assert all(kind == "ins" for kind, _ in changes[6:])  # the client's corrected mail, added as evidence


#: advance widths in em of DejaVu Sans, the widest face a reader may get for Calibri (LibreOffice without Carlito)
WIDE_EM = {**dict.fromkeys("0123456789", 0.636), "/": 0.337, "-": 0.361}


def test_date_columns_hold_a_changed_date(amended) -> None:
    """A changed date reads « old new » on one line: its column holds two dates, struck and inserted, unbroken."""
    _, out = amended
    body = docx.Document(io.BytesIO((out / "crc/CRC-2025-09-19-ACME-v1.1-redline.docx").read_bytes())).element.body
    cell = next(tc for tc in body.iter(q("tc")) if any(t.text == "25/09/2025" for t in tc.iter(q("t"))))
    shown = "".join(t.text for t in cell.iter(q("delText"), q("t")))
    assert shown == "24/09/202525/09/2025"                             # the two dates whole, in one paragraph
    needed = sum(WIDE_EM[c] for c in shown) * 9.5 * 20 + 2 * 96       # twips: Table Text 9.5 pt, cell margins
    assert int(cell.find(f"{q('tcPr')}/{q('tcW')}").get(q("w"))) >= needed
    milestones = next(tbl for tbl in body.iter(q("tbl")) if "Jalon client" in "".join(
        t.text or "" for t in tbl.iter(q("t"))))
    assert int(milestones.findall(f"{q('tblGrid')}/{q('gridCol')}")[-1].get(q("w"))) >= needed


def test_word_level_edit_inside_a_paragraph() -> None:
    def doc(text: str) -> bytes:
        d = docx.Document()
        d.add_paragraph("Titre")
        p = d.add_paragraph()
        p.add_run("Go pour un ").bold = True
        p.add_run(text)
        buf = io.BytesIO()
        d.save(buf)
        return buf.getvalue()
    data = redline(doc("cadrage le 26/09 avec M. Dubois."), doc("cadrage le 29/09 avec M. Dubois."), "dealdocs",
                   "2025-09-20T00:00:00Z")
    assert revisions(data) == [("del", "26/09"), ("ins", "29/09")]
    body = docx.Document(io.BytesIO(data)).element.body
    assert resolve(data, accept=True)[1] == "Go pour un cadrage le 29/09 avec M. Dubois."
    assert resolve(data, accept=False)[1] == "Go pour un cadrage le 26/09 avec M. Dubois."
    bold = [r for r in body.iter(q("r")) if r.find(f"{q('rPr')}/{q('b')}") is not None]
    assert ["".join(t.text for t in r.iter(q("t"))) for r in bold] == ["Go pour un "]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_the_redline(amended, tmp_path: Path) -> None:
    _, out = amended
    src = out / "crc/CRC-2025-09-19-ACME-v1.1-redline.docx"
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                             "--outdir", str(tmp_path), str(src)], capture_output=True, timeout=180)
    pdf = tmp_path / "CRC-2025-09-19-ACME-v1.1-redline.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr
    from pypdf import PdfReader
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "25/09/2025" in text and "Mail de correction" in text
    assert "24/09/202525/09/2025" in text             # the struck date and the new one side by side, neither broken
    assert "1.01.1" in text and "EnvoyéBrouillon" in text


EDIT_OPS = {
    "fact_edit": lambda r: r["facts"].__setitem__(1, r["facts"][1].replace("1 200", "1 350") + " (précisé)"),
    "fact_del": lambda r: r["facts"].pop(0),
    "fact_add": lambda r: r["facts"].insert(2, "Nouveau fait : périmètre élargi à 3 sites."),
    "decision_add": lambda r: r["decisions"].append("Lancement du pilote en novembre."),
    "risk_del": lambda r: r.pop("risks"),
    "risk_add": lambda r: r["risks"].append({"text": "Sécurité à valider", "category": "IT", "mitigation": "Revue RSSI"}),
    "dependency_del": lambda r: r.pop("dependencies"),
    "owner": lambda r: r["next_step"].__setitem__("owner_vendor", "Samir Haddad"),
    "deliverable_add": lambda r: r["deliverables"].insert(0, {"what": "Planning", "by": "Zoé Martin",
                                                              "due": "2025-09-30", "format": "XLSX"}),
    "milestones_del": lambda r: r.pop("milestones"),
    "participant_add": lambda r: r["participants"]["client"].append({"name": "A. Martin", "role": "RSSI"}),
    "amount": lambda r: r["crm"].__setitem__("amount", 31500),
    "swap_facts": lambda r: r["facts"].insert(0, r["facts"].pop(1)),
}


@pytest.mark.parametrize("seed", range(8))
def test_accept_and_reject_round_trip_on_random_edits(seed: int) -> None:
    rnd = random.Random(seed)
    before = yaml.safe_load(textwrap.dedent(GOOD_CRC))
    after = copy.deepcopy(before)
    for name in rnd.sample(sorted(EDIT_OPS), 4):
        EDIT_OPS[name](after)
    after.update(version="1.1", amendment={"reason": "Corrections"})

    def view(record: dict) -> dict:
        crc = Crc.model_validate(record)
        return crc_context(CrcDoc(crc, document_name(crc), Located("x.yaml"), record))
    renderer = DocxRenderer(template_path(None, "crc.docx"), "crc.docx")
    old_ctx, new_ctx = view(before), view(after)
    new = renderer.render(new_ctx)
    old = renderer.render(previous_view(old_ctx, new_ctx))
    data = redline(old, new, "dealdocs", "2025-09-20T00:00:00Z")
    assert resolve(data, accept=True) == paragraphs(copy_body(new))
    assert resolve(data, accept=False) == paragraphs(copy_body(old))
    assert revisions(data)
