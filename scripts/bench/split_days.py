"""Splits a telemetry JSON Lines file into one file per UTC day of its `ts` field, as a source
delivers a day's data at a time: OUTDIR/telemetry_ingest-YYYY-MM-DD.jsonl.

Usage: python3 split_days.py FILE OUTDIR
"""
import json
import os
import sys


def main():
    source, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    files = {}
    with open(source, encoding="utf-8") as lines:
        for line in lines:
            at = line.find('"ts":"')
            day = line[at + 6:at + 16] if at >= 0 else json.loads(line)["ts"][:10]
            f = files.get(day)
            if f is None:
                f = files[day] = open(os.path.join(out, f"telemetry_ingest-{day}.jsonl"), "w", encoding="utf-8")
            f.write(line)
    for f in files.values():
        f.close()
    print(len(files))


if __name__ == "__main__":
    main()
