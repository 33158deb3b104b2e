"""The audit trail: who changed what in answers, responses, results, roadmap items and
memberships, read by organisation admins at /audit/.

django-auditlog writes the entries (the models are registered in
``settings.AUDITLOG_INCLUDE_TRACKING_MODELS``); model signals catch ordinary saves and deletes.
Writes that bypass signals (``bulk_create``, ``bulk_update``, ``QuerySet.update``) are
recorded by their service with ``snapshot`` before the write and ``record`` after it.

An entry belongs to the team of the object it is about; ``entries_for`` shows an organisation
admin the entries of their organisation's teams only.
"""

import copy
import functools
import operator
from dataclasses import dataclass
from datetime import datetime

from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from assessments import permissions
from assessments.models import (
    Answer,
    DoraEntry,
    EventBatch,
    Membership,
    Organization,
    Questionnaire,
    Response,
    Result,
    ScimGroup,
    ScimToken,
    SingleSignOn,
    Team,
    TeamApiToken,
    Webhook,
)

User = get_user_model()

# --- writing ------------------------------------------------------------------------------


class AuditActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with two corrections.

    The actor is looked up when an entry is written, not when the request arrives: Django
    REST framework authenticates API tokens inside the view, so an eager lookup would log API
    writes without an actor. The client address is the one django-axes uses (REMOTE_ADDR, or
    the proxy's X-Forwarded-For entry when AXES_BEHIND_PROXY is set), not the left-most
    X-Forwarded-For entry, which any client can forge."""

    @staticmethod
    def _get_actor(request):
        def actor():
            user = getattr(request, "user", None)
            return user if user is not None and user.is_authenticated else None

        return SimpleLazyObject(actor)

    @staticmethod
    def _get_remote_addr(request):
        return get_client_ip_address(request)

    @staticmethod
    def _get_remote_port(request):
        return None  # X-Forwarded-Port is the client's word; the proxy's port says nothing


def snapshot(instances):
    """Copies of the rows as they are before a write that bypasses model signals, keyed by
    primary key, for ``record``."""
    return {obj.pk: copy.copy(obj) for obj in instances}


def record(instances, before=None, *, actor=None):
    """Log what a bulk write did to ``instances`` (saved model objects, with primary keys):
    an object whose key is in ``before`` (from ``snapshot``) was changed from that copy, any
    other was created. Objects whose audited fields did not change get no entry. The actor is
    the request's user (set by the middleware) unless given, e.g. in a task. Returns the
    entries written."""
    if auditlog_disabled.get():
        return []
    before = before or {}
    entries = []
    for obj in instances:
        old = before.get(obj.pk)
        changes = model_instance_diff(
            old, obj, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
        )
        if not changes:
            continue
        extra = {"actor": actor, "actor_email": actor.email} if actor is not None else {}
        entries.append(
            LogEntry.objects.log_create(
                obj,
                action=LogEntry.Action.CREATE if old is None else LogEntry.Action.UPDATE,
                changes=changes,
                **extra,
            )
        )
    return entries


def record_questionnaire(questionnaire, event, summary, *, actor=None):
    """One entry for an event in a questionnaire version's life: "loaded", "adopted",
    "draft", "published", "retired", "discarded", with a one-line summary (for "published":
    what changed against the previous published version)."""
    if auditlog_disabled.get():
        return None
    extra = {"actor": actor, "actor_email": actor.email} if getattr(actor, "pk", None) else {}
    action = LogEntry.Action.DELETE if event == "discarded" else LogEntry.Action.UPDATE
    if event in ("loaded", "adopted", "draft"):
        action = LogEntry.Action.CREATE
    return LogEntry.objects.log_create(
        questionnaire,
        action=action,
        changes={"event": [None, event], "summary": [None, summary]},
        additional_data={"organization": questionnaire.organization_id},
        **extra,
    )


def record_sign_in(sso, event, details, *, actor=None):
    """One entry for a change of how an organisation signs in (issue 21): the provider
    "connected" or "disconnected", the "rules" for password sign-in, a group "mapped" or
    "unmapped", with a one-line ``details`` written by the caller (never a secret)."""
    if auditlog_disabled.get():
        return None
    extra = {"actor": actor, "actor_email": actor.email} if getattr(actor, "pk", None) else {}
    return LogEntry.objects.log_create(
        sso,
        action=LogEntry.Action.UPDATE,
        changes={"event": [None, event], "details": [None, details]},
        additional_data={"organization": sso.organization_id},
        **extra,
    )


def record_webhook(hook, event, *, actor=None):
    """One entry for an event in a webhook's life: "created", "rotated" or "secret from
    provider" (with the time the previous secret stops being valid), "revoked". What the entry
    holds is written out here, never the webhook's fields wholesale, so that no secret, sealed
    or not, can reach it."""
    if auditlog_disabled.get():
        return None
    extra = {"actor": actor, "actor_email": actor.email} if getattr(actor, "pk", None) else {}
    changes = {
        "event": [None, event],
        "provider": [None, hook.get_provider_display()],
        "settings": [None, ", ".join(f"{k}={v}" for k, v in sorted(hook.settings.items()))],
    }
    if event in ("rotated", "secret from provider"):
        changes["previous_secret_expires_at"] = [None, hook.previous_secret_expires_at.isoformat()]
    action = {"created": LogEntry.Action.CREATE, "revoked": LogEntry.Action.DELETE}
    team = hook.team
    return LogEntry.objects.log_create(
        hook,
        action=action.get(event, LogEntry.Action.UPDATE),
        changes=changes,
        additional_data={
            "organization": team.organization_id if team else hook.organization_id,
            "team": hook.team_id,
        },
        **extra,
    )


def record_provisioning(obj, event, details, *, actor=None):
    """One entry for a change an organisation admin makes to SCIM provisioning (issue 21): a
    SCIM token "created" or "revoked", a SCIM group "mapped" to a team or "unmapped", with a
    one-line ``details`` written by the caller. Written out here, never the row's fields
    wholesale, so that neither a token's key nor its hash can reach the entry."""
    if auditlog_disabled.get():
        return None
    extra = {"actor": actor, "actor_email": actor.email} if getattr(actor, "pk", None) else {}
    action = {"created": LogEntry.Action.CREATE, "revoked": LogEntry.Action.DELETE}
    return LogEntry.objects.log_create(
        obj,
        action=action.get(event, LogEntry.Action.UPDATE),
        changes={"event": [None, event], "details": [None, details]},
        additional_data={"organization": obj.organization_id},
        **extra,
    )


# --- reading ------------------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass(frozen=True)
class Audited:
    key: str
    model: type
    label: str
    team_path: str  # from the model to its team, for ORM lookups


AUDITED = {
    a.key: a
    for a in (
        Audited("answer", Answer, "Answers", "response__assessment__team"),
        Audited("response", Response, "Responses", "assessment__team"),
        Audited("result", Result, "Results", "team"),
        Audited("membership", Membership, "Memberships", "team"),
        Audited("doraentry", DoraEntry, "DORA figures", "team"),
        Audited("eventbatch", EventBatch, "Event uploads", "team"),
        Audited("teamapitoken", TeamApiToken, "API tokens", "team"),
        Audited("organization", Organization, "Organisation settings", ""),
        # Webhook entries keep their organisation and team (record_webhook).
        Audited("webhook", Webhook, "Webhooks", ""),
        # Questionnaire entries belong to the organisation that owns the version (kept in the
        # entry, so a discarded draft stays listed); library entries to superusers only.
        Audited("questionnaire", Questionnaire, "Questionnaires", ""),
        # Sign-in entries keep their organisation (record_sign_in).
        Audited("signin", SingleSignOn, "Sign-in and single sign-on", ""),
        # SCIM entries keep their organisation (record_provisioning).
        Audited("scimtoken", ScimToken, "SCIM tokens", ""),
        Audited("scimgroup", ScimGroup, "SCIM groups", ""),
    )
}


def register(audited, *, after):
    """Add a model of another app to the audit page (its entries, filter and labels), placed
    after the key ``after`` in the page's list. Apps above this one call it from their
    ``ready`` (reports: roadmap items), so that this module never imports them."""
    global AUDITED
    items = list(AUDITED.items())
    position = [k for k, _ in items].index(after) + 1
    items.insert(position, (audited.key, audited))
    AUDITED = dict(items)


def may_read(user) -> bool:
    """Organisation admins (for their organisations) and superusers."""
    access = permissions.access_for(user)
    return access.is_superuser or bool(access.admin_org_ids)


def teams_for(user):
    """The teams whose entries the user may read."""
    organizations = permissions.administered_organizations(user)
    return Team.objects.filter(organization__in=organizations).order_by("name")


def entries_for(user, team_ids=None, model_key=None):
    """Entries about the given teams (default: every team the user may read) and model (a key
    of ``AUDITED``), newest first. Ask ``may_read`` first.

    An entry is matched through the object it is about: answers, responses, results and roadmap
    items while they exist; memberships through the team stored in the entry, so that a removal
    stays listed after the row is gone."""
    audited = [AUDITED[model_key]] if model_key else list(AUDITED.values())
    types = ContentType.objects.get_for_models(*(a.model for a in audited))
    entries = LogEntry.objects.select_related("actor").order_by("-timestamp", "-id")
    if team_ids is None and permissions.access_for(user).is_superuser:
        return entries.filter(content_type__in=[types[a.model] for a in audited])
    # Questionnaire entries are about an organisation, not a team: listed unless a team is
    # asked for.
    org_ids = [] if team_ids is not None else list(permissions.access_for(user).admin_org_ids)
    if team_ids is None:
        team_ids = list(teams_for(user).values_list("id", flat=True))
    scopes = []
    for a in audited:
        if a.model in ORGANIZATION_ENTRIES:
            about = Q(additional_data__organization__in=org_ids)
        elif a.model is Webhook:
            # An organisation's webhooks are listed unless a team is asked for, like
            # questionnaires; a team's with its team.
            about = Q(additional_data__team__in=team_ids) | Q(
                additional_data__organization__in=org_ids
            )
        elif a.model is Organization:
            about = Q(object_id__in=org_ids)
        elif a.model in SERIALIZED_TEAM:
            about = Q(serialized_data__fields__team__in=team_ids)
        else:
            ids = a.model.objects.filter(**{f"{a.team_path}__in": team_ids}).values("pk")
            about = Q(object_id__in=ids)
        scopes.append(Q(content_type=types[a.model]) & about)
    return entries.filter(functools.reduce(operator.or_, scopes))


# Entries of these models are about an organisation and keep it in the entry.
ORGANIZATION_ENTRIES = (Questionnaire, SingleSignOn, ScimToken, ScimGroup)
# Entries of these models keep their team in the entry, so a deletion stays listed.
SERIALIZED_TEAM = (Membership, DoraEntry, EventBatch, TeamApiToken)


def describe(entries):
    """The page's entries as rows for the template, with the name of each entry's team (one
    query per audited model on the page, whatever the page size)."""
    entries = list(entries)
    by_type = {ct.id: a for a, ct in _types().items()}
    ids = {}
    membership_team_ids = set()
    for entry in entries:
        audited = by_type.get(entry.content_type_id)
        if audited is None:
            continue
        if audited.model in SERIALIZED_TEAM:
            membership_team_ids.add(_membership_team_id(entry))
        elif audited.model is Webhook:
            membership_team_ids.add(_additional(entry, "team"))
        elif audited.model not in (Organization, *ORGANIZATION_ENTRIES):
            ids.setdefault(audited, set()).add(entry.object_id)
    team_of = {}  # (audited key, object id) -> team name
    for audited, object_ids in ids.items():
        rows = audited.model.objects.filter(pk__in=object_ids).values_list(
            "pk", f"{audited.team_path}__name"
        )
        team_of.update({(audited.key, pk): name for pk, name in rows})
    team_names = dict(
        Team.objects.filter(pk__in=membership_team_ids - {None}).values_list("pk", "name")
    )
    usernames = _usernames(entries, by_type)
    rows = []
    for entry in entries:
        audited = by_type.get(entry.content_type_id)
        if audited is not None and audited.model in SERIALIZED_TEAM:
            team = team_names.get(_membership_team_id(entry), "")
        elif audited is not None and audited.model is Webhook:
            team_id = _additional(entry, "team")
            team = team_names.get(team_id, "") if team_id else "(organisation)"
        elif audited is not None and audited.model in (Organization, *ORGANIZATION_ENTRIES):
            team = "(organisation)"
        elif audited is not None:
            team = team_of.get((audited.key, entry.object_id), "")
        else:
            team = ""
        rows.append(
            {
                "entry": entry,
                "team": team,
                "what": audited.label if audited else "",
                "changes": _readable_changes(entry, audited, usernames),
            }
        )
    return rows


def _user_fields(model):
    """Fields of ``model`` that point at a user: their logged values are user ids."""
    return {f.name for f in model._meta.fields if f.is_relation and f.related_model is User}


def _usernames(entries, by_type):
    """{user id as logged: username} for every user field in the entries (one query)."""
    ids = set()
    for entry in entries:
        audited = by_type.get(entry.content_type_id)
        fields = _user_fields(audited.model) if audited else set()
        for name, values in entry.changes_dict.items():
            if name in fields:
                ids.update(v for v in values if v and v.isdigit())
    if not ids:
        return {}
    users = User.objects.filter(pk__in=[int(i) for i in ids]).values_list("pk", "username")
    return {str(pk): username for pk, username in users}


def _readable_changes(entry, audited, usernames):
    """[(label, [old, new])] without the row id: fields by the label people see ("Submitted
    at", not ``submitted_at``), usernames for user ids, date-times to the minute."""
    fields = _user_fields(audited.model) if audited else set()
    return [
        (
            field_label(audited.model if audited else None, name),
            [readable_value(usernames.get(v, v) if name in fields else v) for v in values],
        )
        for name, values in sorted(entry.changes_dict.items())
        if name != "id"
    ]


def field_label(model, name):
    """The field's verbose name, capitalised: what forms and pages call it."""
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except (AttributeError, LookupError, FieldDoesNotExist):
        label = name.replace("_", " ")
    return label[:1].upper() + label[1:]


def readable_value(value):
    """A logged value for people: a date-time as ``2026-12-07 09:41`` in the site's zone,
    "None" as an em dash; anything else unchanged."""
    if value in (None, "None", ""):
        return "—"
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] in " T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return value


def _types():
    types = ContentType.objects.get_for_models(*(a.model for a in AUDITED.values()))
    return {a: types[a.model] for a in AUDITED.values()}


def _membership_team_id(entry):
    try:
        return entry.serialized_data["fields"]["team"]
    except (TypeError, KeyError):
        return None


def _additional(entry, key):
    data = entry.additional_data
    return data.get(key) if isinstance(data, dict) else None
