"""Attribution: which team an event belongs to (ownership routing), which deployments were
rollbacks or fixes, and which deployment caused each incident.

Everything here except ``route_event`` works on plain data and is tested without the database;
``services.event_metrics`` loads the events, calls ``attribute`` and hands the result to
``rules.compute_metrics``. The exact rules are in docs/dora.md, "Events and attribution"."""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

DEFAULT_INCIDENT_WINDOW_HOURS = 24

# Rules, in the order they are tried, as the explanation names them.
EXPLICIT = "explicit"
ROOT_CAUSE = "root_cause"
WINDOW = "window"
NONE = "none"
RULE_LABELS = {
    EXPLICIT: "explicit link",
    ROOT_CAUSE: "root-cause line",
    WINDOW: "last production deployment of the service in the window",
    NONE: "none",
}

# --------------------------------------------------------------------------------------------
# Ownership routing


def normalise_path(path: str) -> str:
    return str(path or "").strip().lstrip("/")


def _prefix_matches(prefix: str, path: str) -> bool:
    # On path segments: "services/pay" does not own "services/payments/x".
    prefix = normalise_path(prefix).rstrip("/")
    path = normalise_path(path)
    return bool(prefix) and (path == prefix or path.startswith(prefix + "/"))


def route(ownerships, event) -> tuple[object | None, str]:
    """The owning team of ``event`` (a dict with optional ``service``, ``repository`` and
    ``paths``) among ``ownerships`` (``(kind, value, team)`` triples): ``(team, reason)``,
    or ``(None, reason)`` when no team owns it.

    Tried in order, the most specific first: the service (exact), then the path prefixes
    (for each path the longest owned prefix; all matched paths must lead to one team), then
    the repository (exact full name, case-insensitive)."""
    services, repositories, prefixes = {}, {}, []
    for kind, value, team in ownerships:
        if kind == "service":
            services[value.strip()] = team
        elif kind == "repository":
            repositories[value.strip().lower()] = team
        elif kind == "path":
            prefixes.append((normalise_path(value).rstrip("/"), team))

    service = str(event.get("service") or "").strip()
    if service and service in services:
        return services[service], f"service {service!r}"

    paths = [normalise_path(p) for p in event.get("paths") or () if normalise_path(p)]
    owners = {}
    for path in paths:
        matching = [(len(prefix), prefix, team) for prefix, team in prefixes
                    if _prefix_matches(prefix, path)]  # fmt: skip
        if matching:
            _, prefix, team = max(matching, key=lambda m: m[0])
            owners.setdefault(team, prefix)
    if len(owners) == 1:
        ((team, prefix),) = owners.items()
        return team, f"path prefix {prefix!r}"
    if len(owners) > 1:
        names = ", ".join(sorted(repr(p) for p in owners.values()))
        return None, f"the paths are owned by {len(owners)} teams ({names})"

    repository = str(event.get("repository") or "").strip()
    if repository and repository.lower() in repositories:
        return repositories[repository.lower()], f"repository {repository!r}"

    looked = [f"service {service!r}"] if service else []
    if repository:
        looked.append(f"repository {repository!r}")
    if paths:
        looked.append(f"{len(paths)} path(s)")
    if not looked:
        return None, "the event names no service, repository or path"
    return None, "no team owns " + ", ".join(looked)


def route_event(organization, event):
    """``route`` over the organisation's stored ownerships (one query). Organisation webhooks
    call this; an event routed to no team is kept as an UnroutedEvent with the reason."""
    from assessments.models.dora import TeamOwnership

    rows = (
        TeamOwnership.objects.filter(organization=organization)
        .select_related("team")
        .only("kind", "value", "team")
    )
    return route([(o.kind, o.value, o.team) for o in rows], event)


# --------------------------------------------------------------------------------------------
# Deployments and incidents


@dataclass(frozen=True)
class DeploymentEvent:
    external_id: str
    finished_at: datetime
    service: str = ""
    environment: str = "production"
    succeeded: bool = True
    version: str = ""
    fixes: str = ""
    planned: bool = True
    unplanned_fix: bool = False
    change_titles: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.environment.strip().lower() in ("production", "prod")


@dataclass(frozen=True)
class IncidentEvent:
    external_id: str
    started_at: datetime
    service: str = ""
    deployment_external_id: str = ""
    description: str = ""


@dataclass(frozen=True)
class IncidentAttribution:
    incident_id: str
    deployment_id: str | None
    rule: str  # EXPLICIT, ROOT_CAUSE, WINDOW or NONE
    detail: str


@dataclass(frozen=True)
class DeploymentRole:
    """What attribution learnt about one deployment."""

    deployment_id: str
    fixes: str | None = None  # the deployment it fixes or rolls back
    fix_reason: str = ""  # "fixes field", "redeploys version ...", "revert change ..."
    rework: bool = False  # an unplanned fix
    fixed_by: tuple[str, ...] = ()  # later deployments that fix it
    incidents: tuple[str, ...] = field(default=())  # incidents attributed to it


@dataclass(frozen=True)
class Attribution:
    deployments: dict  # external_id -> DeploymentRole
    incidents: dict  # external_id -> IncidentAttribution


_ROOT_CAUSE = re.compile(r"^\s*root[ _-]?cause\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_REVERT = re.compile(r'^Revert "(.*)"\s*$')


def root_cause_token(text: str) -> str | None:
    """The token of the first ``root cause: <sha or deployment id>`` line, if any."""
    match = _ROOT_CAUSE.search(text or "")
    return match.group(1).strip(".,;") if match else None


def _matches_token(d: DeploymentEvent, token: str) -> bool:
    if d.external_id == token:
        return True
    # A sha may be given short (at least 7 characters, as git abbreviates).
    if not d.version:
        return False
    return d.version == token or (len(token) >= 7 and d.version.startswith(token))


def derive_fixes(deployments) -> dict:
    """For each deployment, the deployment it fixes or rolls back and why: the ``fixes``
    field; else a redeploy of a version an earlier deployment of the same service had, when
    the service's previous deployment had another version (redeploying the current version is
    a retry, not a rollback) -- it rolls back that previous deployment; else a change titled
    ``Revert "<title>"`` -- it rolls back the latest earlier deployment of the service that
    carried a change titled ``<title>``, or else the service's previous deployment."""
    ordered = sorted(deployments, key=lambda d: (d.finished_at, d.external_id))
    result = {}
    history: dict[str, list[DeploymentEvent]] = {}
    for d in ordered:
        earlier = [e for e in history.get(d.service, []) if e.succeeded]
        previous = earlier[-1] if earlier else None
        if d.fixes:
            result[d.external_id] = (d.fixes, "fixes field")
        elif (
            d.version
            and previous is not None
            and previous.version != d.version
            and any(e.version == d.version for e in earlier[:-1])
        ):
            result[d.external_id] = (previous.external_id, f"redeploys version {d.version!r}")
        else:
            for title in d.change_titles:
                match = _REVERT.match(title or "")
                if not match:
                    continue
                reverted = [e for e in earlier if match.group(1) in e.change_titles]
                target = reverted[-1] if reverted else previous
                if target is not None:
                    result[d.external_id] = (target.external_id, f"revert change {title!r}")
                    break
        if d.succeeded:
            history.setdefault(d.service, []).append(d)
    return result


def attribute_incident(incident: IncidentEvent, deployments, window_hours: int):
    """Which deployment caused ``incident``, tried in order: the explicit link (the
    incident's deployment_external_id); a ``root cause:`` line naming a deployment id or a
    (short) sha of a deployment that finished before the incident started; the last
    successful production deployment of the incident's service that finished within
    ``window_hours`` before it started; else none."""
    if incident.deployment_external_id:
        return IncidentAttribution(
            incident.external_id, incident.deployment_external_id, EXPLICIT,
            f"the incident names deployment {incident.deployment_external_id!r}",
        )  # fmt: skip
    token = root_cause_token(incident.description)
    if token:
        candidates = [
            d for d in deployments
            if _matches_token(d, token) and d.finished_at <= incident.started_at
        ]  # fmt: skip
        if candidates:
            cause = max(candidates, key=lambda d: (d.finished_at, d.external_id))
            return IncidentAttribution(
                incident.external_id, cause.external_id, ROOT_CAUSE,
                f"'root cause: {token}' matches deployment {cause.external_id!r}",
            )  # fmt: skip
    if incident.service:
        since = incident.started_at - timedelta(hours=window_hours)
        candidates = [
            d for d in deployments
            if d.service == incident.service and d.succeeded and d.is_production
            and since <= d.finished_at <= incident.started_at
        ]  # fmt: skip
        if candidates:
            cause = max(candidates, key=lambda d: (d.finished_at, d.external_id))
            return IncidentAttribution(
                incident.external_id, cause.external_id, WINDOW,
                f"last production deployment of {incident.service!r} within "
                f"{window_hours} h before the incident started",
            )  # fmt: skip
        reason = f"no production deployment of {incident.service!r} within {window_hours} h before"
    else:
        reason = "the incident names no service and no deployment"
    if token:
        reason = f"'root cause: {token}' matches no earlier deployment; " + reason
    return IncidentAttribution(incident.external_id, None, NONE, reason)


def attribute(deployments, incidents, window_hours=DEFAULT_INCIDENT_WINDOW_HOURS) -> Attribution:
    """Fixes, rework and incident causes over the given events (see ``derive_fixes`` and
    ``attribute_incident``). A fix deployment is rework when it is not planned, or when it is
    a recognised rollback (a redeploy or revert is never planned work)."""
    deployments = list(deployments)
    fixes = derive_fixes(deployments)
    incident_rules = {
        i.external_id: attribute_incident(i, deployments, window_hours) for i in incidents
    }
    fixed_by: dict[str, list[str]] = {}
    for fixer, (target, _) in fixes.items():
        fixed_by.setdefault(target, []).append(fixer)
    caused: dict[str, list[str]] = {}
    for rule in incident_rules.values():
        if rule.deployment_id:
            caused.setdefault(rule.deployment_id, []).append(rule.incident_id)
    roles = {}
    for d in deployments:
        target, reason = fixes.get(d.external_id, (None, ""))
        rework = d.unplanned_fix or (
            target is not None and (not d.planned or reason != "fixes field")
        )
        roles[d.external_id] = DeploymentRole(
            deployment_id=d.external_id,
            fixes=target,
            fix_reason=reason,
            rework=rework,
            fixed_by=tuple(sorted(fixed_by.get(d.external_id, ()))),
            incidents=tuple(sorted(caused.get(d.external_id, ()))),
        )
    return Attribution(deployments=roles, incidents=incident_rules)


def with_role(deployment, role: DeploymentRole | None):
    """A rules.Deployment with the flags attribution adds: fixed by a later deployment or
    caused an attributed incident -> caused_failure; an unplanned fix -> unplanned_fix."""
    if role is None:
        return deployment
    return replace(
        deployment,
        caused_failure=deployment.caused_failure or bool(role.fixed_by),
        unplanned_fix=deployment.unplanned_fix or role.rework,
    )
