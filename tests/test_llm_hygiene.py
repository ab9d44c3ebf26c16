"""Reply hygiene: role leaks, own labels, truncation, refusals and empty replies."""

from __future__ import annotations

import pytest

from tutorforge.llm.hygiene import clean_reply, speaker_labels

TEACHER, STUDENT = speaker_labels("teacher", "Mr. Hale"), speaker_labels("student", "Sam")


def test_leak_is_cut_at_the_other_speaker():
    text = "**Teacher:** What is 3 + 4?\n\n**Sam:** It is 7.\nTeacher: Right!"
    cleaned = clean_reply(text, "stop", TEACHER, STUDENT)
    assert cleaned.text == "What is 3 + 4?"
    assert cleaned.issues == ["own_label", "role_leak"] and cleaned.usable


def test_a_reply_that_is_all_leak_is_unusable():
    cleaned = clean_reply("Student: I think it is 7.", "stop", TEACHER, STUDENT)
    assert cleaned.text == "" and "empty" in cleaned.issues and not cleaned.usable


def test_truncated_prose_is_trimmed_to_its_last_sentence_but_json_is_not():
    prose = clean_reply("Good start. Now add the two num", "length", TEACHER, STUDENT)
    assert prose.text == "Good start." and prose.issues == ["truncated"]
    data = clean_reply('{"verdict": "acc', "length", [], [], prose=False)
    assert data.text == '{"verdict": "acc' and data.issues == ["truncated"]


@pytest.mark.parametrize(
    "text, refused",
    [
        ("I'm sorry, but I can't help with that request.", True),
        ("Sorry — I cannot assist with this.", True),
        ("I can't help you by just giving the answer, but what is 3 + 4?", False),
        ("Sorry, I made a mistake: 3 + 4 = 7, not 8. Can you check the next step?", False),
    ],
)
def test_refusals(text, refused):
    assert ("refusal" in clean_reply(text, "stop", TEACHER, STUDENT).issues) is refused


def test_refusal_signalled_by_the_api_and_a_bare_end_marker():
    assert "refusal" in clean_reply("Here you go.", "refusal", TEACHER, STUDENT).issues
    assert not clean_reply("  [END] ", "stop", TEACHER, STUDENT).usable
