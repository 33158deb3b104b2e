"""The DORA survey asks DORA's 2025 Quick Check questions: six answer buckets for lead time,
deployment frequency and recovery time (the reference's buckets, best 6), DORA's rework
wording, "I don't know" stored as no answer (left out of every score)."""

from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.dora import services as dora_services

DURATION_BUCKETS = [  # dora-2025.md: lead time and recovery time answers
    (1, "More than six months"),
    (2, "Between one month and six months"),
    (3, "Between one week and one month"),
    (4, "Between one day and one week"),
    (5, "Less than one day"),
    (6, "Less than one hour"),
]
FREQUENCY_BUCKETS = [  # dora-2025.md: deployment frequency answers
    (1, "Fewer than once every six months"),
    (2, "Between once per month and once every six months"),
    (3, "Between once per week and once per month"),
    (4, "Between once per day and once per week"),
    (5, "Between once per hour and once per day"),
    (6, "On demand (multiple deploys per day)"),
]
REWORK_QUESTION = (
    "Approximately what percentage of deployments in the last 6 months were not planned but "
    "were performed to address a user-facing bug in the application?"
)


def buckets(metric):
    return sorted((o.bucket, o.label) for o in dora.SURVEY_OPTIONS[metric])


def test_survey_options_are_the_quick_check_2025_buckets():
    assert buckets("lead_time") == DURATION_BUCKETS
    assert buckets("time_to_restore") == DURATION_BUCKETS
    assert buckets("deployment_frequency") == FREQUENCY_BUCKETS


def test_survey_option_values_score_as_their_bucket():
    """Each option's representative value lands in its own bucket: (bucket - 1) / 5 x 10."""
    for metric, options in dora.SURVEY_OPTIONS.items():
        for option in options:
            assert dora.metric_score(metric, option.value) == (option.bucket - 1) * 2.0


def test_survey_dont_know_is_stored_as_no_answer():
    assert dora_services.clean_survey_answers(
        {"lead_time": "", "deployment_frequency": None, "time_to_restore": "less_than_one_hour",
         "change_failure_rate": "", "rework_rate": None}
    ) == {"lead_time": "", "deployment_frequency": "", "time_to_restore": "less_than_one_hour",
          "change_failure_rate": None, "rework_rate": None}  # fmt: skip


def test_answer_page_asks_the_2025_questions_in_dora_factors(world, open_assessment, client):
    client.force_login(world.member_a)
    html = client.get(f"/assessments/{open_assessment.id}/answer/").content.decode()
    section = html.split('<section id="dora"', 1)[1].split("</section>", 1)[0]
    assert REWORK_QUESTION in section
    assert "how long does it take to go from code committed to code successfully running" in (
        section
    )
    assert section.count('<option value="">I don\'t know</option>') == 3
    # Throughput's three questions, then stability's two, in quickcheck.FACTORS' order.
    order = [section.index(f'id="dora-{m}"') for _key, _label, ms in quickcheck.FACTORS
             for m in ms]  # fmt: skip
    assert order == sorted(order)
    assert section.index(">Throughput</legend>") < order[0]
    assert order[2] < section.index(">Stability</legend>") < order[3]
