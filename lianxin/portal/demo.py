"""Demo data for this app (filled in by its issue)."""


def load(ctx) -> None:
    return None
