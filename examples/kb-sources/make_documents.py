#!/usr/bin/env python3
"""Generates the example knowledge base's office documents from the text sources in this folder.

usage: make_documents.py OUT_DIR

Writes (nothing binary is committed; `make run` calls this through scripts/run-example.sh):
  contracts/formwork-rental-contract.pdf   ReportLab, three pages (`\\newpage` in the source), English + Chinese
  policies/vehicle-policy.docx             pandoc (Word headings become sections)
  data/rental-ledger-2026.xlsx             zipfile (SpreadsheetML, real date cells), sheet "Rentals 2026"
  presentations/safety-review-q3.pptx      pandoc (one slide per `#` heading)
  intranet/canteen-and-shuttle.html        pandoc, standalone page with a navigation bar (dropped by the reader)
  mail/quote-climbing-brackets.eml         the e-mail module; the PDF quote attached
  scans/delivery-note-2026-0457.png        PIL: the delivery note drawn in English and Chinese, slightly turned
Needs /usr/bin/python3 with reportlab and PIL, pandoc and the WenQuanYi Micro Hei font (scripts/setup.sh).
"""
import datetime
import email.message
import email.utils
import os
import random
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def src(name):
    return os.path.join(HERE, name)


def md_blocks(text):
    """Headings, paragraphs, pipe tables and `\\newpage` of the Markdown the sources use."""
    out, para, table = [], [], []

    def flush():
        if para:
            out.append(("p", " ".join(para)))
            para.clear()
        if table:
            out.append(("table", [r for r in table if not set("".join(r)) <= set("-: ")]))
            table.clear()

    for line in text.splitlines():
        s = line.strip()
        if not s or s == "\\newpage":
            flush()
            if s:
                out.append(("newpage", None))
        elif s.startswith("#"):
            flush()
            level = len(s) - len(s.lstrip("#"))
            out.append(("h", (level, s[level:].strip())))
        elif s.startswith("|"):
            table.append([c.strip() for c in s.strip("|").split("|")])
        else:
            para.append(s)
    flush()
    return out


def pdf(markdown, path, title, author):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    body = ParagraphStyle("body", fontName="WQY", fontSize=11, leading=16, wordWrap="CJK", spaceAfter=6)
    heads = {1: ParagraphStyle("h1", parent=body, fontSize=20, leading=26, spaceAfter=10),
             2: ParagraphStyle("h2", parent=body, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4)}
    story = []
    for kind, payload in md_blocks(markdown):
        if kind == "h":
            story.append(Paragraph(payload[1], heads[min(payload[0], 2)]))
        elif kind == "p":
            story.append(Paragraph(payload, body))
        elif kind == "newpage":
            story.append(PageBreak())
        else:
            story.append(Table(payload, style=[("FONT", (0, 0), (-1, -1), "WQY", 10),
                                               ("GRID", (0, 0), (-1, -1), 0.5, (0.5, 0.5, 0.5))], hAlign="LEFT"))
            story.append(Spacer(1, 8))

    def footer(canvas, doc):
        canvas.setFont("WQY", 9)
        canvas.drawRightString(A4[0] - 72, 40, f"{title} · page {doc.page}")

    SimpleDocTemplate(path, pagesize=A4, title=title, author=author).build(story, onFirstPage=footer,
                                                                          onLaterPages=footer)


def pandoc(source, path, *extra):
    subprocess.run(["pandoc", "-f", "markdown", source, "-o", path, *extra], check=True)


def xlsx(csv_path, path, sheet):
    import csv
    rows = list(csv.reader(open(csv_path, encoding="utf-8")))
    epoch = datetime.date(1899, 12, 30)

    def cell(ref, value, header):
        if not header:
            try:
                d = datetime.date.fromisoformat(value)
                return f'<c r="{ref}" s="1"><v>{(d - epoch).days}</v></c>'
            except ValueError:
                pass
            try:
                float(value)
                return f'<c r="{ref}"><v>{value}</v></c>'
            except ValueError:
                pass
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    sheet_rows = "".join(
        f'<row r="{r + 1}">' + "".join(cell(f"{chr(65 + c)}{r + 1}", v, r == 0) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows))
    x = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ct = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", x + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                   'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                   'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override '
                   'PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.styles+xml"/></Types>')
        z.writestr("_rels/.rels", x + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{ct}/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml", x + f'<workbook {main} {rel}><sheets><sheet name="{sheet}" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", x + '<Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="rId1" Type="{ct}/worksheet" '
                   f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{ct}/styles" '
                   'Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", x + f'<styleSheet {main}><numFmts count="1"><numFmt numFmtId="164" '
                   'formatCode="yyyy\\-mm\\-dd"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/>'
                   '</fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
                   '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
                   '</styleSheet>')
        z.writestr("xl/worksheets/sheet1.xml", x + f'<worksheet {main}><sheetData>{sheet_rows}</sheetData>'
                   '</worksheet>')


def mail(source, path, attachment_dir):
    text = open(source, encoding="utf-8").read()
    head, rest = text.split("\n\n", 1)
    body, attached = rest.split("--- attachment: ", 1)
    name, attached_md = attached.split(" ---\n", 1)
    pdf_path = os.path.join(attachment_dir, name)
    pdf(attached_md, pdf_path, "Quote Q-2026-118", "Pinnacle Formwork Rentals Ltd.")
    msg = email.message.EmailMessage()
    for line in head.splitlines():
        key, value = line.split(": ", 1)
        msg[key] = value
    msg["Message-ID"] = "<q-2026-118@pinnacle-formwork.example>"
    msg.set_content(body.rstrip() + "\n")
    msg.add_attachment(open(pdf_path, "rb").read(), maintype="application", subtype="pdf", filename=name)
    with open(path, "wb") as f:
        f.write(bytes(msg))


def scan(source, path):
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
    lines = open(source, encoding="utf-8").read().splitlines()
    img = Image.new("L", (2000, 160 + 110 * len(lines)), 250)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 54)
    for i, line in enumerate(lines):
        d.text((110, 90 + 110 * i), line, font=font, fill=20)
    rnd = random.Random(457)  # fixed speckle, so every run draws the same page
    for _ in range(3000):
        d.point((rnd.randrange(img.width), rnd.randrange(img.height)), fill=rnd.randrange(120, 220))
    img = img.rotate(0.6, resample=Image.BICUBIC, fillcolor=250, expand=False).filter(ImageFilter.GaussianBlur(0.6))
    img.save(path, dpi=(300, 300))


def main():
    out = sys.argv[1]
    for sub in ("contracts", "policies", "data", "presentations", "intranet", "mail", "scans", "_attachments"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    pdf(open(src("formwork-rental-contract.md"), encoding="utf-8").read(),
        os.path.join(out, "contracts", "formwork-rental-contract.pdf"), "Formwork Rental Contract NW-R-2026-031",
        "Northwind Build Co.")
    pandoc(src("vehicle-policy.md"), os.path.join(out, "policies", "vehicle-policy.docx"))
    xlsx(src("rental-ledger.csv"), os.path.join(out, "data", "rental-ledger-2026.xlsx"), "Rentals 2026")
    pandoc(src("safety-review-slides.md"), os.path.join(out, "presentations", "safety-review-q3.pptx"))
    pandoc(src("canteen-and-shuttle.md"), os.path.join(out, "intranet", "canteen-and-shuttle.html"), "-s",
           "--metadata", "pagetitle=Canteen and Shuttle Bus", "--include-before-body",
           src("intranet-nav.html"))
    mail(src("mail-quote.txt"), os.path.join(out, "mail", "quote-climbing-brackets.eml"),
         os.path.join(out, "_attachments"))
    scan(src("delivery-note-scan.txt"), os.path.join(out, "scans", "delivery-note-2026-0457.png"))
    # The attachment travels inside the mail only.
    for f in os.listdir(os.path.join(out, "_attachments")):
        os.remove(os.path.join(out, "_attachments", f))
    os.rmdir(os.path.join(out, "_attachments"))


if __name__ == "__main__":
    main()
