"""Runs fieldproof's test library on DuckDB, on the same Parquet parts, from the document
`fieldproof test --emit-sql FILE` writes: the raw tables over the parts, the helper tables,
the views and each test's population and exception queries, unchanged.

Usage: duckdb_tests.py RUN_SQL.json tests|floor [THREADS]
  tests  runs every test: the population count and the exception rows (sorted on every column,
         fetched), printing one line per test: id, population, exceptions.
  floor  reads and decodes every value of the columns the tests read (every column but
         `extra`) once: the floor for any engine that reads the data at all.
"""
import json
import sys

import duckdb

TYPES = {"text": "VARCHAR", "timestamp": "TIMESTAMP", "boolean": "BOOLEAN", "integer": "BIGINT", "float": "DOUBLE"}


def setup(con, doc):
    for d in doc["datasets"]:
        cols = ", ".join(f'"{n}" {TYPES[t]}' for n, t in d["columns"])
        if d["parts"]:
            files = ", ".join("'" + p.replace("'", "''") + "'" for p in d["parts"])
            con.execute(f'CREATE VIEW {d["table"]} AS SELECT * FROM read_parquet([{files}])')
        else:
            con.execute(f'CREATE TABLE {d["table"]} ({cols})')
    for name in ("scope_components", "period_quarters", "telemetry_expectations", "expected_backups"):
        if name not in doc:
            continue
        t = doc[name]
        cols = ", ".join(f'"{n}" {TYPES[ty]}' for n, ty in t["columns"])
        con.execute(f"CREATE TABLE {name} ({cols})")
        if t["rows"]:
            marks = ", ".join("?" for _ in t["columns"])
            con.executemany(f"INSERT INTO {name} VALUES ({marks})", t["rows"])
    for sql in doc["views"]:
        con.execute(sql)


def main():
    doc = json.load(open(sys.argv[1]))
    mode = sys.argv[2]
    con = duckdb.connect()
    if len(sys.argv) > 3:
        con.execute(f"SET threads = {int(sys.argv[3])}")
    con.execute("SET TimeZone = 'UTC'")
    setup(con, doc)
    if mode == "tests":
        for t in doc["tests"]:
            population = con.execute(f'SELECT count(*) FROM ({t["population"]}) AS population').fetchone()[0]
            rows = con.execute(f'SELECT * FROM ({t["exceptions"]}) AS exceptions ORDER BY ALL').fetchall()
            print(t["id"], population, len(rows))
    elif mode == "floor":
        for d in doc["datasets"]:
            if not d["parts"]:
                continue
            cols = [n for n, _ in d["columns"] if n != "extra"]
            # sum(hash(...)) decodes every value (count or min/max could be answered from the
            # Parquet statistics without reading the data).
            hashes = ", ".join(f'sum(hash("{c}"))' for c in cols)
            con.execute(f'SELECT {hashes} FROM {d["table"]}').fetchall()
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
