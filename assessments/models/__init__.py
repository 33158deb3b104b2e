from .answering import Answer, Assessment, DimensionTarget, Response, Result
from .dora import (
    Deployment,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    EventBatch,
    Incident,
    TeamApiToken,
)
from .people import (
    Invitation,
    Membership,
    Organization,
    OrganizationMember,
    OrgRole,
    Team,
    TeamGroup,
)
from .questionnaires import Dimension, Question, Questionnaire
from .valuestream import ValueStreamMap

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
    "Team",
    "TeamApiToken",
    "TeamGroup",
    "ValueStreamMap",
]
