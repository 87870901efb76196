"""Every generated Word file opens: LibreOffice converts a sample of them, hostile content included."""
from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from conftest import GOOD_CRC, Scratch

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
REPO = Path(__file__).resolve().parent.parent
AS_OF = "2025-10-24"

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

LONG_WORD = "Anticonstitutionnellement" * 12
HOSTILE = {
    "client": "Société Générale & Fils <SA>",
    "client_code": "SGF",
    "subject": "Négociation « prix » <b>ferme</b> & SLA — 🚀🔥",
    "objective": "Valider le périmètre avec l'équipe شركة et עברית sans casser la mise en page.",
    "facts": ["Prix < 30 000 € & remise > 5 %", LONG_WORD, "Émoji 👩‍💼 dans le texte ✅",
              "Balises <script>alert(1)</script> recopiées d'un e-mail", "{{ pas_un_tag }} et {% non %}"],
    "decisions": ["Go & « on signe » le 12/10.", "Zoé Martin envoie le contrat (v2) — 100 % prêt."],
}


def _hostile_crc() -> str:
    record = yaml.safe_load(textwrap.dedent(GOOD_CRC))
    record.update(HOSTILE)
    record["participants"]["client"][0]["name"] = "Ölçü Ğüneş <DSI>"
    return yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=1000)


def _build(root: Path, out: Path, run_cli) -> None:
    code, stdout, stderr = run_cli("build", "--root", str(root), "--out", str(out), "--as-of", AS_OF, "-q")
    assert code == 0, stdout + stderr


def _convert(files: list[Path], outdir: Path, profile: Path) -> None:
    """One soffice call for all files (starting LibreOffice is the slow part)."""
    result = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                             "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr


def _pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return re.sub(r"\s+", " ", text)


def test_generated_word_files_convert_with_libreoffice(scratch_project: Scratch, run_cli, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.metrics
    import generator.outputs
    import generator.site
    for target, name in ((generator.outputs, "write_metrics"),
                         (generator.site, "write_site")):  # only the Word files matter here
        monkeypatch.setattr(target, name, lambda *args, **kwargs: [], raising=False)
    monkeypatch.setattr(generator.outputs, "start_board", lambda *args, **kwargs: list, raising=False)
    monkeypatch.setattr(generator.metrics, "from_project", lambda *args, **kwargs: None, raising=False)
    sample = tmp_path / "sample"
    shutil.copytree(REPO / "content", sample / "content")
    if (REPO / "crc.lock").is_file():
        shutil.copy(REPO / "crc.lock", sample / "crc.lock")
    _build(sample, tmp_path / "site-sample", run_cli)
    scratch_project.write("content/crc/hostile.yaml", _hostile_crc())
    _build(scratch_project.root, tmp_path / "site-hostile", run_cli)

    documents = sorted((tmp_path / "site-sample" / "crc").glob("*.docx"))
    redlines = [d for d in documents if d.name.endswith("-redline.docx")]
    plain = [d for d in documents if d not in redlines]
    chosen = plain[:3] + redlines[:1] + [tmp_path / "site-hostile" / "crc" / "CRC-2025-09-19-SGF-v1.0.docx"]
    assert len(chosen) >= 4
    pdfs = tmp_path / "pdf"
    _convert(chosen, pdfs, tmp_path / "lo-profile")

    for docx in chosen:
        pdf = pdfs / f"{docx.stem}.pdf"
        assert pdf.is_file(), f"LibreOffice could not open {docx.name}"
        text = _pdf_text(pdf)
        assert docx.stem.removesuffix("-redline") in text.replace(" ", "") or docx.stem in text, docx.name
    hostile = _pdf_text(pdfs / "CRC-2025-09-19-SGF-v1.0.pdf")
    for expected in ("Société Générale & Fils <SA>", "Prix < 30 000 € & remise > 5 %",
                     "Balises <script>alert(1)</script> recopiées", "{{ pas_un_tag }} et {% non %}",
                     "Ölçü Ğüneş <DSI>", "Go & « on signe » le 12/10."):
        assert expected in hostile, expected
    assert LONG_WORD[:100] in hostile.replace(" ", "")
