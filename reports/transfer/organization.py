"""Export an organisation to JSON and import it into another installation (or the same one after
it was deleted): ``export_organization(org) -> dict`` and ``import_organization(data)``. The
management commands ``export_org`` and ``import_org`` call these.

The document holds no database ids. Rows refer to each other by natural keys: the organisation's
slug, team slugs, group names, usernames, questionnaire key, version and owner ("library" or
"organization"), an assessment's
questionnaire key and period inside its team, question and dimension keys, external ids of
events. Lists come in a stable order, so the same data always exports to the same document and
two exports can be compared with ``==`` (or ``diff``). Timestamps are ISO 8601 in UTC and are
restored as they were, including the automatic ones (created, updated).

Users are matched by username: one that exists in the target is taken as the same person and
left as it is, unless it is a person of another organisation there: then the import is refused
(``attach_existing`` says they are the same people). The organisation's people come along.
Left out on purpose: password hashes (new users get unusable passwords and set
one through "forgot password"), team API tokens (credentials: issue new ones), PDF reports and
their files (request them again), reminder logs, the audit trail (the import writes no audit
entries: it is nobody's change), and library questionnaire versions no assessment uses. Every
version the organisation owns is exported (drafts too), with the lineage of its items, so that
history across versions compares the same after an import.

Format version 1 (before questionnaires had owners) is still read: its versions are the
library's.
"""

import datetime as dt
from dataclasses import replace

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from assessments.models import (
    Answer,
    Assessment,
    Deployment,
    DimensionTarget,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    Incident,
    Membership,
    Organization,
    OrganizationMember,
    OrgRole,
    Questionnaire,
    Response,
    Result,
    Team,
    TeamGroup,
    ValueStreamMap,
)
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires import services as questionnaire_services
from assessments.questionnaires.format import (
    QuestionnaireFormatError,
    export_questionnaire,
    parse_questionnaire,
)
from vsm_site.domain_errors import Conflict, Invalid

FORMAT = "vsm-assess/organization"
FORMAT_VERSION = 2
READABLE_FORMAT_VERSIONS = (1, 2)
BATCH = 500

# The fields copied as they are (besides the natural keys and user references handled below).
ORG_FIELDS = ["slug", "name", "low_confidence_threshold", "default_benchmark", "created_at"]
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active"]
TEAM_FIELDS = ["slug", "name", "created_at"]
MEMBERSHIP_FIELDS = ["role", "created_at"]
ASSESSMENT_FIELDS = ["period", "status", "opened_at", "due_date", "closed_at"]
RESPONSE_FIELDS = ["status", "started_at", "updated_at", "submitted_at"]
ANSWER_FIELDS = ["level", "comment", "evidence_url", "updated_at"]
SURVEY_FIELDS = [
    "deployment_frequency", "lead_time", "time_to_restore", "change_failure_rate", "rework_rate",
    "updated_at",
]  # fmt: skip
RESULT_FIELDS = [
    "questionnaire_key", "period", "overall_score", "overall_level", "respondents",
    "low_confidence", "scoring_rules_version", "data", "dimension_scores", "created_at",
    "reviewed_at", "review_note",
]  # fmt: skip
ROADMAP_FIELDS = ["next_assessment", "checkpoints", "formula", "created_at"]
ITEM_FIELDS = [
    "key", "kind", "title", "why", "focus_areas", "steps", "success_metric", "owner_role",
    "priority", "from_level", "to_level", "from_tier", "to_tier", "factors", "phase",
    "position", "due_date", "done", "edited", "updated_at",
]  # fmt: skip
ENTRY_FIELDS = [
    "period", "deployment_frequency", "lead_time", "time_to_restore", "change_failure_rate",
    "rework_rate", "updated_at",
]  # fmt: skip
SNAPSHOT_FIELDS = [
    "period", "source", "benchmark", "values", "tiers", "overall_tier", "score", "details",
    "computed_at",
]  # fmt: skip
DEPLOYMENT_FIELDS = [
    "external_id", "service", "environment", "finished_at", "succeeded", "rolled_back",
    "hotfix", "caused_failure", "unplanned_fix", "changes", "received_at", "updated_at",
]  # fmt: skip
INCIDENT_FIELDS = [
    "external_id", "started_at", "resolved_at", "deployment_external_id", "received_at",
    "updated_at",
]  # fmt: skip
MAP_FIELDS = ["kind", "version", "created_at", "stages", "figures", "note"]
CAMPAIGN_FIELDS = [
    "name", "questionnaire_key", "period", "due_date", "status", "created_at", "closed_at",
]  # fmt: skip
CAMPAIGN_TEAM_FIELDS = ["joined_existing", "closed_without_result"]


# --- export -------------------------------------------------------------------------------


def _out(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _row(values, fields, **extra):
    """Copy ``fields`` out of a ``.values()`` row, dates as ISO text, then add ``extra``."""
    return {**{name: _out(values[name]) for name in fields}, **extra}


def _by(rows, key):
    grouped = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


def _assessment_key(questionnaire_key, period):
    return {"questionnaire_key": questionnaire_key, "period": period}


def export_organization(org):
    """Everything of ``org`` as a JSON-ready dict (see the module docstring). Read-only; a
    fixed number of queries whatever the organisation's size."""
    from reports.models import Campaign, CampaignTeam, Roadmap, RoadmapItem

    usernames = set()

    def user(username):
        if username is not None:
            usernames.add(username)
        return username

    of_org = {"team__organization": org}
    teams = list(Team.objects.filter(organization=org).values(*TEAM_FIELDS, "id", "group__name"))
    slug = {t["id"]: t["slug"] for t in teams}

    memberships = _by(
        Membership.objects.filter(**of_org).values(*MEMBERSHIP_FIELDS, "team_id", "user__username"),
        "team_id",
    )
    assessments = list(
        Assessment.objects.filter(**of_org).values(
            *ASSESSMENT_FIELDS,
            "id",
            "team_id",
            "questionnaire_key",
            "questionnaire__version",
            "questionnaire__organization_id",
            "opened_by__username",
            "closed_by__username",
        )
    )
    assessment_key = {
        a["id"]: _assessment_key(a["questionnaire_key"], a["period"]) for a in assessments
    }
    used_library = {
        (a["questionnaire_key"], a["questionnaire__version"])
        for a in assessments
        if a["questionnaire__organization_id"] is None
    }
    targets = _by(
        DimensionTarget.objects.filter(assessment__team__organization=org).values(
            "assessment_id", "dimension__key", "level"
        ),
        "assessment_id",
    )
    responses = _by(
        Response.objects.filter(assessment__team__organization=org).values(
            *RESPONSE_FIELDS, "id", "assessment_id", "respondent__username"
        ),
        "assessment_id",
    )
    answers = _by(
        Answer.objects.filter(response__assessment__team__organization=org).values(
            *ANSWER_FIELDS, "response_id", "question__key", "question__position"
        ),
        "response_id",
    )
    surveys = {
        s["response_id"]: s
        for s in DoraSurveyAnswer.objects.filter(
            response__assessment__team__organization=org
        ).values(*SURVEY_FIELDS, "response_id")
    }
    results = {
        r["assessment_id"]: r
        for r in Result.objects.filter(**of_org).values(
            *RESULT_FIELDS,
            "id",
            "assessment_id",
            "questionnaire__key",
            "questionnaire__version",
            "questionnaire__organization_id",
            "reviewed_by__username",
        )
    }
    roadmaps = {
        r["result_id"]: r
        for r in Roadmap.objects.filter(**of_org).values(*ROADMAP_FIELDS, "id", "result_id")
    }
    items = _by(
        RoadmapItem.objects.filter(roadmap__team__organization=org).values(
            *ITEM_FIELDS, "roadmap_id", "owner__username"
        ),
        "roadmap_id",
    )
    entries = _by(
        DoraEntry.objects.filter(**of_org).values(*ENTRY_FIELDS, "team_id", "entered_by__username"),
        "team_id",
    )
    snapshots = _by(
        DoraSnapshot.objects.filter(**of_org).values(*SNAPSHOT_FIELDS, "team_id"), "team_id"
    )
    deployments = _by(
        Deployment.objects.filter(**of_org).values(*DEPLOYMENT_FIELDS, "team_id"), "team_id"
    )
    incidents = _by(
        Incident.objects.filter(**of_org).values(*INCIDENT_FIELDS, "team_id"), "team_id"
    )
    maps = _by(
        ValueStreamMap.objects.filter(**of_org).values(
            *MAP_FIELDS, "team_id", "created_by__username"
        ),
        "team_id",
    )

    def export_result(result):
        if result is None:
            return None
        roadmap = roadmaps.get(result["id"])
        return _row(
            result, RESULT_FIELDS,
            questionnaire=_questionnaire_ref(result, "questionnaire__key"),
            reviewed_by=user(result["reviewed_by__username"]),
            roadmap=None if roadmap is None else _row(
                roadmap, ROADMAP_FIELDS,
                items=[
                    _row(item, ITEM_FIELDS, owner=user(item["owner__username"]))
                    for item in sorted(items.get(roadmap["id"], []), key=lambda i: i["key"])
                ],
            ),
        )  # fmt: skip

    def export_response(response):
        survey = surveys.get(response["id"])
        return _row(
            response, RESPONSE_FIELDS,
            respondent=user(response["respondent__username"]),
            answers=[
                _row(answer, ANSWER_FIELDS, question=answer["question__key"])
                for answer in sorted(
                    answers.get(response["id"], []),
                    key=lambda a: (a["question__position"], a["question__key"]),
                )
            ],
            dora_survey=None if survey is None else _row(survey, SURVEY_FIELDS),
        )  # fmt: skip

    def export_assessment(assessment):
        return _row(
            assessment, ASSESSMENT_FIELDS,
            questionnaire=_questionnaire_ref(assessment, "questionnaire_key"),
            opened_by=user(assessment["opened_by__username"]),
            closed_by=user(assessment["closed_by__username"]),
            targets=sorted(
                ({"dimension": t["dimension__key"], "level": t["level"]}
                 for t in targets.get(assessment["id"], [])),
                key=lambda t: t["dimension"],
            ),
            responses=[
                export_response(r)
                for r in sorted(
                    responses.get(assessment["id"], []), key=lambda r: r["respondent__username"]
                )
            ],
            result=export_result(results.get(assessment["id"])),
        )  # fmt: skip

    def export_snapshot(snapshot):
        row = _row(snapshot, SNAPSHOT_FIELDS)
        # A survey snapshot names the assessment it was taken from, by id: make it a key.
        if isinstance(row["details"], dict) and "assessment" in row["details"]:
            row["details"] = {
                **row["details"],
                "assessment": assessment_key.get(row["details"]["assessment"]),
            }
        return row

    by_team = _by(assessments, "team_id")
    exported_teams = []
    for team in sorted(teams, key=lambda t: t["slug"]):
        tid = team["id"]
        exported_teams.append(
            _row(
                team,
                TEAM_FIELDS,
                group=team["group__name"],
                memberships=[
                    _row(m, MEMBERSHIP_FIELDS, user=user(m["user__username"]))
                    for m in sorted(memberships.get(tid, []), key=lambda m: m["user__username"])
                ],
                assessments=[
                    export_assessment(a)
                    for a in sorted(
                        by_team.get(tid, []), key=lambda a: (a["questionnaire_key"], a["period"])
                    )
                ],
                dora_entries=[
                    _row(e, ENTRY_FIELDS, entered_by=user(e["entered_by__username"]))
                    for e in sorted(entries.get(tid, []), key=lambda e: e["period"])
                ],
                dora_snapshots=[
                    export_snapshot(s)
                    for s in sorted(
                        snapshots.get(tid, []), key=lambda s: (s["period"], s["source"])
                    )
                ],
                deployments=[
                    _row(d, DEPLOYMENT_FIELDS)
                    for d in sorted(deployments.get(tid, []), key=lambda d: d["external_id"])
                ],
                incidents=[
                    _row(i, INCIDENT_FIELDS)
                    for i in sorted(incidents.get(tid, []), key=lambda i: i["external_id"])
                ],
                value_stream_maps=[
                    _row(m, MAP_FIELDS, created_by=user(m["created_by__username"]))
                    for m in sorted(maps.get(tid, []), key=lambda m: (m["kind"], m["version"]))
                ],
            )
        )

    campaign_teams = _by(
        CampaignTeam.objects.filter(campaign__organization=org).values(
            *CAMPAIGN_TEAM_FIELDS, "campaign_id", "team_id", "assessment_id"
        ),
        "campaign_id",
    )
    campaigns = [
        _row(
            c,
            CAMPAIGN_FIELDS,
            created_by=user(c["created_by__username"]),
            closed_by=user(c["closed_by__username"]),
            teams=sorted(
                (
                    _row(
                        e,
                        CAMPAIGN_TEAM_FIELDS,
                        team=slug[e["team_id"]],
                        assessment=assessment_key[e["assessment_id"]],
                    )
                    for e in campaign_teams.get(c["id"], [])
                ),
                key=lambda e: e["team"],
            ),
        )
        for c in Campaign.objects.filter(organization=org).values(
            *CAMPAIGN_FIELDS, "id", "created_by__username", "closed_by__username"
        )
    ]
    campaigns.sort(key=lambda c: (c["created_at"], c["period"], c["name"]))

    # Sorted in Python, not by the database: collations differ (PostgreSQL's may ignore
    # punctuation), and the same data must export to the same document everywhere.
    roles = OrgRole.objects.filter(organization=org).values_list("user__username", "role")
    org_roles = [{"user": user(username), "role": role} for username, role in sorted(roles)]
    people = [
        user(username)
        for username in sorted(
            OrganizationMember.objects.filter(organization=org).values_list(
                "user__username", flat=True
            )
        )
    ]
    organization = Organization.objects.filter(pk=org.pk).values(*ORG_FIELDS).get()
    users = get_user_model().objects.filter(username__in=usernames).values(*USER_FIELDS)
    groups = TeamGroup.objects.filter(organization=org).values_list("name", flat=True)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "organization": _row(organization, ORG_FIELDS),
        "users": sorted((_row(u, USER_FIELDS) for u in users), key=lambda u: u["username"]),
        "questionnaires": _export_questionnaires(org, used_library),
        "groups": [{"name": name} for name in sorted(groups)],
        "people": people,
        "org_roles": org_roles,
        "teams": exported_teams,
        "campaigns": campaigns,
    }


def _questionnaire_ref(row, key_field):
    """How an assessment or result names its version: key, version, owner."""
    owner = "library" if row["questionnaire__organization_id"] is None else "organization"
    return [row[key_field], row["questionnaire__version"], owner]


def _export_questionnaires(org, used_library):
    """The library versions the organisation's assessments use, then every version it owns,
    with its items' lineage and the library version it was adopted from."""
    library = [
        {**q, "owner": "library"}
        for q in Questionnaire.objects.filter(
            organization__isnull=True, key__in={key for key, _ in used_library}
        ).values("key", "version", "status", "source_yaml")
        if (q["key"], q["version"]) in used_library
    ]
    owned = []
    rows = Questionnaire.objects.filter(organization=org).select_related("based_on")
    for q in rows:
        based_on = q.based_on
        owned.append(
            {
                "key": q.key,
                "version": q.version,
                "status": q.status,
                "source_yaml": q.source_yaml,
                "owner": "organization",
                "based_on": None if based_on is None else [based_on.key, based_on.version],
                "lineage": {
                    "dimensions": dict(sorted(q.dimensions.values_list("key", "lineage"))),
                    "questions": dict(sorted(q.questions.values_list("key", "lineage"))),
                },
            }
        )
    return sorted(library, key=lambda q: (q["key"], q["version"])) + sorted(
        owned, key=lambda q: (q["key"], q["version"])
    )


# --- import -------------------------------------------------------------------------------


def _in(model, name, value):
    """A value of ``model.name`` from the document: ISO text back to dates and datetimes."""
    if value is None:
        return None
    field = model._meta.get_field(name)
    if isinstance(field, models.DateTimeField):
        return dt.datetime.fromisoformat(value)
    if isinstance(field, models.DateField):
        return dt.date.fromisoformat(value)
    return value


def _fields(model, row, fields):
    return {name: _in(model, name, row[name]) for name in fields}


def _children(pairs, name):
    """``[(parent object, child row)]`` for the rows listed under ``name`` in each parent's."""
    return [(obj, child) for obj, row in pairs for child in row[name]]


def _insert(model, pairs, build):
    """Insert one ``model`` row per ``(parent, row)`` pair, with the field values
    ``build(parent, row)`` returns; return ``[(object, row)]``. The automatic timestamps
    (auto_now, auto_now_add), which the insert sets to "now", are then put back as exported."""
    values = [build(parent, row) for parent, row in pairs]
    objs = model.objects.bulk_create([model(**v) for v in values], batch_size=BATCH)
    stamps = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    if stamps and objs:
        # One prepared UPDATE run for every row: bulk_update's CASE expressions take half a
        # minute for the demo organisation, this a fraction of a second.
        q = connection.ops.quote_name
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            q(model._meta.db_table),
            ", ".join(f"{q(f.column)} = %s" for f in stamps),
            q(model._meta.pk.column),
        )
        params = [
            [f.get_db_prep_value(v[f.name], connection) for f in stamps] + [obj.pk]
            for obj, v in zip(objs, values, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        for obj, v in zip(objs, values, strict=True):
            for f in stamps:
                setattr(obj, f.attname, v[f.name])
    return list(zip(objs, [row for _, row in pairs], strict=True))


def _questionnaire(entry):
    """The target's questionnaire version with the exported content, loaded if missing."""
    key, version, source = entry["key"], entry["version"], entry["source_yaml"]
    existing = Questionnaire.objects.filter(
        organization__isnull=True, key=key, version=version
    ).first()
    if existing is not None:
        try:
            doc = parse_questionnaire(source)
        except QuestionnaireFormatError:
            doc = None  # load_questionnaire below says what is wrong with it
        # The same content loaded from different bytes (a comment, the layout) is the same
        # version, whatever its status here: answers refer to its keys, which match.
        if doc is not None and questionnaire_selectors.questionnaire_doc(existing) == replace(
            doc, status=existing.status
        ):
            return existing
    questionnaire, outcome = questionnaire_services.load_questionnaire(source)
    if (questionnaire.key, questionnaire.version) != (key, version):
        raise Invalid(f"The questionnaire source of {key} v{version} is {questionnaire.label}.")
    if outcome == "created" and questionnaire.status != entry["status"]:
        # source_yaml is the file as first loaded; it was published or retired later.
        doc = replace(parse_questionnaire(source), status=entry["status"])
        questionnaire, _ = questionnaire_services.load_questionnaire(export_questionnaire(doc))
    return questionnaire


def _owned_questionnaire(entry, org):
    """One of the organisation's own versions, restored as exported."""
    based_on = None
    if entry.get("based_on"):
        key, version = entry["based_on"]
        based_on = Questionnaire.objects.filter(
            organization__isnull=True, key=key, version=version
        ).first()
        if based_on is None:
            raise Invalid(
                f"{entry['key']} v{entry['version']} was adopted from library {key} v{version}, "
                "which this site's library does not have; load it first."
            )
    lineage = entry.get("lineage") or {}
    return questionnaire_services.restore_version(
        org,
        entry["source_yaml"],
        entry["status"],
        based_on=based_on,
        lineages=(lineage.get("dimensions", {}), lineage.get("questions", {})),
    )


@transaction.atomic
def import_organization(data, *, attach_existing=False):
    """Create the organisation of an ``export_organization`` document, with its users where
    missing (unusable passwords), the questionnaire versions it uses (through
    ``load_questionnaire``) and everything else. All or nothing. Raises ``Conflict``
    when an organisation with that slug exists, ``Invalid`` for a malformed document."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid("This is not an organisation export of VSM Assess.")
    if data.get("format_version") not in READABLE_FORMAT_VERSIONS:
        raise Invalid(
            f"Export format version {data.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION})."
        )
    try:
        return _import(data, attach_existing)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Invalid(
            f"The export is incomplete or malformed ({type(exc).__name__}: {exc})."
        ) from exc


def _import(data, attach_existing=False):
    from reports.models import Campaign, CampaignTeam, Roadmap, RoadmapItem

    slug = data["organization"]["slug"]
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(f"An organisation with the slug {slug!r} already exists; nothing imported.")

    User = get_user_model()
    wanted = [row["username"] for row in data["users"]]
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    taken = sorted(
        OrganizationMember.objects.filter(user__in=users.values())
        .values_list("user__username", flat=True)
        .distinct()
    )
    if taken and not attach_existing:
        raise Conflict(
            f"{len(taken)} username(s) of the export belong to people of other organisations "
            f"here ({', '.join(taken[:10])}{', ...' if len(taken) > 10 else ''}); nothing "
            "imported. Rename them in the file, or import with --attach-existing-users if they "
            "are the same people."
        )
    for row in data["users"]:
        if row["username"] not in users:
            new_user = User(**_fields(User, row, USER_FIELDS))
            new_user.set_unusable_password()
            new_user.save()
            users[new_user.username] = new_user

    def user(username):
        if username is not None and username not in users:
            raise Invalid(f"{username!r} is referred to but is not among the export's users.")
        return users.get(username)

    [(org, _)] = _insert(
        Organization,
        [(None, data["organization"])],
        lambda _, row: _fields(Organization, row, ORG_FIELDS),
    )
    questionnaires = {}
    for entry in data["questionnaires"]:
        owner = entry.get("owner", "library")
        questionnaires[(entry["key"], entry["version"], owner)] = (
            _questionnaire(entry) if owner == "library" else _owned_questionnaire(entry, org)
        )
    questions = {q.id: {x.key: x for x in q.questions.all()} for q in questionnaires.values()}
    dimensions = {q.id: {d.key: d for d in q.dimensions.all()} for q in questionnaires.values()}

    def questionnaire_of(ref):
        key, version, *owner = ref
        return questionnaires[(key, version, owner[0] if owner else "library")]

    groups = {
        group.name: group
        for group, _ in _insert(
            TeamGroup,
            [(org, row) for row in data["groups"]],
            lambda org, row: {"organization": org, "name": row["name"]},
        )
    }
    _insert(
        OrgRole,
        [(org, row) for row in data["org_roles"]],
        lambda org, row: {"organization": org, "user": user(row["user"]), "role": row["role"]},
    )
    teams = _insert(
        Team,
        [(org, row) for row in data["teams"]],
        lambda org, row: {
            **_fields(Team, row, TEAM_FIELDS),
            "organization": org,
            "group": None if row["group"] is None else groups[row["group"]],
        },
    )
    _insert(
        Membership,
        _children(teams, "memberships"),
        lambda team, row: {
            **_fields(Membership, row, MEMBERSHIP_FIELDS),
            "team": team,
            "user": user(row["user"]),
        },
    )

    def new_assessment(team, row):
        questionnaire = questionnaire_of(row["questionnaire"])
        return {
            **_fields(Assessment, row, ASSESSMENT_FIELDS),
            "team": team,
            "questionnaire": questionnaire,
            "questionnaire_key": questionnaire.key,
            "opened_by": user(row["opened_by"]),
            "closed_by": user(row["closed_by"]),
        }

    assessments = _insert(Assessment, _children(teams, "assessments"), new_assessment)
    assessment_by_key = {(a.team_id, a.questionnaire_key, a.period): a for a, _ in assessments}

    def assessment_of(team, key):
        return assessment_by_key[team.id, key["questionnaire_key"], key["period"]]

    _insert(
        DimensionTarget,
        _children(assessments, "targets"),
        lambda assessment, row: {
            "assessment": assessment,
            "dimension": dimensions[assessment.questionnaire_id][row["dimension"]],
            "level": row["level"],
        },
    )
    responses = _insert(
        Response,
        _children(assessments, "responses"),
        lambda assessment, row: {
            **_fields(Response, row, RESPONSE_FIELDS),
            "assessment": assessment,
            "respondent": user(row["respondent"]),
        },
    )
    _insert(
        Answer,
        _children(responses, "answers"),
        lambda response, row: {
            **_fields(Answer, row, ANSWER_FIELDS),
            "response": response,
            "question": questions[response.assessment.questionnaire_id][row["question"]],
        },
    )
    _insert(
        DoraSurveyAnswer,
        [(response, row["dora_survey"]) for response, row in responses if row["dora_survey"]],
        lambda response, row: {
            **_fields(DoraSurveyAnswer, row, SURVEY_FIELDS),
            "response": response,
        },
    )
    results = _insert(
        Result,
        [(assessment, row["result"]) for assessment, row in assessments if row["result"]],
        lambda assessment, row: {
            **_fields(Result, row, RESULT_FIELDS),
            "assessment": assessment,
            "team_id": assessment.team_id,
            "questionnaire": questionnaire_of(row["questionnaire"]),
            "reviewed_by": user(row["reviewed_by"]),
        },
    )
    roadmaps = _insert(
        Roadmap,
        [(result, row["roadmap"]) for result, row in results if row["roadmap"]],
        lambda result, row: {
            **_fields(Roadmap, row, ROADMAP_FIELDS),
            "result": result,
            "team_id": result.team_id,
        },
    )
    _insert(
        RoadmapItem,
        _children(roadmaps, "items"),
        lambda roadmap, row: {
            **_fields(RoadmapItem, row, ITEM_FIELDS),
            "roadmap": roadmap,
            "owner": user(row["owner"]),
        },
    )

    def team_rows(model, fields, **user_fields):
        return lambda team, row: {
            **_fields(model, row, fields),
            "team": team,
            **{field: user(row[field]) for field in user_fields},
        }

    _insert(
        DoraEntry,
        _children(teams, "dora_entries"),
        team_rows(DoraEntry, ENTRY_FIELDS, entered_by=True),
    )
    _insert(Deployment, _children(teams, "deployments"), team_rows(Deployment, DEPLOYMENT_FIELDS))
    _insert(Incident, _children(teams, "incidents"), team_rows(Incident, INCIDENT_FIELDS))
    _insert(
        ValueStreamMap,
        _children(teams, "value_stream_maps"),
        team_rows(ValueStreamMap, MAP_FIELDS, created_by=True),
    )

    def new_snapshot(team, row):
        fields = _fields(DoraSnapshot, row, SNAPSHOT_FIELDS)
        details = fields["details"]
        if isinstance(details, dict) and isinstance(details.get("assessment"), dict):
            fields["details"] = {
                **details,
                "assessment": assessment_of(team, details["assessment"]).id,
            }
        return {**fields, "team": team}

    _insert(DoraSnapshot, _children(teams, "dora_snapshots"), new_snapshot)

    campaigns = _insert(
        Campaign,
        [(org, row) for row in data["campaigns"]],
        lambda org, row: {
            **_fields(Campaign, row, CAMPAIGN_FIELDS),
            "organization": org,
            "created_by": user(row["created_by"]),
            "closed_by": user(row["closed_by"]),
        },
    )
    team_by_slug = {team.slug: team for team, _ in teams}

    def new_campaign_team(campaign, row):
        team = team_by_slug[row["team"]]
        return {
            **_fields(CampaignTeam, row, CAMPAIGN_TEAM_FIELDS),
            "campaign": campaign,
            "team": team,
            "assessment": assessment_of(team, row["assessment"]),
        }

    _insert(CampaignTeam, _children(campaigns, "teams"), new_campaign_team)
    # The organisation's people: those the export lists (format 1 had no list) and everyone
    # with a team or a role in it.
    people = {user(username).pk for username in data.get("people", [])}
    people |= set(Membership.objects.filter(team__organization=org).values_list("user", flat=True))
    people |= set(OrgRole.objects.filter(organization=org).values_list("user", flat=True))
    OrganizationMember.objects.bulk_create(
        [
            OrganizationMember(organization=org, user_id=pk, source=OrganizationMember.IMPORT)
            for pk in sorted(people)
        ]
    )
    return org
