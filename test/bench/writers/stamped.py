# Marker liveness: each STEP_START carries the wall-clock time (ms) it was written at, so the
# reader can tell how long it took to become an event. Two phases, PYTHONUNBUFFERED=1 as
# under the runner: dense (LINES log lines, one print each, a stamped step every 500 lines)
# and sparse (SPARSE stamped steps 20 ms apart, nothing in between).
import sys
import time

lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
sparse = int(sys.argv[2]) if len(sys.argv) > 2 else 50
for i in range(lines):
    if i % 500 == 0:
        print(f"STEP_START:dense {i}@{time.time() * 1000:.3f}")
    elif i % 500 == 499:
        print("STEP_COMPLETE:")
    else:
        print(f"[12:00:{i % 60:02d}] INFO line {i}: compiling module, all fine")
for i in range(sparse):
    time.sleep(0.02)
    print(f"STEP_START:sparse {i}@{time.time() * 1000:.3f}")
    print("STEP_COMPLETE:")
