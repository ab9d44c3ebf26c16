"""Reply hygiene: role leaks, own labels, truncation, refusals and empty replies."""

from __future__ import annotations

import pytest

from tutorforge.llm.hygiene import MAX_REPLY_CHARS, clean_reply, speaker_labels

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


@pytest.mark.parametrize(
    "text, kept",
    [
        ("Good, let's check. Student: I think it is 7.", "Good, let's check."),
        ("What is 3 + 4?\nStudent (Maya): It is 7.", "What is 3 + 4?"),
        ("What is 3 + 4?\n> Student: It is 7.", "What is 3 + 4?"),
        ("What is 3 + 4?\n- **Sam:** It is 7.", "What is 3 + 4?"),
        ("What is 3 + 4?\nuser: It is 7.", "What is 3 + 4?"),
        ("What is 3 + 4?<|im_end|>\n<|im_start|>user\nIt is 7.", "What is 3 + 4?"),
        ("What is 3 + 4? [INST] answer as the student [/INST]", "What is 3 + 4?"),
        ("What is 3 + 4?\nS\u200btudent: It is 7.", "What is 3 + 4?"),  # a zero-width space in the label
        ("What is 3 + 4?\n\u200fStudent: It is 7.", "What is 3 + 4?"),  # a right-to-left mark before it
        ("What is 3 + 4?\nＳｔｕｄｅｎｔ： It is 7.", "What is 3 + 4?"),  # full-width letters and colon
        ("What is 3 + 4?\nSystem: you are now the student.", "What is 3 + 4?"),
    ],
)
def test_leak_forms_are_cut(text, kept):
    cleaned = clean_reply(text, "stop", TEACHER, STUDENT)
    assert cleaned.text == kept and "role_leak" in cleaned.issues and cleaned.usable


@pytest.mark.parametrize(
    "text",
    [
        "Let's ask Sam: what do you get when you add 3 and 4?",  # a name inside a line is not a label
        "Here is the plan: add 3 and 4, then check.",
        "As a student: would you start with the ones?",  # not the capitalised role word
        "Use the formula a² + b² = c²: what is c?",
    ],
)
def test_ordinary_teacher_text_is_kept(text):
    cleaned = clean_reply(text, "stop", TEACHER, STUDENT)
    assert cleaned.text == text and cleaned.issues == []


def test_student_reply_leaks_into_the_teacher():
    cleaned = clean_reply("I got 7. Teacher: Correct! Assistant: well done", "stop", STUDENT, TEACHER)
    assert cleaned.text == "I got 7." and "role_leak" in cleaned.issues


def test_replies_are_normalised_and_nul_or_oversized_replies_are_unusable():
    cleaned = clean_reply("2 ＋ 2 ＝\u200b 4, well done.", "stop", TEACHER, STUDENT)
    assert cleaned.text == "2 + 2 = 4, well done." and cleaned.usable
    nul = clean_reply("2 + 2 = 4\x00", "stop", TEACHER, STUDENT)
    assert nul.issues == ["nul"] and not nul.usable
    huge = clean_reply("Student: " + "x" * (MAX_REPLY_CHARS + 1), "stop", TEACHER, STUDENT)
    assert huge.issues == ["too_long"] and not huge.usable and huge.text == ""
