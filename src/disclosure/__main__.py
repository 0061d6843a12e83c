"""``python -m disclosure`` runs the command line."""

from .cli import main

main()
