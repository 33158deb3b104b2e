"""The organisation transfer's table (reports/transfer/organization.py, ``CARRIED`` and
``NOT_CARRIED``) accounts for every field of every model of ``assessments`` and ``reports``:
a new field or model fails here until the table carries it or says why it does not."""

from django.apps import apps

from reports.transfer.organization import CARRIED, NOT_CARRIED

APPS = ("assessments", "reports")


def model_fields(model):
    """The names of ``model``'s concrete and many-to-many fields (not the reverse ones)."""
    return [
        f.name
        for f in model._meta.get_fields()
        if f.concrete or (f.many_to_many and not f.auto_created)
    ]


def unaccounted_for():
    """What the table misses or gets wrong, one sentence each (none: all is accounted for)."""
    problems = []
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            label = model._meta.label
            if model in CARRIED and model in NOT_CARRIED:
                problems.append(f"{label} is both carried and not carried")
            elif model not in CARRIED and not NOT_CARRIED.get(model, "").strip():
                problems.append(f"{label} is neither carried nor listed as not carried (why?)")
    for model, entry in CARRIED.items():
        label = model._meta.label
        names = model_fields(model)
        carried = [f.name for f in entry.fields]
        keys = [f.document_key for f in entry.fields if f.how.in_document]
        for name in names:
            if name in carried and name in entry.left_out:
                problems.append(f"{label}.{name} is both carried and left out")
            elif name not in carried and not entry.left_out.get(name, "").strip():
                problems.append(f"{label}.{name} is neither carried nor left out with a reason")
        for name in [*carried, *entry.left_out]:
            if name not in names:
                problems.append(f"{label} has no field {name!r}, which the table names")
        for listed in (carried, keys):
            problems += [
                f"{label}: {n!r} is listed twice" for n in set(listed) if listed.count(n) > 1
            ]
    return problems


def test_every_field_of_every_model_is_carried_or_left_out_with_a_reason():
    problems = unaccounted_for()
    assert not problems, "\n".join(["The organisation transfer's table:", *problems])
