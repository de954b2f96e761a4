#!/usr/bin/env bash
# Writes the fuzzer's starting inputs into DIR/TARGET/ (default fuzz/seeds/): the first rows of
# every kind of file the demo writes (the demo at crates/fuzzing's BOOKS_SCALE and BOOKS_SEED, so
# the rows name people of the books the imports check against), the examples of docs/formats/, the
# repository's own files (examples/, policies/, scenarios/, frameworks/, mortality/), and hand-made
# edge cases: GBK, a BOM with CRLF, an unclosed quote, a control character, header only, and the
# first seed of each import as xlsx and as ods.
#
#   fuzz/make-seeds.sh [DIR]        (YANGLAO=path/to/yanglao to use a built binary)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/fuzz/seeds}")"
yanglao="${YANGLAO:-}"
if [ -z "$yanglao" ]; then
  cargo build -q -p yanglao --manifest-path "$root/Cargo.toml"
  yanglao="${CARGO_TARGET_DIR:-$root/target}/debug/yanglao"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$yanglao" --db sqlite::memory: demo --out "$tmp/demo" --scale 0.001 --seed 2023 > /dev/null 2>&1
data="$tmp/demo/数据"

rm -rf "$out"
targets="table persons hardship contributions deaths certifications bank-return bank-agreements
bank-statement budget fund-arrivals survey worksheet policy scenario framework mortality domain"
for t in $targets; do mkdir -p "$out/$t"; done

# first N data rows of a file (plus its header)
head_rows() { head -n "$(($2 + 1))" "$1"; }
# the k-th ```lang block of a markdown file
block() { awk -v want="$2" -v lang="$3" '
  $0 ~ "^```" lang "$" { n++; if (n == want) { on = 1; next } }
  /^```$/ { on = 0 } on { print }' "$1"; }

# --- the demo's files, first rows -------------------------------------------------------------
head_rows "$data/参保人员.csv" 3 > "$out/persons/demo-3.csv"
head_rows "$data/参保人员.csv" 12 > "$out/persons/demo-12.csv"
# a known person with another phone and bank: the path that updates the register
head_rows "$data/参保人员.csv" 2 | awk -F, 'BEGIN{OFS=","} NR==2{$4="13900000000"} {print}' > "$out/persons/demo-changed.csv"
head_rows "$data/困难群体.csv" 3 > "$out/hardship/demo-3.csv"
head_rows "$data/困难群体.csv" 12 > "$out/hardship/demo-12.csv"
head_rows "$data/2021年第1季度缴费.csv" 3 > "$out/contributions/demo-2021q1.csv"
head_rows "$data/2023年第4季度缴费.csv" 8 > "$out/contributions/demo-2023q4.csv"
head_rows "$data/2023年12月缴费（年末）.csv" 3 > "$out/contributions/demo-2023-12.csv"
deaths=("$data"/死亡信息-*.csv)
# rows of several reports in one file (one report alone was imported as it is: its hash is known)
{ head -n 1 "${deaths[0]}"; for f in "${deaths[@]}"; do tail -n +2 "$f"; done; } > "$out/deaths/demo-all.csv"
{ head -n 1 "${deaths[0]}"; tail -n +2 "${deaths[0]}"; tail -n +2 "${deaths[1]}"; } > "$out/deaths/demo-two.csv"
ret="$(find "$data/发放" -name '*.回盘.csv' | sort | sed -n 1p)"
pay="${ret%.回盘.csv}"
head_rows "$ret" 3 > "$out/bank-return/demo-return.csv"
head_rows "$pay" 2 > "$out/bank-return/demo-payment-file.csv"
head_rows "$data/基金专户协议.csv" 2 > "$out/bank-agreements/demo-2.csv"
head_rows "$data/银行对账单-2023-Q4.csv" 4 > "$out/bank-statement/demo-2023q4.csv"
head_rows "$data/2023年财政补助预算.csv" 3 > "$out/budget/demo-2023.csv"
head_rows "$data/2023年补助资金到位.csv" 4 > "$out/fund-arrivals/demo-2023.csv"
head_rows "$data/2023年满意度及政策知晓度调查.csv" 5 > "$out/survey/demo-5.csv"
head_rows "$tmp/demo/评价工作底稿.csv" 6 > "$out/worksheet/demo-6.csv"
# certifications: the demo writes none; three people of its register, certified in 2023
{ echo "身份证号,姓名,认证日期,认证方式"
  tail -n +2 "$data/参保人员.csv" | sed -n 1,3p | awk -F, '{print $1 "," $2 ",2023-06-10,人脸识别"}'; } \
  > "$out/certifications/demo-3.csv"

# --- docs/formats examples ---------------------------------------------------------------------
block "$root/docs/formats/persons.md" 1 csv > "$out/persons/doc.csv"
block "$root/docs/formats/hardship.md" 1 csv > "$out/hardship/doc.csv"
block "$root/docs/formats/contributions.md" 1 csv > "$out/contributions/doc.csv"
block "$root/docs/formats/deaths.md" 1 csv > "$out/deaths/doc.csv"
block "$root/docs/formats/certifications.md" 1 csv > "$out/certifications/doc.csv"
block "$root/docs/formats/bank-return.md" 1 csv > "$out/bank-return/doc.csv"
block "$root/docs/formats/bank-payment.md" 1 csv > "$out/bank-return/doc-payment.csv"
block "$root/docs/formats/bank.md" 1 csv > "$out/bank-agreements/doc.csv"
block "$root/docs/formats/bank.md" 2 csv > "$out/bank-statement/doc.csv"
block "$root/docs/formats/budget.md" 1 csv > "$out/budget/doc.csv"
block "$root/docs/formats/survey.md" 1 csv > "$out/survey/doc.csv"
block "$root/docs/formats/worksheet.md" 1 csv > "$out/worksheet/doc.csv"
block "$root/docs/formats/mortality.md" 1 csv > "$out/mortality/doc.csv"
block "$root/docs/formats/policy.md" 1 toml > "$out/policy/doc.toml"
block "$root/docs/formats/scenario.md" 1 toml > "$out/scenario/doc.toml"
# fund arrivals have the budget's columns and a date
{ echo "年度,级次,类别,金额(元),到位日期"; echo "2023,省级,出口补,1000000.00,2023-05-10"; } > "$out/fund-arrivals/hand.csv"

# --- the repository's own files ----------------------------------------------------------------
head_rows "$root/examples/persons.csv" 5 > "$out/persons/example.csv"
head_rows "$root/examples/hardship.csv" 5 > "$out/hardship/example.csv"
head_rows "$root/examples/contributions-2021.csv" 5 > "$out/contributions/example-2021.csv"
cp "$root/examples/demo/评价工作底稿.csv" "$out/worksheet/example.csv"
for f in "$root"/policies/*.toml "$root/examples/demo/policy.toml"; do
  cp "$f" "$out/policy/$(basename "$(dirname "$f")")-$(basename "$f")"
done
cp "$root"/scenarios/*.toml "$out/scenario/"
cp "$root"/frameworks/*.toml "$out/framework/"
cp "$root/mortality/illustrative.csv" "$out/mortality/"

# --- the table reader: one file of each kind, and real spreadsheets ------------------------------
for t in persons contributions deaths bank-return survey worksheet; do
  cp "$(ls "$out/$t"/*.csv | sed -n 1p)" "$out/table/$t.csv"
done
cp "$(find "$data/发放" -name '*.xlsx' | sort | sed -n 1p)" "$out/table/payroll-plan.xlsx"

# --- hand-made edge cases for every table target ------------------------------------------------
python3 - "$out" <<'PY'
import os, sys, zipfile, io
out = sys.argv[1]

def text_of(path):
    b = open(path, "rb").read()
    try:
        return b.decode("utf-8-sig")
    except UnicodeDecodeError:
        return b.decode("gb18030")

def rows_of(path):
    import csv
    return list(csv.reader(io.StringIO(text_of(path), newline="")))

def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s

def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

def xlsx(rows):
    sheet = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, 1):
        sheet.append(f'<row r="{r}">')
        for c, v in enumerate(row):
            ref = f"{col(c)}{r}"
            # amounts as numbers, everything else as text, as a clerk's sheet would have them
            try:
                float(v)
                numeric = r > 1 and "." in v and len(v) < 16
            except ValueError:
                numeric = False
            if numeric:
                sheet.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif v:
                sheet.append(f'<c r="{ref}" t="inlineStr"><is><t>{esc(v)}</t></is></c>')
        sheet.append("</row>")
    sheet.append("</sheetData></worksheet>")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
    return b.getvalue()

def ods(rows):
    body = ['<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">']
    for row in rows:
        body.append("<table:table-row>")
        for v in row:
            body.append(f'<table:table-cell office:value-type="string"><text:p>{esc(v)}</text:p></table:table-cell>')
        body.append("</table:table-row>")
    body.append("</table:table></office:spreadsheet></office:body></office:document-content>")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr("content.xml", "".join(body))
    return b.getvalue()

imports = ["persons", "hardship", "contributions", "deaths", "certifications", "bank-return",
           "bank-agreements", "bank-statement", "budget", "fund-arrivals", "survey", "worksheet"]
for t in imports + ["table"]:
    d = os.path.join(out, t)
    first = sorted(f for f in os.listdir(d) if f.endswith(".csv"))[0]
    text = text_of(os.path.join(d, first))
    rows = rows_of(os.path.join(d, first))
    lines = text.splitlines()
    w = lambda name, b: open(os.path.join(d, name), "wb").write(b)
    w("edge-gbk.csv", text.encode("gb18030"))
    w("edge-bom-crlf.csv", b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    w("edge-header-only.csv", (lines[0] + "\n").encode())
    w("edge-unclosed-quote.csv", (lines[0] + "\n\"" + lines[-1] + "\n").encode())
    w("edge-control-char.csv", (lines[0] + "\n" + lines[-1].replace(",", ",\x01", 1) + "\n").encode())
    w("edge-short-row.csv", (lines[0] + "\n" + lines[-1].split(",")[0] + "\n").encode())
    w("edge.xlsx", xlsx(rows))
    w("edge.ods", ods(rows))
# the value parsers: one kind of value a file, one value a line
values = {
    "ids": ["140302195003021003", "14030219510406140x", "14030219510406140X", "140302195002301003",
            " 140302195003021003 ", "１４０３０２１９５００３０２１００３"],
    "accounts": ["6228480000111122223", "6228 4800 0011 1122 223", "622848-0000", "1234567"],
    "amounts": ["200", "200.5", "1,000.00", "￥200.00", "-0.01", "1,0,0", "200.50000000000001",
                "999999999999999.99"],
    "dates": ["2023-03-15", "2023/3/15", "2023.3.15", "20230315", "2023年3月15日", "2023-02-29",
              "1900-01-01", "2100-12-31"],
    "months": ["2023-07", "202307", "2023年7月", "2023/7", "2023-13"],
    "regions": ["140302", "140300", "140000", "14030"],
}
for name, vs in values.items():
    open(os.path.join(out, "domain", name + ".txt"), "w").write("\n".join(vs) + "\n")

def cut(target, src, name, n):
    text = open(os.path.join(out, target, src), encoding="utf-8").read()
    open(os.path.join(out, target, name), "w").write("\n".join(text.splitlines()[:n]) + "\n")

cut("framework", "yangquan-2023.toml", "first-40-lines.toml", 40)
cut("framework", "yangquan-2023.toml", "first-120-lines.toml", 120)
cut("framework", "yangquan-2023.toml", "first-300-lines.toml", 300)
open(os.path.join(out, "framework", "hand-two-levels.toml"), "w").write(
    '[framework]\nname = "x"\nsource = "y"\ntotal = 10\n\n[[indicator]]\ncode = "A"\nname = "决策"\npoints = 10\n\n'
    '[[indicator]]\ncode = "A1"\nparent = "A"\nname = "政策"\npoints = 10\n\n'
    '[[indicator]]\ncode = "A11"\nparent = "A1"\nname = "更新"\npoints = 10\nrule = "judgement"\ncriterion = "满分"\n')
cut("mortality", "illustrative.csv", "first-ages.csv", 20)
open(os.path.join(out, "mortality", "hand-gap.csv"), "w").write("年龄,男,女\n0,0.001,0.001\n2,0.002,0.002\n")
open(os.path.join(out, "mortality", "hand-bad-rate.csv"), "w").write("年龄,男,女\n0,1.5,0.001\n1,0.002,-0.1\n")
cut("scenario", "finer-tiers.toml", "first-12-lines.toml", 12)
cut("scenario", "reform-2027.toml", "first-15-lines.toml", 15)
PY
echo "seeds in $out: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"
