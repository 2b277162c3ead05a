#!/usr/bin/env python3
# Fixture: nested steps for the Outline, and a place to complete a statement.
print("STEP_START:Pipeline")
print("STEP_START:Load")
print("STEP_COMPLETE:Load")

print("STEP_COMPLETE:Pipeline")
