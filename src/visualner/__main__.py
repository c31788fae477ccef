"""Allow ``python -m visualner``."""

from visualner.cli.main import main

main()
