#!/usr/bin/env python3
"""Generates an enterprise-like schema for the catalog-at-scale benchmark.

26 business domains x 10 record kinds x 8 regions = 2,080 tables. Tables of one
(domain, kind) are regional shards with identical columns, every table shares
six generic columns (record_id, record_date, status, region, amount, quantity),
and the specific columns come from a pool of 64 concepts reused across domains,
so column names overlap heavily. Domains, kinds and columns carry synonyms
(the Glassbox catalog's _gb_tables / _gb_columns, as a schema sidecar would
give them). Questions name a target table and column through its words or a
synonym; the gold is that (table, column).

  /usr/bin/python3 bench/sql_catalog/gen_schema.py OUT_DIR [--questions N] [--seed S]

writes OUT_DIR/enterprise.sqlite and OUT_DIR/questions.jsonl. Standard library only.
"""
import argparse
import json
import os
import random
import sqlite3

DOMAINS = [
    ("sales", ["selling"]), ("purchasing", ["procurement", "buying"]), ("payroll", ["compensation"]),
    ("inventory", ["stock"]), ("logistics", ["distribution"]), ("marketing", ["advertising"]),
    ("support", ["helpdesk"]), ("finance", ["accounting"]), ("manufacturing", ["production"]),
    ("maintenance", ["upkeep"]), ("recruiting", ["hiring"]), ("projects", ["programmes"]),
    ("quality", ["assurance"]), ("energy", ["utilities"]), ("fleet", ["vehicles"]), ("travel", ["trips"]),
    ("training", ["learning"]), ("rentals", ["leasing"]), ("insurance", ["coverage"]), ("legal", ["compliance"]),
    ("research", ["laboratory"]), ("facilities", ["buildings"]), ("it", ["technology"]), ("security", ["safety"]),
    ("retail", ["stores"]), ("wholesale", ["trade"]),
]
KINDS = [
    ("orders", ["bookings"]), ("invoices", ["bills"]), ("shipments", ["deliveries"]), ("returns", ["refunds"]),
    ("contracts", ["agreements"]), ("budgets", ["allocations"]), ("payments", ["remittances"]),
    ("tickets", ["cases"]), ("assets", ["equipment"]), ("timesheets", ["worklogs"]),
]
REGIONS = ["north", "south", "east", "west", "central", "asia", "europe", "americas"]
CONCEPTS = [
    ("unit_price", ["price per unit"]), ("freight_cost", ["shipping charge", "delivery fee"]),
    ("discount_rate", ["markdown"]), ("tax_amount", ["vat", "levy"]), ("headcount", ["staff count"]),
    ("overtime_hours", ["extra hours"]), ("lead_time_days", ["turnaround"]), ("defect_count", ["faults"]),
    ("energy_kwh", ["electricity use", "power consumption"]), ("mileage_km", ["distance driven"]),
    ("customer_name", ["client"]), ("supplier_name", ["vendor", "provider"]), ("warehouse_code", ["depot"]),
    ("project_code", ["initiative"]), ("cost_center", ["budget code"]), ("due_date", ["deadline"]),
    ("approval_level", ["signoff tier"]), ("priority", ["urgency"]), ("satisfaction_score", ["csat"]),
    ("margin", ["profit share"]), ("currency_code", ["money type"]), ("invoice_total", ["billed sum"]),
    ("tonnage", ["weight shipped"]), ("downtime_minutes", ["outage time"]), ("renewal_date", ["expiry"]),
    ("premium", ["insurance fee"]), ("claim_amount", ["claimed sum"]), ("course_hours", ["training time"]),
    ("room_count", ["rooms"]), ("fuel_litres", ["fuel used"]), ("license_count", ["seats"]),
    ("incident_count", ["breaches"]), ("budget_limit", ["spending cap"]), ("forecast", ["projection"]),
    ("variance", ["deviation"]), ("commission", ["sales bonus"]), ("salary", ["wage"]), ("bonus", ["incentive"]),
    ("age_days", ["days open"]), ("weight_kg", ["mass"]), ("volume_m3", ["cubic metres"]),
    ("temperature", ["heat reading"]), ("pressure", ["psi"]), ("capacity", ["max load"]),
    ("utilization", ["usage rate"]), ("backlog", ["pending work"]), ("lead_source", ["channel"]),
    ("campaign", ["promotion"]), ("clicks", ["visits"]), ("impressions", ["views"]),
    ("conversion_rate", ["uptake"]), ("churn", ["attrition"]), ("tenure_months", ["service length"]),
    ("sku", ["item code", "product code"]), ("batch_number", ["lot"]), ("serial_number", ["unit id"]),
    ("inspection_result", ["qa outcome"]), ("route", ["lane"]), ("carrier", ["haulier"]), ("port", ["harbour"]),
    ("hours_billed", ["chargeable time"]), ("late_fee", ["penalty"]), ("deposit", ["down payment"]),
    ("exchange_rate", ["fx rate"]),
]
COMMON = [("record_id", "integer", []), ("record_date", "date", ["when"]), ("status", "text", ["state of play"]),
          ("region", "text", ["area"]), ("amount", "real", ["money", "value"]), ("quantity", "integer", ["units"])]
TEXT_HINTS = ("_name", "_code", "_number", "sku", "route", "carrier", "port", "campaign", "lead_source",
              "inspection_result", "priority", "cost_center")
TEMPLATES = [
    "what is the total {col} of {dom} {kind} in the {reg} region",
    "average {col} for {reg} {dom} {kind}",
    "show the {col} of {dom} {kind} ({reg})",
    "{dom} {kind} {reg}: highest {col}",
    "how much {col} did {reg} {dom} {kind} record last year",
    "list {col} by status for {dom} {kind} in {reg}",
]


def col_type(name):
    if name.endswith("_date"):
        return "date"
    if any(h in name for h in TEXT_HINTS):
        return "text"
    return "real"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "enterprise.sqlite")
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE _gb_tables(name TEXT PRIMARY KEY, source TEXT NOT NULL, sheet TEXT, description TEXT, "
        "synonyms TEXT, row_count INTEGER);"
        "CREATE TABLE _gb_columns(table_name TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, "
        "header TEXT, type TEXT NOT NULL, unit TEXT, currency TEXT, unit_column TEXT, description TEXT, "
        "synonyms TEXT, PRIMARY KEY(table_name, position));"
        "CREATE TABLE _gb_values(table_name TEXT NOT NULL, column_name TEXT NOT NULL, value TEXT NOT NULL, "
        "synonym TEXT NOT NULL);")
    tables = []
    for di, (dom, dsyn) in enumerate(DOMAINS):
        for ki, (kind, ksyn) in enumerate(KINDS):
            # The specific columns of a (domain, kind): four concepts, the same in every regional shard.
            pick = random.Random(di * 100 + ki).sample(range(len(CONCEPTS)), 4)
            for reg in REGIONS:
                name = f"{dom}_{kind}_{reg}"
                cols = [(n, t, s) for n, t, s in COMMON] + [(CONCEPTS[p][0], col_type(CONCEPTS[p][0]), CONCEPTS[p][1])
                                                          for p in pick]
                syns = sorted({f"{d} {k} {reg}" for d in [dom] + dsyn for k in [kind] + ksyn})
                desc = f"{dom} {kind} of the {reg} region"
                db.execute(f'CREATE TABLE "{name}"(' + ", ".join(f'"{n}" {t.upper()}' for n, t, _ in cols) + ")")
                rows = []
                for r in range(3):
                    row = []
                    for n, t, _ in cols:
                        if n == "region":
                            row.append(reg)
                        elif n == "status":
                            row.append(["open", "closed", "pending"][r])
                        elif t == "date":
                            row.append(f"2025-0{r + 1}-1{r}")
                        elif t == "text":
                            row.append(f"{n[:3]}-{di}{ki}{r}")
                        else:
                            row.append(round(rng.uniform(1, 1000), 2))
                    rows.append(row)
                db.executemany(f'INSERT INTO "{name}" VALUES(' + ",".join("?" * len(cols)) + ")", rows)
                db.execute("INSERT INTO _gb_tables VALUES(?,?,?,?,?,?)",
                           (name, f"erp/{dom}/{kind}_{reg}.csv", "", desc, json.dumps(syns), 3))
                for pos, (n, t, s) in enumerate(cols):
                    db.execute("INSERT INTO _gb_columns VALUES(?,?,?,?,?,?,?,?,?,?)",
                               (name, pos, n, n, t, "", "", "", f"{n.replace('_', ' ')} of the {kind}", json.dumps(s)))
                tables.append((name, dom, dsyn, kind, ksyn, reg, cols))
    db.commit()
    db.close()
    with open(os.path.join(a.out, "questions.jsonl"), "w") as f:
        for i in range(a.questions):
            name, dom, dsyn, kind, ksyn, reg, cols = rng.choice(tables)
            # The target: one of the table's specific columns, or amount / quantity.
            n, t, syn = rng.choice(cols[6:] + [cols[4], cols[5]])
            words = n.replace("_", " ") if rng.random() < 0.5 or not syn else rng.choice(syn)
            d = dom if rng.random() < 0.5 else rng.choice(dsyn)
            k = kind if rng.random() < 0.5 else rng.choice(ksyn)
            q = rng.choice(TEMPLATES).format(col=words, dom=d, kind=k, reg=reg)
            f.write(json.dumps({"id": f"q{i}", "question": q, "table": name, "column": n,
                                "column_via": "name" if words == n.replace("_", " ") else "synonym"}) + "\n")
    print(f"{len(tables)} tables, {a.questions} questions -> {a.out}")


if __name__ == "__main__":
    main()
