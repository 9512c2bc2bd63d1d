"""Converts a JSON Lines file to Parquet with DuckDB's read_json, with the columns and types of
the fieldproof dataset given, as the peer of `fieldproof ingest`.

Usage: duckdb_ingest.py RUN_SQL.json DATASET INPUT.jsonl OUTPUT.parquet
"""
import json
import sys

import duckdb

TYPES = {"text": "VARCHAR", "timestamp": "TIMESTAMPTZ", "boolean": "BOOLEAN", "integer": "BIGINT", "float": "DOUBLE"}

doc = json.load(open(sys.argv[1]))
dataset = next(d for d in doc["datasets"] if d["name"] == sys.argv[2])
columns = ", ".join(f"'{n}': '{TYPES[t]}'" for n, t in dataset["columns"] if n != "extra")
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
source = sys.argv[3].replace("'", "''")
target = sys.argv[4].replace("'", "''")
con.execute(
    f"COPY (SELECT * FROM read_json('{source}', format = 'newline_delimited', columns = {{{columns}}})) "
    f"TO '{target}' (FORMAT parquet, COMPRESSION snappy)"
)
print(con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0])
