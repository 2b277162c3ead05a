# Python print(): N lines (default 400,000) of exactly 80 bytes, a step every 1,000 lines,
# the same text as test/bench/producer.mjs. With PYTHONUNBUFFERED=1 (which the runner sets)
# each print() is a write(2) of its text and one of its newline; without it a file gets
# 8 KiB blocks.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 400000
for i in range(n):
    s, k = divmod(i, 1000)
    if k == 0:
        t = f"STEP_START:step {s}"
    elif k == 999:
        t = f"STEP_COMPLETE:step {s}"
    else:
        t = f"[12:00:{i % 60:02d}] INFO line {i}: compiling module, all fine"
    print(f"{t:<79}")
