from .answering import Answer, Assessment, DimensionTarget, Response, Result
from .people import Membership, Organization, OrgRole, Team, TeamGroup
from .questionnaires import Dimension, Question, Questionnaire

__all__ = [
    "Answer",
    "Assessment",
    "Dimension",
    "DimensionTarget",
    "Membership",
    "OrgRole",
    "Organization",
    "Question",
    "Questionnaire",
    "Response",
    "Result",
    "Team",
    "TeamGroup",
]
