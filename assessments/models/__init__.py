from .answering import Answer, Assessment, DimensionTarget, Response, Result
from .dora import Deployment, DoraEntry, DoraSnapshot, DoraSurveyAnswer, Incident, TeamApiToken
from .people import Membership, Organization, OrgRole, Team, TeamGroup
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
    "Incident",
    "Membership",
    "OrgRole",
    "Organization",
    "Question",
    "Questionnaire",
    "Response",
    "Result",
    "Team",
    "TeamApiToken",
    "TeamGroup",
    "ValueStreamMap",
]
