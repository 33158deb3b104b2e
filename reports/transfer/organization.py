"""Export an organisation to JSON and import it into another installation (or the same one after
it was deleted): ``export_organization(org) -> dict`` and ``import_organization(data)``. The
management commands ``export_org`` and ``import_org`` call these.

What travels is one table, ``CARRIED``: for each model, the fields carried, in the order the
document writes them, and how each travels (``How``: a value as it is, a user by username, a
team by slug, ...), then the fields left out on purpose, each with the reason. The export and
the import both read it, so a field is named once; ``NOT_CARRIED`` lists the models left out
with the reason, and ``tests/reports/transfer/test_carried_fields.py`` fails when a field or a
model of ``assessments`` or ``reports`` is in neither.

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
Left out on purpose (the reasons are in the table): password hashes (new users get unusable
passwords and set one through "forgot password"), team API tokens (credentials: issue new
ones), invitations, PDF reports and their files (request them again), notices and reminder
logs, the audit trail (the import writes no audit entries: it is nobody's change), and library
questionnaire versions no assessment uses. Every version the organisation owns is exported
(drafts too), with the lineage of its items, so that history across versions compares the same
after an import.

Format version 1 (before questionnaires had owners) is still read: its versions are the
library's. Format 2 (before teams listed what they own and their incident attribution window)
is read too: its teams own nothing and keep the default window.
"""

import datetime as dt
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from assessments.models import (
    Answer,
    Assessment,
    Deployment,
    Dimension,
    DimensionTarget,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    EventBatch,
    Incident,
    Invitation,
    Membership,
    Organization,
    OrganizationMember,
    OrgRole,
    Question,
    Questionnaire,
    Response,
    Result,
    ScimGroup,
    ScimGroupMember,
    ScimToken,
    ScimUser,
    SingleSignOn,
    SsoDomain,
    SsoGroupMapping,
    Team,
    TeamApiToken,
    TeamGroup,
    ValueStreamMap,
)
from assessments.models.dora import AttributionSettings, TeamOwnership, UnroutedEvent
from assessments.models.questionnaires import (
    OrganizationPracticeAnswer,
    OrganizationPractices,
    OrganizationQuestion,
    OrganizationSection,
)
from assessments.models.webhooks import Webhook, WebhookDelivery
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires import services as questionnaire_services
from assessments.questionnaires.format import (
    QuestionnaireFormatError,
    export_questionnaire,
    parse_questionnaire,
)
from reports.models import (
    Campaign,
    CampaignTeam,
    Notice,
    NotificationOptOut,
    ReminderLog,
    Roadmap,
    RoadmapItem,
    RoadmapReport,
)
from vsm_site.domain_errors import Conflict, Invalid

FORMAT = "vsm-assess/organization"
FORMAT_VERSION = 3
READABLE_FORMAT_VERSIONS = (1, 2, 3)
BATCH = 500
User = get_user_model()


# --- how a field travels ------------------------------------------------------------------

OMITTED = object()  # what ``write`` returns when the row has no key for the field


class How:
    """How a model field travels. This one: its value as it is, dates and datetimes as
    ISO 8601 text (UTC), read back as they were.

    ``lookups(name)`` are what the export's ``.values()`` reads for the field; ``write`` makes
    the document's value of them; ``read`` makes the model field's value of the document's,
    knowing the row the document lists this one under (``parent``) and the values of the
    fields read before (``values``, in the table's order). A field not ``in_document`` has no
    key of its own in the document."""

    in_document = True

    def lookups(self, name):
        return (name,)

    def write(self, export, values, name):
        return _out(values[name])

    def read(self, load, model, name, value, parent, values):
        return _in(model, name, value)

    def __repr__(self):
        return type(self).__name__


class Parent(How):
    """The row the document lists this one under (not a key of its own)."""

    in_document = False

    def lookups(self, name):
        return (f"{name}_id",)

    def read(self, load, model, name, value, parent, values):
        return parent


class From(How):
    """Not in the document: the import takes it from a field read before, ``via`` a dotted
    path ("assessment.team": the team of the row's assessment)."""

    in_document = False

    def __init__(self, via):
        self.via = via

    def lookups(self, name):
        return ()

    def read(self, load, model, name, value, parent, values):
        first, *rest = self.via.split(".")
        value = values[first]
        for attribute in rest:
            value = getattr(value, attribute)
        return value

    def __repr__(self):
        return f"From({self.via!r})"


class ByUsername(How):
    """A user, by username; the document lists the users it names under "users"."""

    def lookups(self, name):
        return (f"{name}__username",)

    def write(self, export, values, name):
        return export.user(values[f"{name}__username"])

    def read(self, load, model, name, value, parent, values):
        return load.user(value)


class ByGroupName(How):
    """A team group of the organisation, by name (or none)."""

    def lookups(self, name):
        return (f"{name}__name",)

    def write(self, export, values, name):
        return values[f"{name}__name"]

    def read(self, load, model, name, value, parent, values):
        return None if value is None else load.groups[value]


class BySlug(How):
    """A team of the organisation, by slug."""

    def lookups(self, name):
        return (f"{name}__slug",)

    def write(self, export, values, name):
        return values[f"{name}__slug"]

    def read(self, load, model, name, value, parent, values):
        return load.teams[value]


class ByVersion(How):
    """A questionnaire version: [key, version, owner], the owner "library" or "organization"
    (format 1: [key, version], the library's)."""

    def lookups(self, name):
        return (f"{name}__key", f"{name}__version", f"{name}__organization_id")

    def write(self, export, values, name):
        owner = "library" if values[f"{name}__organization_id"] is None else "organization"
        return [values[f"{name}__key"], values[f"{name}__version"], owner]

    def read(self, load, model, name, value, parent, values):
        return load.questionnaire(value)


class ByItemKey(How):
    """A dimension or question (``items``) of a questionnaire version, by key; the version is
    the one at ``version``, a dotted path from the fields read before."""

    def __init__(self, items, version):
        self.items, self.version = items, version

    def lookups(self, name):
        return (f"{name}__key",)

    def write(self, export, values, name):
        return values[f"{name}__key"]

    def read(self, load, model, name, value, parent, values):
        version = From(self.version).read(load, model, name, None, parent, values)
        return load.items[self.items][version][value]

    def __repr__(self):
        return f"ByItemKey({self.items!r}, {self.version!r})"


class ByPeriod(How):
    """An assessment of the team in the field ``team`` (read before), by its questionnaire key
    and period: {"questionnaire_key": ..., "period": ...}."""

    def __init__(self, team):
        self.team = team

    def lookups(self, name):
        return (f"{name}__questionnaire_key", f"{name}__period")

    def write(self, export, values, name):
        return _assessment_key(values[f"{name}__questionnaire_key"], values[f"{name}__period"])

    def read(self, load, model, name, value, parent, values):
        return load.assessment(values[self.team], value)

    def __repr__(self):
        return f"ByPeriod({self.team!r})"


class NamingAnAssessment(How):
    """JSON as it is, but the assessment it may name by id (its "assessment") is named as
    ``ByPeriod`` names one, of the team in the field ``team``."""

    def __init__(self, team):
        self.team = team

    def write(self, export, values, name):
        value = values[name]
        if isinstance(value, dict) and "assessment" in value:
            return {**value, "assessment": export.assessment_keys.get(value["assessment"])}
        return value

    def read(self, load, model, name, value, parent, values):
        if isinstance(value, dict) and isinstance(value.get("assessment"), dict):
            return {
                **value,
                "assessment": load.assessment(values[self.team], value["assessment"]).id,
            }
        return value

    def __repr__(self):
        return f"NamingAnAssessment({self.team!r})"


class ThroughQuestionnaireServices(How):
    """Questionnaire versions travel as their file (``source_yaml``), restored by the
    questionnaire services, not field by field."""

    def read(self, load, model, name, value, parent, values):
        raise TypeError(f"{model.__name__}.{name} is restored by the questionnaire services.")


class Owner(ThroughQuestionnaireServices):
    """Whose version it is: "library", or "organization" (the document's organisation)."""

    def lookups(self, name):
        return (f"{name}_id",)

    def write(self, export, values, name):
        return "library" if values[f"{name}_id"] is None else "organization"


class AdoptedFrom(ThroughQuestionnaireServices):
    """The library version an organisation's version was adopted from, [key, version] (or
    none); a library version (no ``owner``) has no key for it."""

    def __init__(self, owner):
        self.owner = owner

    def lookups(self, name):
        return (f"{name}__key", f"{name}__version", f"{self.owner}_id")

    def write(self, export, values, name):
        if values[f"{self.owner}_id"] is None:
            return OMITTED
        key = values[f"{name}__key"]
        return None if key is None else [key, values[f"{name}__version"]]

    def __repr__(self):
        return f"AdoptedFrom({self.owner!r})"


class InSource(ThroughQuestionnaireServices):
    """In the version's file (``source_yaml``), which the questionnaire services read (or
    worked out from it) when the import loads it."""

    in_document = False

    def lookups(self, name):
        return ()


class Lineage(ThroughQuestionnaireServices):
    """An organisation's version: under the version's "lineage", by kind and key; a library
    version's is worked out again when the import loads it."""

    in_document = False

    def lookups(self, name):
        return ()


VALUE, PARENT, USER, GROUP, TEAM = How(), Parent(), ByUsername(), ByGroupName(), BySlug()
QUESTIONNAIRE, IN_SOURCE, LINEAGE = ByVersion(), InSource(), Lineage()


# --- what is carried ----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A carried field: the model's field ``name``, how it travels, and the document's key
    for it when that is not its name."""

    name: str
    how: How = VALUE
    key: str = ""

    @property
    def document_key(self):
        return self.key or self.name


NO_IDS = "a database id: rows name each other by natural keys, and the target gives new ids"


@dataclass(frozen=True)
class Carried:
    """One model: the fields carried (a name alone: a value as it is), in the document's order
    and in the order the import reads them (a field may depend on those before it), and the
    fields left out, each with the reason. The primary key is always left out (``NO_IDS``)."""

    model: type[models.Model]
    fields: tuple
    left_out: dict = dataclass_field(default_factory=dict)

    def __post_init__(self):
        fields = tuple(f if isinstance(f, Field) else Field(f) for f in self.fields)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "left_out", {self.model._meta.pk.name: NO_IDS, **self.left_out})


def _each(how, *names):
    """Fields that travel alike."""
    return tuple(Field(name, how) for name in names)


ON_SITE = "a privilege on this site, not in the organisation"
BATCH_LEFT_OUT = "the upload it came in, a record of this site's uploads (not carried)"

# fmt: off
CARRIED = {entry.model: entry for entry in (
    Carried(Organization, ("slug", "name", "low_confidence_threshold", "default_benchmark",
                           "industry", "org_size", "dora_segment", "dora_view",
                           "created_at"),
            left_out={"data_version": "this site's cache counter: the new organisation starts "
                                      "its own"}),
    Carried(User, ("username", "first_name", "last_name", "email", "is_active"),
            left_out={"password": "a credential: a new user gets an unusable password and sets "
                                  "one through \"forgot password\"",
                      "last_login": "when they last logged in to this site",
                      "date_joined": "when they joined this site: a new user joins at the import",
                      "is_superuser": ON_SITE, "is_staff": ON_SITE,
                      "groups": ON_SITE, "user_permissions": ON_SITE}),
    Carried(TeamGroup, (Field("organization", PARENT), "name")),
    Carried(OrgRole, (Field("organization", PARENT), Field("user", USER), "role")),
    # The document's "people": a list of usernames, an organisation member's only field there.
    Carried(OrganizationMember, (Field("organization", PARENT), Field("user", USER)),
            left_out={"source": "how they joined it on this site: the import records \"import\"",
                      "joined_at": "when they joined it on this site: the import"}),
    Carried(Questionnaire, ("key", "version", "status", "source_yaml",
                            Field("organization", Owner(), key="owner"),
                            Field("based_on", AdoptedFrom(owner="organization")),
                            *_each(IN_SOURCE, "title", "description", "content_hash")),
            left_out={"loaded_by": "who loaded it on this site: the import, for nobody",
                      "loaded_at": "when it was loaded on this site: the import",
                      "published_at": "when it was published on this site: the import"}),
    Carried(Dimension, (*_each(IN_SOURCE, "questionnaire", "key", "name", "help", "weight",
                               "position", "focus_areas", "replaces"),
                        Field("lineage", LINEAGE))),
    Carried(Question, (*_each(IN_SOURCE, "questionnaire", "dimension", "key", "text", "help",
                              "weight", "position", "levels", "replaces"),
                       Field("lineage", LINEAGE))),
    Carried(Team, (Field("organization", PARENT), "slug", "name", "created_at",
                   Field("group", GROUP))),
    Carried(Membership, (Field("team", PARENT), "role", "created_at", Field("user", USER))),
    Carried(Assessment, (Field("team", PARENT), "period", "status", "opened_at", "due_date",
                         "closed_at", Field("questionnaire", QUESTIONNAIRE),
                         Field("opened_by", USER), Field("closed_by", USER),
                         Field("questionnaire_key", From("questionnaire.key")))),
    Carried(DimensionTarget, (Field("assessment", PARENT),
                              Field("dimension", ByItemKey("dimensions",
                                                           "assessment.questionnaire_id")),
                              "level")),
    Carried(Response, (Field("assessment", PARENT), "status", "started_at", "updated_at",
                       "submitted_at", Field("respondent", USER))),
    Carried(Answer, (Field("response", PARENT), "level", "not_applicable", "comment",
                     "evidence_url", "updated_at",
                     Field("question", ByItemKey("questions",
                                                 "response.assessment.questionnaire_id")))),
    Carried(DoraSurveyAnswer, (Field("response", PARENT), "deployment_frequency", "lead_time",
                               "time_to_restore", "change_failure_rate", "rework_rate",
                               "updated_at")),
    Carried(Result, (Field("assessment", PARENT), "questionnaire_key", "period", "overall_score",
                     "overall_level", "respondents", "low_confidence", "scoring_rules_version",
                     "data", "dimension_scores", "created_at", "reviewed_at", "review_note",
                     Field("questionnaire", QUESTIONNAIRE), Field("reviewed_by", USER),
                     Field("team", From("assessment.team")))),
    Carried(Roadmap, (Field("result", PARENT), "next_assessment", "checkpoints", "formula",
                      "created_at", Field("team", From("result.team")))),
    Carried(RoadmapItem, (Field("roadmap", PARENT), "key", "kind", "title", "why", "focus_areas",
                          "steps", "success_metric", "owner_role", "priority", "from_level",
                          "to_level", "from_tier", "to_tier", "factors", "phase", "position",
                          "due_date", "done", "edited", "updated_at", Field("owner", USER))),
    Carried(DoraEntry, (Field("team", PARENT), "period", "deployment_frequency", "lead_time",
                        "time_to_restore", "change_failure_rate", "rework_rate", "updated_at",
                        Field("entered_by", USER))),
    Carried(DoraSnapshot, (Field("team", PARENT), "period", "source", "benchmark", "values",
                           "tiers", "overall_tier", "score",
                           Field("details", NamingAnAssessment(team="team")), "computed_at")),
    Carried(Deployment, (Field("team", PARENT), "external_id", "service", "environment",
                         "finished_at", "succeeded", "rolled_back", "hotfix", "caused_failure",
                         "unplanned_fix", "changes", "fixes", "planned", "version",
                         "received_at", "updated_at"),
            left_out={"batch": BATCH_LEFT_OUT}),
    Carried(Incident, (Field("team", PARENT), "external_id", "started_at", "resolved_at",
                       "deployment_external_id", "service", "description", "received_at",
                       "updated_at"),
            left_out={"batch": BATCH_LEFT_OUT}),
    Carried(TeamOwnership, (Field("team", PARENT), Field("organization", From("team.organization")),
                            "kind", "value", "created_at")),
    Carried(AttributionSettings, (Field("team", PARENT), "incident_window_hours")),
    Carried(ValueStreamMap, (Field("team", PARENT), "kind", "version", "created_at", "stages",
                             "figures", "note", Field("created_by", USER))),
    Carried(Campaign, (Field("organization", PARENT), "name", "questionnaire_key", "period",
                       "due_date", "status", "created_at", "closed_at",
                       Field("created_by", USER), Field("closed_by", USER))),
    Carried(CampaignTeam, (Field("campaign", PARENT), "joined_existing", "closed_without_result",
                           Field("team", TEAM), Field("assessment", ByPeriod(team="team")))),
)}
# fmt: on
NOT_CARRIED = {
    Invitation: "a pending invitation is a credential e-mailed from this site: invite again",
    TeamApiToken: "credentials: issue new ones",
    EventBatch: "a record of the uploads made to this site; the events they brought are carried",
    RoadmapReport: "PDF reports and their files: request them again",
    Notice: "what this site told people, and when: nothing to carry to another",
    ReminderLog: "which reminders this site sent: nothing to carry to another",
    NotificationOptOut: "a person's own choice on this site, not the organisation's",
    OrganizationSection: "part of its version: rebuilt from the version's YAML source",
    OrganizationQuestion: "part of its version, rebuilt from the source with its replaces:",
    # Not carried yet (issue 18): the CoE answers them again for the periods it needs.
    OrganizationPractices: "the CoE's answers to the organisation section: not carried yet",
    OrganizationPracticeAnswer: "one answer of those: not carried yet",
    UnroutedEvent: "events this site's webhooks could not route: nothing to carry",
    # A webhook's secret is sealed with this site's SECRET_KEY and its URL is this site's: the
    # organisation creates its webhooks again on the other site (issue 20).
    Webhook: "this site's receiving addresses and sealed secrets: created again on the other",
    WebhookDelivery: "raw bodies this site received (kept for retention only): nothing to carry",
    # SCIM (docs/scim.md): the identity provider is pointed at the other site, where it finds
    # the people again by userName and pushes its groups again; the memberships its groups gave
    # are carried as memberships.
    ScimToken: "credentials: an admin of the organisation creates one on the other site",
    ScimUser: "the identity provider's ids on this site: it matches people again by userName",
    ScimGroup: "the identity provider's groups: pushed again to the other site and mapped there",
    ScimGroupMember: "a member of one of those groups: pushed again with its group",
    # Single sign-on (docs/sso.md): the provider registers this site's redirect or ACS address
    # and its client secret is this site's; the organisation connects it again on the other
    # site (where its domains may already be another organisation's) and maps its groups there.
    # The accounts it created are carried as people.
    SingleSignOn: "this site's connection to the identity provider and its rules: set again",
    SsoDomain: "the domains of that connection: given again with it",
    SsoGroupMapping: "the groups of that connection, mapped again to the other site's teams",
}


# --- export -------------------------------------------------------------------------------


def _out(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _assessment_key(questionnaire_key, period):
    return {"questionnaire_key": questionnaire_key, "period": period}


def _values(model, *extra, **where):
    """``model``'s rows matching ``where``, with what the export of its carried fields reads
    (and the ``extra`` lookups)."""
    lookups = [lookup for f in CARRIED[model].fields for lookup in f.how.lookups(f.name)]
    return model.objects.filter(**where).values(*dict.fromkeys([*lookups, *extra]))


def _by_parent(model, rows):
    """``rows`` of ``model`` grouped by the id of the row the document lists them under."""
    [parent] = [f for f in CARRIED[model].fields if isinstance(f.how, Parent)]
    [key] = parent.how.lookups(parent.name)
    grouped = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


def _one_per_parent(model, rows):
    return {parent: row for parent, (row, *_) in _by_parent(model, rows).items()}


class _Export:
    """The export under way: the usernames its rows name, the keys of its assessments."""

    def __init__(self):
        self.usernames = set()
        self.assessment_keys = {}

    def user(self, username):
        if username is not None:
            self.usernames.add(username)
        return username

    def row(self, model, values, **extra):
        """The document's row of a ``.values()`` row of ``model`` (see ``_values``), then
        ``extra``: the rows listed under it."""
        row = {}
        for field in CARRIED[model].fields:
            if field.how.in_document:
                value = field.how.write(self, values, field.name)
                if value is not OMITTED:
                    row[field.document_key] = value
        return {**row, **extra}

    def rows(self, model, values, key):
        """The document's rows of ``values``, sorted by ``key`` (of a document's row)."""
        return sorted((self.row(model, v) for v in values), key=key)


def export_organization(org):
    """Everything of ``org`` as a JSON-ready dict (see the module docstring). Read-only; a
    fixed number of queries whatever the organisation's size."""
    export = _Export()
    of_org = {"team__organization": org}
    of_assessments = {"assessment__team__organization": org}
    teams = _values(Team, "id", organization=org)
    memberships = _by_parent(Membership, _values(Membership, **of_org))
    assessments = list(_values(Assessment, "id", "questionnaire_key", **of_org))
    export.assessment_keys = {
        a["id"]: _assessment_key(a["questionnaire_key"], a["period"]) for a in assessments
    }
    targets = _by_parent(DimensionTarget, _values(DimensionTarget, **of_assessments))
    responses = _by_parent(Response, _values(Response, "id", **of_assessments))
    answers = _by_parent(
        Answer,
        _values(Answer, "question__position", response__assessment__team__organization=org),
    )
    surveys = _one_per_parent(
        DoraSurveyAnswer,
        _values(DoraSurveyAnswer, response__assessment__team__organization=org),
    )
    results = _one_per_parent(Result, _values(Result, "id", **of_org))
    roadmaps = _one_per_parent(Roadmap, _values(Roadmap, "id", **of_org))
    items = _by_parent(RoadmapItem, _values(RoadmapItem, roadmap__team__organization=org))
    entries = _by_parent(DoraEntry, _values(DoraEntry, **of_org))
    snapshots = _by_parent(DoraSnapshot, _values(DoraSnapshot, **of_org))
    deployments = _by_parent(Deployment, _values(Deployment, **of_org))
    incidents = _by_parent(Incident, _values(Incident, **of_org))
    maps = _by_parent(ValueStreamMap, _values(ValueStreamMap, **of_org))
    ownerships = _by_parent(TeamOwnership, _values(TeamOwnership, **of_org))
    windows = _one_per_parent(AttributionSettings, _values(AttributionSettings, **of_org))

    def export_result(result):
        if result is None:
            return None
        roadmap = roadmaps.get(result["id"])
        return export.row(
            Result, result,
            roadmap=None if roadmap is None else export.row(
                Roadmap, roadmap,
                items=export.rows(RoadmapItem, items.get(roadmap["id"], []), lambda i: i["key"]),
            ),
        )  # fmt: skip

    def export_response(response):
        survey = surveys.get(response["id"])
        return export.row(
            Response, response,
            answers=[
                export.row(Answer, answer)
                for answer in sorted(
                    answers.get(response["id"], []),
                    key=lambda a: (a["question__position"], a["question__key"]),
                )
            ],
            dora_survey=None if survey is None else export.row(DoraSurveyAnswer, survey),
        )  # fmt: skip

    def export_assessment(assessment):
        return export.row(
            Assessment, assessment,
            targets=export.rows(
                DimensionTarget, targets.get(assessment["id"], []), lambda t: t["dimension"]
            ),
            responses=sorted(
                (export_response(r) for r in responses.get(assessment["id"], [])),
                key=lambda r: r["respondent"],
            ),
            result=export_result(results.get(assessment["id"])),
        )  # fmt: skip

    by_team = _by_parent(Assessment, assessments)
    exported_teams = [
        export.row(
            Team,
            team,
            memberships=export.rows(
                Membership, memberships.get(team["id"], []), lambda m: m["user"]
            ),
            assessments=[
                export_assessment(a)
                for a in sorted(
                    by_team.get(team["id"], []), key=lambda a: (a["questionnaire_key"], a["period"])
                )
            ],
            dora_entries=export.rows(DoraEntry, entries.get(team["id"], []), lambda e: e["period"]),
            dora_snapshots=export.rows(
                DoraSnapshot, snapshots.get(team["id"], []), lambda s: (s["period"], s["source"])
            ),
            deployments=export.rows(
                Deployment, deployments.get(team["id"], []), lambda d: d["external_id"]
            ),
            incidents=export.rows(
                Incident, incidents.get(team["id"], []), lambda i: i["external_id"]
            ),
            value_stream_maps=export.rows(
                ValueStreamMap, maps.get(team["id"], []), lambda m: (m["kind"], m["version"])
            ),
            ownerships=export.rows(
                TeamOwnership, ownerships.get(team["id"], []), lambda o: (o["kind"], o["value"])
            ),
            attribution=(
                export.row(AttributionSettings, windows[team["id"]])
                if team["id"] in windows
                else None
            ),
        )
        for team in sorted(teams, key=lambda t: t["slug"])
    ]

    campaign_teams = _by_parent(CampaignTeam, _values(CampaignTeam, campaign__organization=org))
    campaigns = [
        export.row(
            Campaign,
            c,
            teams=export.rows(CampaignTeam, campaign_teams.get(c["id"], []), lambda e: e["team"]),
        )
        for c in _values(Campaign, "id", organization=org)
    ]
    campaigns.sort(key=lambda c: (c["created_at"], c["period"], c["name"]))

    # Sorted in Python, not by the database: collations differ (PostgreSQL's may ignore
    # punctuation), and the same data must export to the same document everywhere.
    org_roles = export.rows(
        OrgRole, _values(OrgRole, organization=org), lambda r: (r["user"], r["role"])
    )
    # The people are listed by username only: an organisation member's one field.
    people = [
        member["user"]
        for member in export.rows(
            OrganizationMember, _values(OrganizationMember, organization=org), lambda m: m["user"]
        )
    ]
    used_library = {
        (key, version)
        for team in exported_teams
        for assessment in team["assessments"]
        for key, version, owner in [assessment["questionnaire"]]
        if owner == "library"
    }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "organization": export.row(Organization, _values(Organization, pk=org.pk).get()),
        "users": export.rows(
            User, _values(User, username__in=export.usernames), lambda u: u["username"]
        ),
        "questionnaires": _export_questionnaires(export, org, used_library),
        "groups": export.rows(TeamGroup, _values(TeamGroup, organization=org), lambda g: g["name"]),
        "people": people,
        "org_roles": org_roles,
        "teams": exported_teams,
        "campaigns": campaigns,
    }


def _export_questionnaires(export, org, used_library):
    """The library versions the organisation's assessments use, then every version it owns,
    with its items' lineage and the library version it was adopted from."""
    library = [
        export.row(Questionnaire, q)
        for q in _values(
            Questionnaire, organization__isnull=True, key__in={key for key, _ in used_library}
        )
        if (q["key"], q["version"]) in used_library
    ]
    lineages = {
        kind: _lineages(model, org)
        for kind, model in (("dimensions", Dimension), ("questions", Question))
    }
    owned = [
        export.row(
            Questionnaire,
            q,
            lineage={kind: lineage.get(q["id"], {}) for kind, lineage in lineages.items()},
        )
        for q in _values(Questionnaire, "id", organization=org)
    ]
    return sorted(library, key=lambda q: (q["key"], q["version"])) + sorted(
        owned, key=lambda q: (q["key"], q["version"])
    )


def _lineages(model, org):
    """``{version id: {key: lineage}}`` of the dimensions or questions of ``org``'s versions."""
    grouped = {}
    rows = model.objects.filter(questionnaire__organization=org)
    for version, key, lineage in sorted(rows.values_list("questionnaire_id", "key", "lineage")):
        grouped.setdefault(version, {})[key] = lineage
    return grouped


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


def _children(pairs, name):
    """``[(parent object, child row)]`` for the rows listed under ``name`` in each parent's."""
    return [(obj, child) for obj, row in pairs for child in row[name]]


def _child(pairs, name):
    """``[(parent object, child row)]`` for the row (or none) under ``name`` in each parent's."""
    return [(obj, row[name]) for obj, row in pairs if row[name]]


def _since_format_3(data, pairs):
    """``pairs`` with the team rows of a format 1 or 2 document given the lists format 3 added
    (a team owning nothing, with the default attribution window)."""
    if data["format_version"] >= 3:
        return pairs
    return [(obj, {"ownerships": [], "attribution": None, **row}) for obj, row in pairs]


class _Load:
    """The import under way: what it has created, by the natural keys the document names."""

    def __init__(self, users):
        self.users = users
        self.questionnaires = {}
        self.items = {"dimensions": {}, "questions": {}}
        self.groups = {}
        self.teams = {}
        self.assessments = {}

    def user(self, username):
        if username is not None and username not in self.users:
            raise Invalid(f"{username!r} is referred to but is not among the export's users.")
        return self.users.get(username)

    def questionnaire(self, ref):
        key, version, *owner = ref
        return self.questionnaires[(key, version, owner[0] if owner else "library")]

    def assessment(self, team, key):
        return self.assessments[team.id, key["questionnaire_key"], key["period"]]

    def fields(self, model, parent, row):
        """The field values of a ``model`` listed under ``parent`` in the document's ``row``."""
        values = {}
        for field in CARRIED[model].fields:
            value = row[field.document_key] if field.how.in_document else None
            values[field.name] = field.how.read(self, model, field.name, value, parent, values)
        return values

    def insert(self, model, pairs):
        """Insert a ``model`` per ``(parent, row)``: ``[(object, row)]``."""
        return _insert(model, pairs, lambda parent, row: self.fields(model, parent, row))


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
    slug = data["organization"]["slug"]
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(f"An organisation with the slug {slug!r} already exists; nothing imported.")

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
    load = _Load(users)
    for row in data["users"]:
        if row["username"] not in users:
            new_user = User(**load.fields(User, None, row))
            new_user.set_unusable_password()
            new_user.save()
            users[new_user.username] = new_user

    [(org, _)] = load.insert(Organization, [(None, data["organization"])])
    for entry in data["questionnaires"]:
        owner = entry.get("owner", "library")
        load.questionnaires[(entry["key"], entry["version"], owner)] = (
            _questionnaire(entry) if owner == "library" else _owned_questionnaire(entry, org)
        )
    versions = load.questionnaires.values()
    load.items["questions"] = {q.id: {x.key: x for x in q.questions.all()} for q in versions}
    load.items["dimensions"] = {q.id: {d.key: d for d in q.dimensions.all()} for q in versions}

    groups = load.insert(TeamGroup, [(org, row) for row in data["groups"]])
    load.groups = {group.name: group for group, _ in groups}
    load.insert(OrgRole, [(org, row) for row in data["org_roles"]])
    teams = load.insert(Team, [(org, row) for row in data["teams"]])
    load.teams = {team.slug: team for team, _ in teams}
    load.insert(Membership, _children(teams, "memberships"))
    assessments = load.insert(Assessment, _children(teams, "assessments"))
    load.assessments = {(a.team_id, a.questionnaire_key, a.period): a for a, _ in assessments}
    load.insert(DimensionTarget, _children(assessments, "targets"))
    responses = load.insert(Response, _children(assessments, "responses"))
    load.insert(Answer, _children(responses, "answers"))
    load.insert(DoraSurveyAnswer, _child(responses, "dora_survey"))
    results = load.insert(Result, _child(assessments, "result"))
    roadmaps = load.insert(Roadmap, _child(results, "roadmap"))
    load.insert(RoadmapItem, _children(roadmaps, "items"))
    load.insert(DoraEntry, _children(teams, "dora_entries"))
    load.insert(Deployment, _children(teams, "deployments"))
    load.insert(Incident, _children(teams, "incidents"))
    load.insert(ValueStreamMap, _children(teams, "value_stream_maps"))
    load.insert(TeamOwnership, _children(_since_format_3(data, teams), "ownerships"))
    load.insert(AttributionSettings, _child(_since_format_3(data, teams), "attribution"))
    load.insert(DoraSnapshot, _children(teams, "dora_snapshots"))
    campaigns = load.insert(Campaign, [(org, row) for row in data["campaigns"]])
    load.insert(CampaignTeam, _children(campaigns, "teams"))
    # The organisation's people: those the export lists (format 1 had no list) and everyone
    # with a team or a role in it.
    people = {load.user(username).pk for username in data.get("people", [])}
    people |= set(Membership.objects.filter(team__organization=org).values_list("user", flat=True))
    people |= set(OrgRole.objects.filter(organization=org).values_list("user", flat=True))
    OrganizationMember.objects.bulk_create(
        [
            OrganizationMember(organization=org, user_id=pk, source=OrganizationMember.IMPORT)
            for pk in sorted(people)
        ]
    )
    return org
