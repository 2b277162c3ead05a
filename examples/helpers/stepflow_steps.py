"""StepFlow marker helpers for Python.

    from stepflow_steps import step, artifact, meta, warning

    with step("Build"):              # a context manager …
        compile_everything()

    @step("Tests")                   # … or a decorator (the second seed's @task idea)
    def run_tests():
        ...

    artifact("out/report.html", "Coverage report")
    meta("ESTIMATED_DURATION", 30)

The helpers only print marker lines (flushed at once, so timings stay exact); they work
the same with or without StepFlow. An exception inside a step prints STEP_ERROR with
the file and line where it was raised, then propagates.
"""
import functools
import sys
import traceback

__all__ = ["step", "artifact", "meta", "warning", "error"]


def _emit(line):
    print(line, flush=True)


def artifact(path, description=None):
    _emit(f"ARTIFACT:{path}:{description}" if description else f"ARTIFACT:{path}")


def meta(key, value):
    _emit(f"META:{key}:{value}")


def warning(message):
    _emit(f"STEP_WARNING:{message}")


def error(message):
    _emit(f"STEP_ERROR:{message}")


class step:
    """A step: use as `with step("name"):` or as a decorator `@step("name")`."""

    def __init__(self, name, estimated_seconds=None):
        self.name = name
        self.estimated_seconds = estimated_seconds

    def __enter__(self):
        _emit(f"STEP_START:{self.name}")
        if self.estimated_seconds is not None:
            meta("ESTIMATED_DURATION", self.estimated_seconds)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            _emit(f"STEP_COMPLETE:{self.name}")
            return False
        frames = traceback.extract_tb(tb)
        where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""
        message = f"{exc_type.__name__}: {exc}".replace("\n", " ")
        error(f"{where}{message}")
        return False  # let the exception propagate

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with step(self.name, self.estimated_seconds):
                return func(*args, **kwargs)

        return wrapper


if __name__ == "__main__":
    sys.exit("stepflow_steps is a helper module: import it from your script")
