"""Reads that a page makes on every request, with their SQL built once per process.

Django builds a query's SQL anew on every call: for a lookup by key with two joins that is
about 0.4 ms of CPU, several times the query itself on SQLite or on a local PostgreSQL. A
``Prepared`` read builds its queryset once, with stand-in values for the arguments, keeps the
SQL and the compiler's description of the columns, and on each call runs the SQL with the real
arguments and makes the model instances (with their ``select_related`` objects) as the
queryset itself would: same SQL, same converters, same instances.

Only integer arguments (keys) are supported: each stands-in is a distinct negative number that
must come out of the compiler unchanged, which ``Prepared`` checks when it builds the SQL."""

import threading

from django.db import connections, router
from django.db.models.query import get_related_populators

_STAND_INS = (-7_340_001, -7_340_002, -7_340_003, -7_340_004)


class Prepared:
    """``Prepared(build, arity)``: ``build(*keys)`` returns the queryset (model instances,
    optionally ``select_related``); calling the ``Prepared`` with the keys returns the list of
    instances the queryset would."""

    def __init__(self, build, arity):
        if not 1 <= arity <= len(_STAND_INS):
            raise ValueError(f"arity must be 1 to {len(_STAND_INS)}")
        self.build = build
        self.arity = arity
        self._model = None
        self._plans = {}
        self._lock = threading.Lock()

    def __call__(self, *keys):
        if len(keys) != self.arity:
            raise TypeError(f"expected {self.arity} keys, got {len(keys)}")
        keys = [int(key) for key in keys]  # ValueError/TypeError for what is not a key
        if not all(-(2**63) <= key < 2**63 for key in keys):
            raise ValueError("a key out of the database's integer range")
        if self._model is None:
            self._model = self.build(*_STAND_INS[: self.arity]).model
        alias = router.db_for_read(self._model)
        plan = self._plans.get(alias) or self._plan(alias)
        params = [keys[i] if i is not None else value for i, value in plan.params]
        with connections[alias].cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        objects = []
        for row in plan.compiler.results_iter([rows]):
            obj = plan.model.from_db(alias, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def _plan(self, alias):
        with self._lock:
            if alias in self._plans:
                return self._plans[alias]
            queryset = self.build(*_STAND_INS[: self.arity])
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            positions = [
                (_STAND_INS.index(v) if isinstance(v, int) and v in _STAND_INS else None, v)
                for v in params
            ]
            found = {i for i, _ in positions if i is not None}
            if found != set(range(self.arity)):
                raise ValueError("each key must appear in the query's parameters unchanged")
            info = compiler.klass_info
            fields = info["select_fields"]
            plan = _Plan(
                sql=sql,
                params=positions,
                compiler=compiler,
                model=info["model"],
                start=fields[0],
                end=fields[-1] + 1,
                init_list=[
                    f[0].target.attname for f in compiler.select[fields[0] : fields[-1] + 1]
                ],
                populators=get_related_populators(info, compiler.select, alias),
            )
            self._plans[alias] = plan
            return plan


class _Plan:
    def __init__(self, **fields):
        self.__dict__.update(fields)
