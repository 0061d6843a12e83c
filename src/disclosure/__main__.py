"""``python -m disclosure`` runs the command line."""

from disclosure.cli import main

main()
