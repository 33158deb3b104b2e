from datetime import UTC, datetime

import pytest
from django.core.cache import cache, caches

from vsm_site import caching
from vsm_site.caching import ProcessMemo

# --- keys: what each kept page depends on ----------------------------------------------------


def test_result_body_key_holds_result_data_version_and_candour():
    assert caching.result_body_key(7, 12, "all") == "result-v3:7:12:all"
    assert caching.result_body_key(7, 12, "none") == "result-v3:7:12:none"


def test_history_body_key_holds_team_and_data_version():
    assert caching.history_body_key(3, 41) == "history:3:41"


def test_answer_cards_key_holds_respondent_answers_version_and_read_only():
    saved = datetime(2026, 11, 2, 9, 30, 5, 120000, tzinfo=UTC)
    key = caching.answer_cards_key(5, 9, saved, "abc123", False, 4)
    assert key == "answer-cards-v2:5:9:2026-11-02T09:30:05.120000+00:00:abc123:0:4"


def test_answer_cards_key_without_a_response_yet():
    assert caching.answer_cards_key(5, 9, None, "abc123", True, 4) == (
        "answer-cards-v2:5:9:-:abc123:1:4"
    )


def test_answer_body_key_changes_with_anything_the_page_shows():
    shown = ["Checkout", "2026-Q4", "VSM maturity", "", "draft", {"lead_time": "day"}]
    key = caching.answer_body_key("answer-cards-v2:5:9:-:abc123:1:4", shown)
    assert key.startswith("answer-page-v1:answer-cards-v2:5:9:-:abc123:1:4:")
    assert key == caching.answer_body_key("answer-cards-v2:5:9:-:abc123:1:4", list(shown))
    for index, other in enumerate(["Payments", "2027-Q1", "VSM v2", "Intro", "submitted", {}]):
        changed = shown[:index] + [other] + shown[index + 1 :]
        assert caching.answer_body_key("answer-cards-v2:5:9:-:abc123:1:4", changed) != key
    assert caching.answer_body_key("answer-cards-v2:5:9:-:abc123:0:4", shown) != key


# --- the shared cache ------------------------------------------------------------------------


def test_kept_builds_once_per_key():
    built = []

    def build(text):
        built.append(text)
        return text

    assert caching.kept("test-kept:a", 60, lambda: build("first")) == "first"
    assert caching.kept("test-kept:a", 60, lambda: build("second")) == "first"
    assert caching.kept("test-kept:b", 60, lambda: build("third")) == "third"
    assert built == ["first", "third"]
    assert cache.get("test-kept:a") == "first"


@pytest.mark.skipif(
    "Redis" not in type(caches["default"]).__name__, reason="CACHE_URL is not a Redis address"
)
def test_clearing_the_test_cache_leaves_other_processes_keys():
    client = caches["default"]._cache.get_client(write=True)
    other = "test-other-process:1:page"
    client.set(other, b"kept", ex=60)
    cache.set("page", "mine", 60)
    try:
        cache.clear()
        assert cache.get("page") is None
        assert client.get(other) == b"kept"
    finally:
        client.delete(other)


# --- ProcessMemo -----------------------------------------------------------------------------


def test_process_memo_builds_once_per_key():
    memo = ProcessMemo(size=4)
    built = []
    for key in ["a", "a", "b", "a"]:
        memo.get_or_build(key, lambda key=key: built.append(key) or key.upper())
    assert built == ["a", "b"]
    assert memo.get_or_build("a", lambda: "never") == "A"


def test_process_memo_keeps_none():
    memo = ProcessMemo(size=2)
    calls = []
    assert memo.get_or_build("k", lambda: calls.append(1)) is None
    assert memo.get_or_build("k", lambda: calls.append(1)) is None
    assert calls == [1]


def test_process_memo_forgets_the_least_recently_used_beyond_its_size():
    memo = ProcessMemo(size=2)
    memo.get_or_build("a", lambda: 1)
    memo.get_or_build("b", lambda: 2)
    memo.get_or_build("a", lambda: 0)  # a used again: b is now the oldest
    memo.get_or_build("c", lambda: 3)
    assert ("a" in memo, "b" in memo, "c" in memo, len(memo)) == (True, False, True, 2)


def test_process_memo_builds_again_after_its_age_limit(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    memo = ProcessMemo(size=2, seconds=30)
    assert memo.get_or_build("k", lambda: "old") == "old"
    now[0] += 29.9
    assert memo.get_or_build("k", lambda: "new") == "old"
    now[0] += 0.1
    assert memo.get_or_build("k", lambda: "new") == "new"
    assert len(memo) == 1


def test_process_memo_discard_and_clear():
    memo = ProcessMemo(size=8)
    for key in [(1, "x"), (1, "y"), (2, "x")]:
        memo.get_or_build(key, lambda: object())
    memo.discard(lambda key: key[0] == 1)
    assert ((1, "x") in memo, (1, "y") in memo, (2, "x") in memo) == (False, False, True)
    memo.clear()
    assert len(memo) == 0


def test_process_memo_refuses_size_zero():
    with pytest.raises(ValueError, match="at least one entry"):
        ProcessMemo(size=0)


# --- the users: bounded memos, the names the query guards clear --------------------------------


def test_process_memos_of_model_instances_are_bounded():
    from assessments.maturity import cards
    from assessments.questionnaires import selectors
    from reports.coe import comparison

    sizes = {
        "structure": selectors._structure_cache.size,
        "comparison": (comparison._cache.size, comparison._cache.seconds),
        "card parts": cards._parts_memo.size,
    }
    assert sizes == {
        "structure": caching.STRUCTURE_MEMO_SIZE,
        "comparison": (caching.COMPARISON_MEMO_SIZE, caching.COMPARISON_MEMO_SECONDS),
        "card parts": caching.CARD_PARTS_MEMO_SIZE,
    }
