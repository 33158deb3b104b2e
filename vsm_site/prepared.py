"""Reads that a page makes on every request, with their SQL built once per process.

Django builds a query's SQL anew on every call: for a lookup by key with two joins that is
about 0.4 ms of CPU, several times the query itself on SQLite or on a local PostgreSQL. A
``Prepared`` read builds its queryset once, with stand-in values for the arguments, keeps the
SQL and the compiler's description of the columns, and on each call runs the SQL with the real
arguments and makes the model instances (with their ``select_related`` objects) as the
queryset itself would: same SQL, same converters, same instances.

Arguments are integers (keys) or strings (such as a period), declared by kind: each stand-in
is a distinct value (a negative number, a string no one types) that must come out of the
compiler unchanged among the query's parameters, which ``Prepared`` checks when it builds the
SQL."""

import threading

from django.db import connections, router
from django.db.models.query import get_related_populators


def _stand_in(kind, position):
    return -7_340_001 - position if kind is int else f"\x1fvsm-prepared-{position}\x1f"


class Prepared:
    """``Prepared(build, *kinds)``: ``build(*args)`` returns the queryset (model instances,
    optionally ``select_related``), each argument of the given kind (``int`` or ``str``);
    calling the ``Prepared`` with the arguments returns the list of instances the queryset
    would."""

    def __init__(self, build, *kinds):
        if not kinds or any(kind not in (int, str) for kind in kinds):
            raise ValueError("kinds: one or more of int and str")
        self.build = build
        self.kinds = kinds
        self.stand_ins = tuple(_stand_in(kind, i) for i, kind in enumerate(kinds))
        self._model = None
        self._plans = {}
        self._lock = threading.Lock()

    def __call__(self, *args):
        if len(args) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} arguments, got {len(args)}")
        args = [_checked(kind, arg) for kind, arg in zip(self.kinds, args, strict=True)]
        if self._model is None:
            self._model = self.build(*self.stand_ins).model
        alias = router.db_for_read(self._model)
        plan = self._plans.get(alias) or self._plan(alias)
        params = [args[i] if i is not None else value for i, value in plan.params]
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
            queryset = self.build(*self.stand_ins)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            where = {(type(v), v): i for i, v in enumerate(self.stand_ins)}
            positions = [(where.get((type(v), v)), v) for v in params]
            found = {i for i, _ in positions if i is not None}
            if found != set(range(len(self.kinds))):
                raise ValueError("each argument must appear in the query's parameters unchanged")
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


def _checked(kind, value):
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {type(value).__name__}")
        return value
    value = int(value)  # ValueError/TypeError for what is not a key
    if not -(2**63) <= value < 2**63:
        raise ValueError("a key out of the database's integer range")
    return value


class _Plan:
    def __init__(self, **fields):
        self.__dict__.update(fields)
