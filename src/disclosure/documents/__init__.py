"""Documents: YAML and JSON read safely, with positions, and structured strictly.

Owns reading text into plain data without YAML 1.1 guessing, with the line and
column of every node and limits on size and depth (:mod:`.source`), and the
one cattrs converter that turns such data into frozen records, naming the
field path of every mistake (:mod:`.structure`).

May import: :mod:`disclosure.errors` only.
"""
