#!/usr/bin/env python3
"""Samples that hide active content from rules keyed on names: OOXML parts moved out of
their usual folders (a macro sheet under xl/worksheets/, a DDE link under xl/links/), a
macro document embedded as a package part, fields outside word/, OLE2 names in another
case, and the like. Each is run through bunri-sanitize like hostile.py's samples and the
output is checked by what the parts are (relationship types, content types, root
elements), not by where they live.

usage: evasion.py BUNRI_SANITIZE WORKDIR"""
import io
import os
import struct
import sys
import zipfile
from xml.dom import minidom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402
from hostile import CT_HEAD, RELS_HEAD, R, W, zipbytes  # noqa: E402

S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
MS = "http://schemas.microsoft.com/office/2006/relationships/"
XML_CT = '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# relationship types (last segment) and content types (substrings) that must not survive
BAD_REL_TYPES = {"vbaproject", "xlmacrosheet", "xlintlmacrosheet", "dialogsheet", "externallink",
                 "connections", "querytable", "package", "oleobject", "control",
                 "activexcontrolbinary", "attachedtemplate", "afchunk"}
BAD_CTYPES = ["vbaproject", "macrosheet", "dialogsheet", "externallink", "spreadsheetml.connections",
              "querytable", "activex", "oleobject", "macroenabled.12"]
BAD_ROOTS = {"macrosheet", "dialogsheet", "externalLink", "connections", "queryTable"}


def rels(*rs):
    return RELS_HEAD + "".join(f'<Relationship Id="rId{i}" Type="{t}" Target="{g}"/>'
                               for i, (t, g) in enumerate(rs, 1)) + "</Relationships>"


def workbook(parts, ct_extra, wb_extra=""):
    """An xlsx: workbook with sheet1 plus the given (name, data, content type, relationship
    type) parts, each related from the workbook."""
    ct = (CT_HEAD + XML_CT +
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_CT}"/>' +
          "".join(f'<Override PartName="/{n}" ContentType="{c}"/>' for n, _, c, _ in parts if c) +
          ct_extra + "</Types>")
    wb_rels = rels((OD + "worksheet", "worksheets/sheet1.xml"),
                   *[(t, n[3:]) for n, _, _, t in parts])
    sheets = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(parts) + 2))
    wb = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{S}" xmlns:r="{R}"><sheets>{sheets}</sheets>'
          f'{wb_extra}</workbook>')
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S}"><sheetData/></worksheet>'
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels((OD + "officeDocument", "xl/workbook.xml"))),
                     ("xl/workbook.xml", wb), ("xl/_rels/workbook.xml.rels", wb_rels),
                     ("xl/worksheets/sheet1.xml", sheet)] + [(n, d) for n, d, _, _ in parts])


MACRO = ('<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
         '<sheetData><row r="1"><c r="A1"><f>EXEC("calc.exe")</f></c></row></sheetData></xm:macrosheet>')
DDELINK = (f'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="{S}"><ddeLink ddeService="cmd" ddeTopic="/c calc">'
           '<ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>')
CONN = (f'<?xml version="1.0"?><connections xmlns="{S}"><connection id="1" name="q" type="4">'
        '<webPr url="http://example.invalid/q"/></connection></connections>')


def ooxml_samples():
    # 1: the XLM macro sheet moved to xl/worksheets/, with its real content and relationship types
    yield "xlm_moved.xlsm", workbook([("xl/worksheets/sheet2.xml", MACRO, "application/vnd.ms-excel.macrosheet+xml",
                                       MS + "xlMacrosheet")], ""), "sanitized", ["ooxml.macrosheet"], "ooxml"
    # the same under a worksheet content type and relationship: only its root element tells
    yield "xlm_disguised.xlsx", workbook([("xl/worksheets/sheet2.xml", MACRO, SHEET_CT, OD + "worksheet")], ""), \
        "sanitized", ["ooxml.macrosheet"], "ooxml"
    # 2: a DDE externalLink and a web connection outside xl/externalLinks/ and xl/connections.xml
    yield "ddelink_moved.xlsx", workbook(
        [("xl/links/link1.xml", DDELINK, "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
          OD + "externalLink"),
         ("xl/data/c.xml", CONN, "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml",
          OD + "connections")], "", '<externalReferences><externalReference r:id="rId2"/></externalReferences>'), \
        "sanitized", ["ooxml.external_link", "ooxml.data_connection"], "ooxml"
    # 4: a macro-enabled document embedded through a package relationship
    yield "pkg_embed.docx", pkg_embed(), "sanitized", ["ooxml.embedded_object"], "ooxml"


def pkg_embed():
    ct = (CT_HEAD + XML_CT +
          '<Default Extension="docm" ContentType="application/vnd.ms-word.document.macroEnabled.12"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          "</Types>")
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}" xmlns:r="{R}" '
           'xmlns:o="urn:schemas-microsoft-com:office:office"><w:body><w:p><w:r><w:t>see attached</w:t></w:r></w:p>'
           '<w:p><w:r><w:object><o:OLEObject ProgID="Word.DocumentMacroEnabled.12" r:id="rId1"/></w:object></w:r></w:p>'
           "</w:body></w:document>")
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels((OD + "officeDocument", "word/document.xml"))),
                     ("word/document.xml", doc),
                     ("word/_rels/document.xml.rels", rels((OD + "package", "objs/Doc1.docm"))),
                     ("word/objs/Doc1.docm", hostile.docm())])


W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
DOC_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx(body, folder="word", ns=W, doc_name="document.xml"):
    """A docx whose main part is FOLDER/DOC_NAME in namespace NS, body inside w:body."""
    ct = CT_HEAD + XML_CT + f'<Override PartName="/{folder}/{doc_name}" ContentType="{DOC_CT}"/></Types>'
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}"><w:body>'
           f'<w:p><w:r><w:t>本文</w:t></w:r></w:p>{body}</w:body></w:document>')
    return zipbytes([("[Content_Types].xml", ct),
                     ("_rels/.rels", rels((OD + "officeDocument", f"{folder}/{doc_name}"))),
                     (f"{folder}/{doc_name}", doc)])


def field(*instr):
    """A complex field whose instruction is split over the given runs."""
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>' +
            "".join(f'<w:r><w:instrText xml:space="preserve">{i}</w:instrText></w:r>' for i in instr) +
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>result</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


DDE = 'DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc"'


def field_samples():
    # 3: the main part outside word/, under a name that does not end in .xml, and Strict
    yield "dde_docfolder.docx", docx(field(" DD", DDE[2:]), folder="doc"), "sanitized", ["ooxml.dde"], "ooxml"
    yield "dde_odd_name.docx", docx(field(DDE), folder="x", doc_name="main.dat"), "sanitized", ["ooxml.dde"], "ooxml"
    yield "dde_strict.docx", docx(field(DDE) + f'<w:p><w:fldSimple w:instr="{DDE.replace(chr(34), "&quot;")}"/></w:p>', ns=W_STRICT), \
        "sanitized", ["ooxml.dde"], "ooxml"
    # more instruction runs than the walk used to remember: the tail must not survive
    yield "dde_many_runs.docx", docx(field(*([" "] * 40 + [DDE]))), "sanitized", ["ooxml.dde"], "ooxml"
    # the keyword comes from a nested field; a picture fetched from a URL
    nested = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>' + field("QUOTE 68 68 69").replace("<w:p>", "").replace("</w:p>", "") +
              '<w:r><w:instrText> c:\\\\cmd.exe</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    yield "dde_nested_keyword.docx", docx(nested), "sanitized", ["ooxml.dde"], "ooxml"
    yield "include_remote.docx", docx(field('INCLUDEPICTURE "http://example.invalid/t.png" \\d') +
                                      field('INCLUDETEXT "\\\\\\\\host\\\\share\\\\a.docx"')), \
        "sanitized", ["ooxml.remote_field"], "ooxml"
    yield "include_local.docx", docx(field('INCLUDEPICTURE "logo.png"') + field("PAGE")), "clean", [], "ooxml"


def instructions(xml):
    """Field instructions of a WordprocessingML part in either namespace, complex
    fields joined across runs (nested fields left out of their parent), simple fields."""
    found, stack = [], []
    doc = minidom.parseString(xml)
    for el in doc.getElementsByTagName("*"):
        if el.namespaceURI not in (W, W_STRICT):
            continue
        if el.localName == "fldChar":
            t = el.getAttributeNS(el.namespaceURI, "fldCharType")
            if t == "begin":
                stack.append("")
            elif t in ("separate", "end") and stack:
                if stack[-1] is not None:
                    found.append(stack[-1])
                stack[-1] = None
                if t == "end":
                    stack.pop()
        elif el.localName == "instrText" and stack and stack[-1] is not None:
            stack[-1] += "".join(c.data for c in el.childNodes if c.nodeType == c.TEXT_NODE)
        elif el.localName == "fldSimple":
            found.append(el.getAttributeNS(el.namespaceURI, "instr"))
    return found


def check_ooxml(name, inp, out, variant):
    """hostile.py's OOXML checks, then every relationship type, content type and root
    element of the output, wherever the part lives."""
    hostile.check_ooxml(name, inp, out, variant)
    z = zipfile.ZipFile(out)
    for n in z.namelist():
        data = z.read(n)
        if not n.endswith((".xml", ".rels")) and not data.startswith(b"<?xml"):
            if data[:4] == b"PK\3\4" or data[:4] == b"\xd0\xcf\x11\xe0":
                fail(name, f"{n} is an embedded document")
            continue
        doc = minidom.parseString(data)
        root = doc.documentElement
        for i in instructions(data):
            u = i.strip().upper()
            if u.startswith("DDE") or (u.startswith("INCLUDE") and ("://" in u or "\\\\" in u)):
                fail(name, f"{n}: field {i!r} left")
        if root.localName in BAD_ROOTS:
            fail(name, f"{n} is a {root.localName} part")
        for rel in doc.getElementsByTagName("Relationship"):
            t = rel.getAttribute("Type").rsplit("/", 1)[-1].lower()
            if t in BAD_REL_TYPES:
                fail(name, f"{n}: relationship of type {t} left")
        for el in doc.getElementsByTagName("Override") + doc.getElementsByTagName("Default"):
            c = el.getAttribute("ContentType").lower()
            if any(b in c for b in BAD_CTYPES):
                fail(name, f"[Content_Types].xml still names {c}")


def ole2_samples():
    """6: storage and stream names in another case than Office writes them."""
    from hostile import BOF, EOF_REC, biff, boundsheet, cfb, fib
    yield "macro_case.doc", cfb({"WordDocument": fib(), "1Table": b"\0" * 64,
                                 "MACROS": {"vba": {"dir": b"\x01" * 32, "ThisDocument": b"Sub AutoOpen()"}},
                                 "objectpool": {"_1234": {"\x01OLE10NATIVE": b"MZ package"}}}), \
        "sanitized", ["ole2.vba", "ole2.object_pool"], "ole2"
    yield "macro_case.xls", cfb({"Workbook": biff(BOF, boundsheet(0), EOF_REC),
                                 "_vba_project_cur": {"VBA": {"dir": b"\x01" * 32}},
                                 "mbd0001": {"\x01ole10native": b"MZ"}}), \
        "sanitized", ["ole2.vba", "ole2.embedded_object"], "ole2"
    yield "xlm_case.xls", cfb({"WORKBOOK": biff(BOF, boundsheet(0), boundsheet(1), EOF_REC)}), "blocked", [], None
    yield "encrypted_case.doc", cfb({"wordDocument": fib(encrypted=True), "1Table": b"\0" * 64}), "blocked", [], None


def cfb_samples():
    """7: compound files that are not Word, Excel or PowerPoint (an Ichitaro-like file
    under .jtd, the same under .doc), and a Word file under an Ichitaro name."""
    from hostile import cfb, fib
    other = cfb({"DocumentText": b"\0" * 600, "Attribute": b"\0" * 64, "Macro": {"Script": b"run"}})
    yield "generic_cfb.jtd", other, "blocked", [], None
    yield "generic_cfb.doc", other, "blocked", [], None
    yield "word_as.jtd", cfb({"WordDocument": fib(), "1Table": b"\0" * 64}), "blocked", [], None


def word97_samples():
    """5: DDE and remote INCLUDEPICTURE fields in Word 97 text (no piece table here,
    so the bytes themselves are read; test_word97.c covers the piece table), and an
    Excel 97 DDE link (SUPBOOK "cmd\\x03/c calc")."""
    from hostile import BOF, EOF_REC, biff, boundsheet, cfb, fib
    dde = b'\x13 DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"\x14\x15'
    yield "dde97.doc", cfb({"WordDocument": fib() + b"text" + dde, "1Table": b"\0" * 64}), "blocked", [], None
    inc = '\x13INCLUDEPICTURE "http://example.invalid/t.png"\x14p\x15'.encode("utf-16-le")
    yield "include97.doc", cfb({"WordDocument": fib() + inc, "1Table": b"\0" * 64}), "blocked", [], None
    yield "page97.doc", cfb({"WordDocument": fib() + b"\x13 PAGE \x14" b"1\x15", "1Table": b"\0" * 64}), \
        "clean", [], "ole2"
    supbook = (0x01AE, struct.pack("<HHB", 1, 11, 0) + b"cmd\x03/c calc")
    yield "dde97.xls", cfb({"Workbook": biff(BOF, boundsheet(0), supbook, EOF_REC)}), "blocked", [], None


def mail_samples():
    """11: scripts sent as inline text/plain parts that carry a file name."""
    head = ("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n請求書を送ります。\r\n--B\r\n")
    msg = (head + 'Content-Type: text/plain; name="invoice.vbs"\r\n\r\n'
           'CreateObject("WScript.Shell").Run "calc"\r\n--B\r\n'
           'Content-Type: text/plain\r\nContent-Disposition: inline; filename="seikyu.hta"\r\n\r\n'
           "<script>new ActiveXObject('WScript.Shell').Run('calc')</script>\r\n--B\r\n"
           'Content-Type: text/plain; name="memo.txt"\r\n\r\n=cmd|\' /c calc\'!A0\r\n--B--\r\n')
    yield "inline_script.eml", msg.encode(), "sanitized", ["mail.attachment_blocked"], "mail"


def check_mail(name, inp, out, variant):
    import email
    import email.policy
    m = email.message_from_bytes(open(out, "rb").read(), policy=email.policy.default)
    names = [p.get_filename() for p in m.walk() if p.get_filename()]
    for fn in names:
        if fn.lower().endswith((".vbs", ".hta")):
            fail(name, f"script part {fn} left")
    if names != ["memo.txt"]:
        fail(name, f"parts with names {names}, wanted memo.txt only")
    body = "".join(p.get_content() for p in m.walk() if p.get_content_type() == "text/plain")
    if "請求書を送ります。" not in body or "WScript" in body:
        fail(name, "body text wrong: " + body[:200])


def check_ole2(name, inp, out, variant):
    d = open(out, "rb").read().lower()
    for k in ("macros", "_vba_project", "objectpool", "ole10native", "mbd0"):
        if k.encode("utf-16-le") in d:
            fail(name, f"storage {k} (in some case) left in the output")
    hostile.check_ole2(name, inp, out, variant)


def fail(name, msg):
    hostile.fail(name, msg)


def main():
    binary, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    hostile.CHECKS["ooxml"] = check_ooxml
    hostile.CHECKS["ole2"] = check_ole2
    hostile.CHECKS["mail"] = check_mail
    samples = list(ooxml_samples()) + list(field_samples()) + list(ole2_samples()) + list(cfb_samples()) + list(word97_samples()) + list(mail_samples())
    for s in samples:
        hostile.run(binary, workdir, *s)
    print(f"{len(samples)} samples, {len(hostile.FAILS)} failures")
    return 1 if hostile.FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
