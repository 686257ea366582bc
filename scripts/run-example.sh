#!/usr/bin/env bash
# `make run`: generates the example knowledge base's office documents, ingests
# them with the bundled text files into a fresh collection, runs a few searches
# with explanations, questions over its tables and documents (ask, sql) and FAQ
# answers, then serves it.
set -euo pipefail
BUILD=${1:-build}
G="$BUILD/glassbox"
DATA_DIR="$BUILD/example-data"
KB_DIR="$DATA_DIR/kb"
PORT=${GLASSBOX_PORT:-8080}
DOCS_DIR="$BUILD/example-docs"
rm -rf "$DATA_DIR" "$DOCS_DIR"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

# The office documents of the knowledge base (a PDF contract, a Word policy, an Excel ledger, a slide deck, an
# HTML page, a mail with a PDF attached, a scanned delivery note) are generated from the text sources in
# examples/kb-sources (pandoc, ReportLab, PIL; scripts/setup.sh installs them).
step /usr/bin/python3 examples/kb-sources/make_documents.py "$DOCS_DIR"
step "$G" ingest "$KB_DIR" examples/kb "$DOCS_DIR" --exclude README.md
step "$G" stats "$KB_DIR"
step "$G" search "$KB_DIR" "cement price per tonne" -k 3
step "$G" search "$KB_DIR" '"annual leave" carry-over' -k 2 --explain
step "$G" search "$KB_DIR" '報銷 标准' -k 3
step "$G" search "$KB_DIR" 'cement date:[2024-01-01 TO 2026-12-31]' -k 3 --no-snippet
step "$G" search "$KB_DIR" 'priority:high -vpn' -k 3 --no-snippet
# Hits from the generated documents carry their page (PDF pages, slides, the scan), sheet or section.
step "$G" search "$KB_DIR" "terminate the formwork rental written notice" -k 2
step "$G" search "$KB_DIR" "仲裁委员会" -k 1
step "$G" search "$KB_DIR" "delivery note washed sand" -k 1
step "$G" search "$KB_DIR" "excavator blind spots" -k 1
step "$G" search "$KB_DIR" "tower crane Harbour Lifting" -k 1
step "$G" explain "$KB_DIR" "cement price per tonne" examples/kb/contracts/steel-rebar-eastline.txt#1 -k 1
# Tables: the CSV file is also a table in $KB_DIR/tables.sqlite; a fixed --today keeps the output stable.
step "$G" tables "$KB_DIR"
step "$G" sql "$KB_DIR" "How much cement did we buy in the last three years?" --today 2026-10-20
step "$G" sql "$KB_DIR" "过去三年我们买了多少水泥？" --today 2026-10-20
step "$G" sql "$KB_DIR" "Which supplier did we spend the most with?" --today 2026-10-20
# Questions: routed to the tables or the documents, answers with verified citations, "not found", steps.
step "$G" ask "$KB_DIR" "What is the price of bagged cement per tonne?"
step "$G" ask "$KB_DIR" "How much cement did we buy in the last three years, and which supplier delivered most of it?" --today 2026-10-20
step "$G" ask "$KB_DIR" "过去三年我们买了多少水泥？" --today 2026-10-20
# A table against a document: the contract price (documents, cited) vs the average paid (SQL), compared in one unit.
step "$G" ask "$KB_DIR" "Is the contract price of bagged cement above what we paid on average in 2025?" --today 2026-10-20
step "$G" ask "$KB_DIR" "中砂的合同价格是否高于2025年我们支付的平均单价？" --today 2026-10-20
step "$G" ask "$KB_DIR" "What notice must be given to terminate the formwork rental contract?"
step "$G" ask "$KB_DIR" "What is the capital of France?"
# FAQ mode: stored answers verbatim, or a hand-off to a person.
step "$G" ingest-faq "$KB_DIR" examples/kb/faq/faq.md examples/kb/faq/常见问题.md
step "$G" ask "$KB_DIR" "Can I work from home?" --faq
step "$G" ask "$KB_DIR" "How do I book a meeting room on the moon?" --faq
printf '\nThe collection is in %s; try: %s search %s "your question"\n' "$KB_DIR" "$G" "$KB_DIR"
printf '\n\033[1mGlassbox is serving the example knowledge base: open http://127.0.0.1:%s/\033[0m  (Ctrl-C stops it)\n\n' "$PORT"
exec "$G" serve --data "$DATA_DIR" --port "$PORT"
