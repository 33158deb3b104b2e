"""Plain-data shape of a questionnaire version, shared by the API and the pages."""

from assessments.levels import LEVELS
from assessments.questionnaires import selectors as questionnaire_selectors


def questionnaire_json(questionnaire):
    return {
        "key": questionnaire.key,
        "version": questionnaire.version,
        "title": questionnaire.title,
        "status": questionnaire.status,
        "description": questionnaire.description,
        "dimensions": [
            {
                "key": d.key,
                "name": d.name,
                "help": d.help,
                "weight": d.weight,
                "focus_areas": d.focus_areas,
                "questions": [
                    {
                        "key": q.key,
                        "text": q.text,
                        "help": q.help,
                        "weight": q.weight,
                        "levels": [q.levels[str(level)] for level in LEVELS],
                    }
                    for q in qs
                ],
            }
            for d, qs in questionnaire_selectors.questionnaire_structure(questionnaire)
        ],
    }
