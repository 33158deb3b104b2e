"""Django's SQLite backend with a health check that looks.

SQLite connections are kept between requests like PostgreSQL ones (CONN_MAX_AGE): opening one
and running the WAL pragmas was a good part of a short request's time. Django's own SQLite
``is_usable()`` always answers yes, so a handle closed underneath (the database file replaced,
a handle closed by other code) would fail the next request; this one runs a trivial statement,
and CONN_HEALTH_CHECKS replaces a dead handle at the start of the next request."""

import sqlite3

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        try:
            self.connection.execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True
