print("STEP_START:Greet")
print("hello from python")
print("STEP_COMPLETE:Greet")
