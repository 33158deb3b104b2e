from assessments.models.answering import Answer, Assessment, DimensionTarget, Response, Result
from assessments.models.dora import (
    Deployment,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    EventBatch,
    Incident,
    TeamApiToken,
)
from assessments.models.people import (
    Invitation,
    Membership,
    Organization,
    OrganizationMember,
    OrgRole,
    Team,
    TeamGroup,
)
from assessments.models.questionnaires import Dimension, Question, Questionnaire
from assessments.models.scim import ScimGroup, ScimGroupMember, ScimToken, ScimUser
from assessments.models.sso import SingleSignOn, SsoDomain, SsoGroupMapping
from assessments.models.valuestream import ValueStreamMap
from assessments.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "Answer",
    "Assessment",
    "Deployment",
    "Dimension",
    "DimensionTarget",
    "DoraEntry",
    "DoraSnapshot",
    "DoraSurveyAnswer",
    "EventBatch",
    "Incident",
    "Invitation",
    "Membership",
    "OrgRole",
    "Organization",
    "OrganizationMember",
    "Question",
    "Questionnaire",
    "Response",
    "Result",
    "ScimGroup",
    "ScimGroupMember",
    "ScimToken",
    "ScimUser",
    "SingleSignOn",
    "SsoDomain",
    "SsoGroupMapping",
    "Team",
    "TeamApiToken",
    "TeamGroup",
    "ValueStreamMap",
    "Webhook",
    "WebhookDelivery",
]
