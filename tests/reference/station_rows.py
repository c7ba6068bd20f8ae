"""Rows ST053 sent in sample-data's 2026-10 drop, counted independently of
qfb: every row whose station_id is ST053, and every visit whose repair
(in any drop, the latest row of the repair winning) is ST053's. The
data-quality page's "stations by rejects" must say the same (92,
tests/it/station_reports.rs).

    python3 tests/reference/station_rows.py
"""
import csv
import glob
import io
import os

HEADERS = {"维修单号": "repair_id", "网点编号": "station_id", "报修时间": "reported_at"}
SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "sample-data")


def rows(path):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk", errors="replace")
    return [{HEADERS.get(k, k): v for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]


repair_station = {}
for drop in sorted(glob.glob(os.path.join(SAMPLE, "20*"))):
    for f in glob.glob(os.path.join(drop, "*.csv")):
        r = rows(f)
        if r and "repair_id" in r[0] and "reported_at" in r[0]:
            repair_station.update({x["repair_id"]: x["station_id"] for x in r})

total = 0
for f in glob.glob(os.path.join(SAMPLE, "2026-10", "*.csv")):
    r = rows(f)
    if "station_id" in r[0]:
        total += sum(1 for x in r if x["station_id"] == "ST053")
    else:
        total += sum(1 for x in r if repair_station.get(x["repair_id"]) == "ST053")
print(total)
