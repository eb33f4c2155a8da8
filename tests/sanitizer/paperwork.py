#!/usr/bin/env python3
"""Ordinary paperwork a city sends every day, made the way real writers make it, that
must come through: photos (JPEG with restart markers and stuffed bytes, ending right at
EOI) alone, inside a .docx and attached to a mail; PowerPoint 97 files whose VBAInfo
says "no macros"; Excel 97 links to other workbooks; mail saved with an mbox line or
without a From header; archives and mail whose every member is removed; an XPS file.
Each is run through bunri-sanitize like hostile.py's samples, and the output is compared
with the input where nothing should change.

usage: paperwork.py BUNRI_SANITIZE WORKDIR"""
import base64
import email
import email.policy
import io
import json
import os
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402
from hostile import CT_HEAD, RELS_HEAD, R, W, fail, zipbytes  # noqa: E402


# ---------------------------------------------------------------- JPEG
class Bits:
    """Entropy-coded data: MSB first, a 0x00 stuffed after every 0xFF, padded with ones."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, nbits):
        for i in range(nbits - 1, -1, -1):
            self.acc = self.acc << 1 | (value >> i & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)
                self.acc = self.n = 0

    def flush(self):
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)


def seg(marker, body):
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg(levels=(130, 34, 255, 0, 130, 34, 0, 255), restart=2):
    """A baseline greyscale JPEG, one 8x8 block per level (each block flat, so only its
    DC coefficient is coded), with a restart marker every RESTART blocks. Huffman
    tables: DC categories 0-11 as 4-bit codes, AC only EOB as code '0'."""
    w = 8 * len(levels)
    out = b"\xff\xd8" + seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
    out += seg(0xDB, b"\0" + b"\x01" * 64)
    out += seg(0xC0, struct.pack(">BHHB", 8, 8, w, 1) + b"\x01\x11\x00")
    out += seg(0xC4, b"\x00" + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12)))
    out += seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    out += seg(0xDD, struct.pack(">H", restart))
    out += seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    bits, pred, rst = Bits(), 0, 0
    for i, v in enumerate(levels):
        if i and i % restart == 0:
            bits.flush()
            bits.out += bytes([0xFF, 0xD0 + rst % 8])
            rst += 1
            pred = 0
        dc = 8 * (v - 128)
        diff, pred = dc - pred, dc
        cat = abs(diff).bit_length()
        bits.put(cat, 4)
        if cat:
            bits.put(diff if diff > 0 else diff + (1 << cat) - 1, cat)
        bits.put(0, 1)
    bits.flush()
    data = bytes(bits.out)
    assert b"\xff\x00" in data and b"\xff\xd0" in data, "generator: no stuffed byte or RST"
    return out + data + b"\xff\xd9"


def picture_docx(pic):
    ct = (CT_HEAD +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="jpeg" ContentType="image/jpeg"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          '</Types>')
    rels = RELS_HEAD + f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/></Relationships>'
    doc_rels = RELS_HEAD + f'<Relationship Id="rId1" Type="{R}/image" Target="media/image1.jpeg"/></Relationships>'
    A = "http://schemas.openxmlformats.org/drawingml/2006/main"
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:a="{A}"><w:body>'
                '<w:p><w:r><w:t>写真</w:t></w:r></w:p><w:p><w:r><a:blip r:embed="rId1"/></w:r></w:p>'
                '</w:body></w:document>')
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", document),
                     ("word/_rels/document.xml.rels", doc_rels), ("word/media/image1.jpeg", pic)])


def jpeg_mail(pic):
    return (b"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: photo\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
            b"Content-Type: text/plain; charset=UTF-8\r\n\r\n" + "現場の写真です。".encode() + b"\r\n--B\r\n"
            b'Content-Type: image/jpeg; name="site.jpg"\r\nContent-Disposition: attachment; filename="site.jpg"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(pic) + b"\r\n--B--\r\n")


def jpeg_samples():
    pic = jpeg()
    yield "photo.jpg", pic, "clean", [], "same"
    yield "photo_trailer.jpg", pic + zipbytes([("x.js", "WScript")]), "sanitized", ["image.trailing_data"], "jpeg"
    yield "photo_cut.jpg", pic[:-2], "blocked", [], None
    yield "photo.docx", picture_docx(pic), "clean", [], "docx_picture"
    yield "photo.eml", jpeg_mail(pic), "clean", [], "mail_jpeg"


def check_same(name, inp, out, variant):
    if open(out, "rb").read() != inp:
        fail(name, "an ordinary file was changed")


def check_jpeg(name, inp, out, variant):
    d = open(out, "rb").read()
    if not d.endswith(b"\xff\xd9") or b"PK" in d:
        fail(name, "data after EOI left")


def check_docx_picture(name, inp, out, variant):
    hostile.check_ooxml(name, inp, out, variant)
    want = zipfile.ZipFile(io.BytesIO(inp)).read("word/media/image1.jpeg")
    z = zipfile.ZipFile(out)
    if "word/media/image1.jpeg" not in z.namelist() or z.read("word/media/image1.jpeg") != want:
        fail(name, "the picture was removed or changed")


def check_mail_jpeg(name, inp, out, variant):
    m = email.message_from_bytes(open(out, "rb").read(), policy=email.policy.default)
    got = [p.get_payload(decode=True) for p in m.walk() if p.get_filename() == "site.jpg"]
    if got != [jpeg()]:
        fail(name, "the JPEG attachment was dropped or changed")


# ---------------------------------------------------------------- PowerPoint 97
def rec(ver, inst, rtype, body):
    return struct.pack("<HHI", ver | inst << 4, rtype, len(body)) + body


def ppt(has_macros):
    """A Document container holding a VBAInfo container whose VBAInfoAtom (MS-PPT
    2.4.10) has fHasMacros as given: PowerPoint writes 0 into presentations without VBA."""
    atom = rec(2, 0, 0x0400, struct.pack("<III", 1, has_macros, 2))
    vba = rec(0xF, 0, 0x03FF, atom)
    doc = rec(0xF, 0, 0x03E8, rec(1, 0, 0x03E9, b"\0" * 40) + vba)
    user = struct.pack("<HHIIIIHHH", 0, 0x0FF6, 20, 20, 0xE391C05F, 0, 0x03F4, 3, 3)
    return hostile.cfb({"PowerPoint Document": doc + b"\0" * 600, "Current User": user + b"\0" * 40})


def ppt_samples():
    yield "nomacro.ppt", ppt(0), "clean", [], "same_streams"
    yield "macro_flag.ppt", ppt(1), "blocked", [], None
    user = struct.pack("<HHIIIIHHH", 0, 0x0FF6, 20, 20, 0xE391C05F, 0, 0x03F4, 3, 3) + b"\0" * 40
    doc = rec(0xF, 0, 0x03E8, rec(1, 0, 0x03E9, b"\0" * 40))
    # the last atom declares more bytes than the stream holds (files PowerPoint opens)
    cut = doc + struct.pack("<HHI", 0, 0x0FBA, 4000) + b"\0" * 100
    yield "record_cut.ppt", hostile.cfb({"PowerPoint Document": cut, "Current User": user}), "clean", [], \
        "same_streams"
    # the same, then a VBAInfoAtom with macros behind the place the walk lost its way
    hidden = cut + rec(2, 0, 0x0400, struct.pack("<III", 1, 1, 2)) + b"\0" * 64
    yield "vba_after_cut.ppt", hostile.cfb({"PowerPoint Document": hidden, "Current User": user}), "blocked", [], None
    enc_user = struct.pack("<HHIIIIHHH", 0, 0x0FF6, 20, 20, 0xF3D1C4DF, 0, 0x03F4, 3, 3) + b"\0" * 40
    yield "encrypted.ppt", hostile.cfb({"PowerPoint Document": bytes(range(256)) * 8, "Current User": enc_user}), \
        "blocked", [], None


REASONS = {"encrypted.ppt": "encrypted PowerPoint", "vba_after_cut.ppt": "VBA"}


def check_same_streams(name, inp, out, variant):
    d = open(out, "rb").read()
    if not d.startswith(b"\xd0\xcf\x11\xe0") or "PowerPoint Document".encode("utf-16-le") not in d:
        fail(name, "the presentation stream is lost")


# ---------------------------------------------------------------- Excel 97
def supbook(ctab, path):
    """SUPBOOK (MS-XLS 2.4.271) with an 8-bit virtPath."""
    return (0x01AE, struct.pack("<HHB", ctab, len(path), 0) + path)


def xls_link(path):
    from hostile import BOF, EOF_REC, biff, boundsheet
    return hostile.cfb({"Workbook": biff(BOF, boundsheet(0), supbook(1, path), supbook(1, b"\x01\x04Q1"),
                                         EOF_REC)})


def xls_samples():
    from hostile import BOF, biff, boundsheet
    # the stream ends inside a LABELSST record (a cut file LibreOffice opens)
    cut = biff(BOF, boundsheet(0)) + struct.pack("<HH", 0x00FD, 10) + b"\0" * 4
    yield "record_cut.xls", hostile.cfb({"Workbook": cut}), "clean", [], "xls_link"
    # encoded VirtualPaths: 0x01 key, 0x01 volume letter, 0x01 '@' UNC, 0x05 URL, 0x03 folder separator
    yield "link_local.xls", xls_link(b"\x01\x01C\x03kaikei\x03yosan2024.xls"), "sanitized", ["ole2.external_link"], "xls_link"
    yield "link_unc.xls", xls_link(b"\x01\x01@fileserver\x03share\x03yosan2024.xls"), "sanitized", \
        ["ole2.external_link"], "xls_link"
    yield "link_http.xls", xls_link(b"\x01\x05\x26http://example.invalid/yosan2024.xls"), "sanitized", \
        ["ole2.external_link"], "xls_link"


def check_xls_link(name, inp, out, variant):
    d = open(out, "rb").read()
    if b"yosan2024" in d or b"Q1" in d or b"fileserver" in d:
        fail(name, "the external workbook's path is left")
    if "Workbook".encode("utf-16-le") not in d:
        fail(name, "the Workbook stream is lost")


# ---------------------------------------------------------------- mail
def mail_detect_samples():
    body = "来週の会議について".encode("iso-2022-jp")
    yield "mbox_line.eml", (b"From a@example.jp Mon Jan  1 00:00:00 2024\nFrom: a@example.jp\nTo: b@example.jp\n"
                            b"Subject: kaigi\nDate: Mon, 1 Jan 2024 00:00:00 +0900\n\n" + body + b"\n"), \
        "clean", [], "mail_text"
    yield "subject_first.eml", (b"Subject: kaigi\nX-Mailer: Becky!\nContent-Transfer-Encoding: 7bit\n\n" + body +
                                b"\n"), "clean", [], "mail_text"
    yield "content_type_first.eml", (b"Content-Type: text/plain; charset=ISO-2022-JP\n"
                                     b"Content-Transfer-Encoding: 7bit\n\n" + body + b"\n"), "clean", [], "mail_text"
    # 8-bit Shift_JIS body text, which libmagic does not call text
    yield "eightbit.eml", (b"From: a@example.jp\nSubject: kaigi\nContent-Type: text/plain; charset=Shift_JIS\n"
                           b"Content-Transfer-Encoding: 8bit\n\n" + "来週の会議について".encode("shift_jis") * 3 +
                           b"\x81\x40\n"), "clean", [], "mail_text"


def check_mail_text(name, inp, out, variant):
    m = email.message_from_bytes(open(out, "rb").read(), policy=email.policy.default)
    if not m["X-Bunri-Sanitized"]:
        fail(name, "not handled as mail")
    text = "".join(p.get_content() for p in m.walk() if p.get_content_type() == "text/plain")
    raw = b"".join(p.get_payload(decode=True) for p in m.walk() if p.get_content_type() == "text/plain")
    # a body without a charset stays as its bytes (here ISO-2022-JP)
    if "来週の会議について" not in text and "来週の会議について".encode("iso-2022-jp") not in raw:
        fail(name, "the body text is lost: " + text[:100])


# ---------------------------------------------------------------- everything removed
EXE = b"MZ\x90\x00" + b"\0" * 200


def one_attachment_mail(fname, data):
    return (b"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
            b'Content-Type: application/octet-stream; name="' + fname + b'"\r\n'
            b'Content-Disposition: attachment; filename="' + fname + b'"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"\r\n--B--\r\n")


def all_removed_samples():
    tools = zipbytes([("setup.exe", EXE), ("tools/run.exe", EXE)])
    yield "all_removed.zip", tools, "sanitized", ["archive.member_blocked"], "notice_zip"
    yield "all_removed_in_mail.eml", one_attachment_mail(b"tools.zip", tools), "sanitized", \
        ["archive.member_blocked"], "notice_mail_zip"
    yield "all_removed_mail.eml", one_attachment_mail(b"setup.exe", EXE), "sanitized", \
        ["mail.attachment_blocked"], "notice_mail"


def notice_of(name, z):
    if z.namelist() != ["bunri-removed.txt"]:
        fail(name, f"members {z.namelist()}, wanted the notice only")
        return
    t = z.read("bunri-removed.txt").decode()
    if "setup.exe" not in t or "tools/run.exe" not in t:
        fail(name, "the notice does not name what was removed: " + t)


def check_notice_zip(name, inp, out, variant):
    hostile.check_zip(name, inp, out, variant)
    notice_of(name, zipfile.ZipFile(out))


def check_notice_mail_zip(name, inp, out, variant):
    m = email.message_from_bytes(open(out, "rb").read(), policy=email.policy.default)
    got = [p.get_payload(decode=True) for p in m.walk() if p.get_filename() == "tools.zip"]
    if len(got) != 1:
        fail(name, "the archive attachment is gone")
        return
    notice_of(name, zipfile.ZipFile(io.BytesIO(got[0])))


def check_notice_mail(name, inp, out, variant):
    m = email.message_from_bytes(open(out, "rb").read(), policy=email.policy.default)
    text = "".join(p.get_content() for p in m.walk() if p.get_content_type() == "text/plain")
    if "setup.exe" not in text or "mail.attachment_blocked" not in text:
        fail(name, "no notice of the removed attachment in the body: " + text[:200])


# ---------------------------------------------------------------- XPS
def xps():
    """An XPS document: its FixedDocumentSequence sits at the package root, so libxml2
    resolves it against the current directory (getcwd) while the part is read."""
    X = "http://schemas.microsoft.com/xps/2005/06"
    ct = (CT_HEAD + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="fdseq" ContentType="application/vnd.ms-package.xps-fixeddocumentsequence+xml"/>'
          '<Default Extension="fdoc" ContentType="application/vnd.ms-package.xps-fixeddocument+xml"/>'
          '<Default Extension="fpage" ContentType="application/vnd.ms-package.xps-fixedpage+xml"/></Types>')
    rels = (RELS_HEAD + '<Relationship Type="http://schemas.microsoft.com/xps/2005/06/fixedrepresentation" '
            'Target="/FixedDocSeq.fdseq" Id="R0"/></Relationships>')
    return zipbytes([("[Content_Types].xml", ct), ("_rels/.rels", rels),
                     ("FixedDocSeq.fdseq", f'<FixedDocumentSequence xmlns="{X}"><DocumentReference '
                                           'Source="/Documents/1/FixedDoc.fdoc"/></FixedDocumentSequence>'),
                     ("Documents/1/FixedDoc.fdoc", f'<FixedDocument xmlns="{X}"><PageContent Source="Pages/1.fpage"/></FixedDocument>'),
                     ("Documents/1/Pages/1.fpage", f'<FixedPage xmlns="{X}" Width="816" Height="1056" xml:lang="ja">'
                                                   '<Path Data="M 0,0 L 10,10" Stroke="#000000"/></FixedPage>')])


def xps_samples():
    yield "form.xps", xps(), "clean", [], "xps"


def check_xps(name, inp, out, variant):
    z = zipfile.ZipFile(out)
    if "Documents/1/Pages/1.fpage" not in z.namelist():
        fail(name, "the page is lost")


# ---------------------------------------------------------------- zip tolerance
def quirky(z, quirk):
    """z with one of the quirks real writers leave and unzip -t accepts: the first
    local header's time or version differs from the central directory's, or bytes
    follow the end record."""
    d = bytearray(z)
    lh = d.find(b"PK\3\4")
    if quirk == "time":
        struct.pack_into("<H", d, lh + 10, 0x1234)
    elif quirk == "version":
        struct.pack_into("<H", d, lh + 4, 0x2d)
    else:
        d += b"\0" * 16
    return bytes(d)


def zip_samples():
    doc = picture_docx(jpeg())
    for q in ("time", "version", "trailing"):
        yield f"quirk_{q}.docx", quirky(doc, q), "clean", [], "docx_picture"
        yield f"quirk_{q}.zip", quirky(zipbytes([("memo.txt", "議事録\n"), ("photo.jpg", jpeg())]), q), \
            "clean", [], "zip"


CHECKS = {"xps": check_xps, "notice_zip": check_notice_zip, "notice_mail_zip": check_notice_mail_zip,
          "notice_mail": check_notice_mail, "mail_text": check_mail_text, "xls_link": check_xls_link, "same_streams": check_same_streams, "same": check_same, "jpeg": check_jpeg, "docx_picture": check_docx_picture,
          "mail_jpeg": check_mail_jpeg}


def main():
    binary, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    hostile.CHECKS.update(CHECKS)
    samples = []
    for gen in (jpeg_samples, ppt_samples, xls_samples, mail_detect_samples,
                all_removed_samples, xps_samples, zip_samples):
        samples += list(gen())
    for s in samples:
        hostile.run(binary, workdir, *s)
        if s[0] in REASONS:
            reason = json.load(open(os.path.join(workdir, s[0] + ".json"))).get("reason") or ""
            if REASONS[s[0]] not in reason:
                fail(s[0], f"reason {reason!r} does not say {REASONS[s[0]]!r}")
    print(f"{len(samples)} samples, {len(hostile.FAILS)} failures")
    return 1 if hostile.FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
