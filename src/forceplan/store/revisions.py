"""The schema revisions this forceplan knows (``migrations/versions``), oldest first.

Apart from migrate.py so that the direct recorder (direct.py) can check a
store's revision without importing SQLAlchemy; tests check that the two lists agree.
"""

REVISIONS = ("0001", "0002", "0003")
HEAD = REVISIONS[-1]
