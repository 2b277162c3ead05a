#!/usr/bin/env python3
"""Data pipeline with StepFlow markers: plain prints, plus the optional helper module."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers"))
from stepflow_steps import artifact, meta, step  # noqa: E402

os.makedirs("out", exist_ok=True)

# Plain markers work with no helper at all.
print("STEP_START:Data Loading")
print("META:ESTIMATED_DURATION:1")
rows = [{"id": i, "value": i * i} for i in range(1000)]
time.sleep(0.5)
print(f"loaded {len(rows)} rows")
print("STEP_COMPLETE:Data Loading")

with step("Data Processing", estimated_seconds=2):
    with step("Normalise"):
        total = sum(r["value"] for r in rows)
        time.sleep(0.6)
    with step("Aggregate"):
        for pct in (25, 50, 75, 100):
            meta("PROGRESS", pct)
            time.sleep(0.2)


@step("Write Report")
def write_report():
    with open("out/summary.json", "w") as f:
        json.dump({"rows": len(rows), "total": total}, f)
    artifact("out/summary.json", "Processed dataset summary")


write_report()
print("Pipeline finished")
