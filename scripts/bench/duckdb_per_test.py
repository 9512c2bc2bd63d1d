"""Times each test of the library on DuckDB, one session, from the document `fieldproof test --emit-sql FILE` writes.

Usage: duckdb_per_test.py RUN_SQL.json  (prints: test id, seconds)
"""
import json, sys, time
sys.path.insert(0, __import__('os').path.dirname(__file__))
import duckdb
from duckdb_tests import setup
doc = json.load(open(sys.argv[1]))
con = duckdb.connect(); con.execute("SET TimeZone = 'UTC'"); setup(con, doc)
for t in doc["tests"]:
    t0 = time.time()
    con.execute(f'SELECT count(*) FROM ({t["population"]}) AS p').fetchone()
    con.execute(f'SELECT * FROM ({t["exceptions"]}) AS e ORDER BY ALL').fetchall()
    print(f'{t["id"]}\t{time.time()-t0:.2f}', flush=True)
