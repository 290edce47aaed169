"""`python -m mockserver.cli` is `chatwoot-mock` too (older scripts and tests call it so)."""

from mockserver.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
