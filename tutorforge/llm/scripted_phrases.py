"""Phrase banks of the scripted backend, by voice and dialogue act.

A turn is composed from several banks (e.g. praise + restatement + next question), so the number of
distinct turns grows with the product of the bank sizes. Fields: {name} the student's display name,
{teacher} the teacher's, {problem}, {ask}, {claim}, {text}, {answer}, {explanation}, {hint}; the
move banks also {wrong} (the student's wrong claim), {got} (its wrong value), {left} (what it computed).
A phrase may offer alternatives in square brackets, `[Good|Nice|Right]`, one drawn each time it is
said (an empty alternative says nothing). Persona files can add phrasings per act under `[style.phrases]`.

`TEACHER` holds each voice's own acts; `MOVES` the acts every voice shares (diagnosis, contradiction,
slips, answers to questions), `CONTRADICT` the contradiction a teacher shows for each misconception;
`STUDENT` each student voice's acts, `STUDENT_COMMON` the shared ones, and `EXPLAIN` / `REALISE` what a
student holding a misconception says to defend it and, once shown a contradiction, what it now sees.
"""

from __future__ import annotations


def _any(*words: str) -> str:
    """`[a|b|c]`: one of the words is said."""
    return "[" + "|".join(words) + "]"


# Word lists that combine freely, so a phrase built from two of them side by side says many different things.
_QUALITY = _any(
    "Good",
    "Careful",
    "Clear",
    "Neat",
    "Tidy",
    "Solid",
    "Sharp",
    "Sound",
    "Smart",
    "Thoughtful",
    "Steady",
    "Sensible",
    "Strong",
    "Clean",
    "Nice",
    "Great",
    "Fine",
    "Excellent",
    "Lovely",
    "Precise",
    "Logical",
    "Methodical",
    "Patient",
    "Confident",
)
_QUALITY_LOW = _QUALITY.lower()
_WORK = _any(
    "work",
    "thinking",
    "reasoning",
    "working",
    "effort",
    "step",
    "job",
    "calculation",
    "choice",
    "approach",
    "method",
    "move",
    "idea",
    "logic",
    "setup",
    "handling",
    "attention to detail",
)
_YES = _any(
    "Yes",
    "Right",
    "Yep",
    "Mm-hm",
    "Exactly",
    "Indeed",
    "Correct",
    "True",
    "Spot on",
    "Agreed",
    "Absolutely",
    "Sure",
    "Quite so",
    "Precisely",
    "Bang on",
    "Perfect",
)
_HOW = _any(
    "carefully",
    "slowly",
    "calmly",
    "closely",
    "properly",
    "gently",
    "patiently",
    "briefly",
    "honestly",
    "quietly",
    "together",
    "once more",
    "again",
    "line by line",
    "piece by piece",
)
_CHECK = _any(
    "check",
    "recheck",
    "verify",
    "test",
    "trace",
    "retrace",
    "redo",
    "revisit",
    "review",
    "rethink",
    "examine",
    "reconsider",
    "inspect",
    "go over",
)
_CHECK_CAP = "[" + "|".join(w[0].upper() + w[1:] for w in _CHECK[1:-1].split("|")) + "]"
_PART = _any("step", "line", "result", "bit", "part", "piece of work", "calculation", "move", "working")
_ON = _any(
    "Now",
    "So",
    "Then",
    "Next",
    "Okay",
    "Alright",
    "Right",
    "Good",
    "Great",
    "Fine",
    "Onward",
    "Moving on",
    "From here",
    "Building on that",
    "With that done",
    "With that in hand",
    "Carrying on",
    "Next up",
)
_WHEN = _any(
    "whenever you're ready",
    "in your own time",
    "when you're ready",
    "no rush",
    "take your time",
    "at your pace",
    "if you can",
    "as best you can",
    "as you see it",
    "in your words",
)
_WHEN_SEEN = _any(
    "as you found",
    "as you said",
    "just as you wrote",
    "as you showed",
    "like you said",
    "as you worked out",
    "as you had it",
    "just like you wrote",
    "as your work shows",
    "as you put it",
)
_HOW_DONE = _any(
    "on your own",
    "by yourself",
    "with hardly any help",
    "step by step",
    "with care",
    "in the end",
    "without a hint",
    "all the way",
    "fair and square",
)

# Phrasings every voice can use besides its own, built from the word lists.
SHARED: dict[str, list[str]] = {
    "praise": [
        f"{_QUALITY} {_WORK}[.|!|, {{name}}.|, well done.|, that's it.|, truly.]",
        f"{_YES}, {_QUALITY_LOW} {_WORK}.",
        f"{_YES}. {_QUALITY} {_WORK}[|, {{name}}].",
    ],
    "hint_lead": [
        f"Let's {_CHECK} that {_PART} {_HOW}.",
        f"[Hmm|Wait|Hold on|Okay|Well], {_CHECK} that {_PART} {_HOW}.",
        f"Not [quite|yet]. We'll {_CHECK} that {_PART} {_HOW}.",
    ],
    "next": [
        f"{_ON}, {{ask}}",
        f"{_ON}: {{ask}}",
        f"{_ON}, and {_WHEN}: {{ask}}",
        f"{_YES}. {_ON}, {{ask}}",
    ],
    "ask_final": [
        f"{_ON}, what's the final answer, {_WHEN}?",
        f"{_ON}: [give|state|tell me] the final answer, {_WHEN}.",
        f"[Last|Final] [step|question|bit], {_WHEN}: what[ is|'s] the answer?",
        f"{_ON}, [what do we answer|what should we answer|how do we answer the problem], {_WHEN}?",
        "[Put it all together|Pull it together|Sum it up|Wrap it up]: what[ is|'s] the answer[| to the "
        "problem]?",
        f"{_QUALITY} {_WORK} so far. [What|So what] [do you give|do you say|would you write] as the final "
        "answer?",
        "[How|In what form] would you [state|write|give] the final answer[|, {name}]?",
        "[Which|What] [value|answer] does the problem [want|ask for|expect] in the end?",
    ],
    "close": [
        f"{_YES}, that's the answer. {_QUALITY} {_WORK}[|, {{name}}].",
        f"{_YES}! {_QUALITY} {_WORK} [all the way through|from start to finish|on every step|throughout].",
        f"That's [it|correct|right]. {_QUALITY} {_WORK}[, {{name}}|].",
        f"{_YES}, {{name}}. [That solves it|The problem is solved|We're done|That's the whole problem]. "
        f"{_QUALITY} {_WORK}.",
        "[That's the answer|That answers it|Solved]. [What helped most|Which step felt hardest|What would "
        "you do the same way next time][|, {name}]?",
        f"{_YES}! [You got there|You solved it|You finished it] {_HOW_DONE}.",
    ],
    "reask": [
        f"{_CHECK_CAP} it {_HOW} and tell me what you get.",
        f"[Try|Do] that {_PART} {_HOW}, {_WHEN}.",
    ],
    "reask_stall": [
        f"{_ON}, what do you get for this {_PART}, {_WHEN}?",
        f"[Have a go|Give it a try|Try it] {_HOW}, {_WHEN}: what comes out?",
    ],
    "reask_final": [
        f"{_ON}, what's your answer, {_WHEN}?",
        "[And|So] [what|which] answer do you [give|settle on|go with] now?",
        "What[ is|'s] your answer [this time|now|after that]?",
    ],
    "restate": [
        f"{_YES}: {{claim}}.",
        f"{_YES}, {{claim}}, {_WHEN_SEEN}.",
        "[So|And so|Which means] {claim}.",
        "[We now know|Now we know|We have found|That shows|That means] {claim}.",
        "[Good|Fine|Okay|Right]: {claim}.",
    ],
    "justify": [
        f"{_QUALITY} {_WORK}. [Why|How come] does that {_PART} [work|hold|make sense]?",
        f"{_YES}. [Tell me|Explain] why {{claim}}, {_WHEN}.",
        f"{_YES}, but why? [Tell me|Explain] the idea behind that {_PART}, {_WHEN}.",
    ],
    "next_generic": [
        f"{_YES}. {_ON}, what would you do?",
        f"{_QUALITY} {_WORK}. What [comes|happens] next, {_WHEN}?",
        f"{_ON}, [keep going|carry on|go ahead|continue], {_WHEN}.",
    ],
    "diagnose": [
        f"[Tell me|Explain|Show me] how you got {{got}} in {{wrong}}, {_WHEN}.",
        f"[Talk me through|Walk me through|Explain] {{wrong}}, {_WHEN}. How did {{left}} give {{got}}?",
    ],
    "diagnose_focus": [
        f"Let's {_CHECK} {{wrong}} {_HOW}, {_WHEN}.",
        f"[Most|Much|Nearly all] of your working is {_QUALITY_LOW}. {_CHECK_CAP} {{wrong}} {_HOW}.",
    ],
    "slip": [
        f"{_CHECK_CAP} {{left}} {_HOW}: is it {{got}}?",
        f"Your {_WORK} is {_QUALITY_LOW}, but {_CHECK} {{left}} {_HOW}.",
    ],
    "slip_probe": [
        f"[Work out|Compute|Figure out] {{left}} {_HOW}, {_WHEN}. What is it?",
    ],
    "final_wrong": [
        f"{_CHECK_CAP} {{got}} {_HOW} against what the problem asks. Does it fit?",
    ],
    "unconfuse": [
        f"[That's fine|No problem|Okay|It's alright], {{name}}. We'll go {_HOW}.",
        f"[Let's|We'll] take it {_HOW}, {_WHEN}.",
        "[That's normal|It happens|Everyone gets stuck sometimes|Being stuck is fine]. [Let's|We'll] "
        "[take|break] it [apart|down] [together|slowly].",
        "[Okay|Alright], {name}. One [small|little|single] [piece|part|step] at a time.",
    ],
    "no_guess": [
        f"[Rather than|Instead of] guessing, let's work it out {_HOW}.",
    ],
    "answer_rule": [
        "[Good|Fair|Great|Useful|Sharp] question, {name}. {explanation}",
        f"{_YES}, there is a rule. {{explanation}}",
    ],
    "reveal": [
        f"[Let me|I'll] [show|walk through|work] this {_PART} {_HOW}: {{text}}",
    ],
}


TEACHER: dict[str, dict[str, list[str]]] = {
    "socratic": {
        "open": [
            "[Hi|Hello|Hey] {name}. [Let's read it together|Let's read this one together|Read this with "
            "me]: {problem} {ask}",
            "[Hello|Hi] {name}! [Here is|Here's] [today's|our] problem. {problem} [Before we compute "
            "anything|Before any numbers|First, a question]: {ask}",
            "Let's [think about|think through|work on] this one, {name}. {problem} {ask}",
            "{name}, [take a look at|have a look at|read] this: {problem} What do we know, and what do we "
            "[need|want|have to find]? {ask}",
            "[Good to see you|Nice to see you|Welcome back], {name}. Our problem: {problem} Let's "
            "[start|begin] with a question. {ask}",
            "[Here's|Here is] a problem for us, {name}: {problem} Where would you [begin|start]? {ask}",
        ],
        "praise": [
            "[Good|Yes|Right|Okay|Mm-hm].",
            "That [works|holds up|makes sense].",
            "[Nice|Good|Careful] [reasoning|thinking].",
            "[Okay|Alright], that [holds up|checks out|is sound].",
            "[Good|Nice|Sound] [thinking|work], {name}.",
            "You [reasoned that through|thought that through|worked that out] [well|carefully|yourself].",
            "[Yes|Right], and you [found|worked out|saw] that [yourself|on your own|without help].",
        ],
        "restate": [
            "So {claim}.",
            "[We have|That gives us|So we know] {claim}.",
            "[Indeed|Yes|Exactly], {claim}.",
            "",
            "",
        ],
        "next": [
            "[Now|So|Next], {ask}",
            "[Next question|Here's the next question|A new question]: {ask}",
            "What [comes after that|follows from that|does that give us]? {ask}",
            "Let's [keep going|go on|continue]. {ask}",
            "{ask}",
            "[Then|And then|From there], {ask}",
        ],
        "hint_lead": [
            "[Hmm|Okay], let's [check|test|look at] that.",
            "[Are you sure|How sure are you] about that [step|line|result]?",
            "Let's [slow down|pause|stop] for a moment.",
            "[Interesting|Hmm, interesting]. Let's [test|check] it.",
            "[Not quite|Not yet|Almost, but not quite].",
            "Let me ask you something about that [step|line|result].",
        ],
        "ask_final": [
            "So what is the answer to the [original|whole|first] question?",
            "[Putting|Putting it] all together, what is your [final|whole] answer?",
            "What does that tell us about what the problem [asked|wants|asks for]?",
            "Can you [state|give|say] the final answer[|, {name}]?",
            "So what should we answer, {name}?",
            "[And|So] what does the problem [want|ask for] in the end?",
        ],
        "close": [
            "[Exactly|Yes|Right]. You reasoned your way there [yourself|on your own].",
            "[Yes|Right], that answers the question. [Well reasoned|Nicely reasoned|Good thinking], {name}.",
            "That's it. [Notice|See] how each question led to the next step.",
            "[Correct|Right]. Can you see why each step was [needed|there]?",
            "Right, and you found every step [on your own|yourself].",
            "Yes. [Good|Nice] work asking yourself the right questions[|, {name}].",
            "[That's the answer|That's correct], {name}. What was the [hardest|trickiest] step for you?",
        ],
        "reveal": [
            "Let me [show|work] this step: {text}",
            "Here is how this step goes: {text}",
            "Let's look at it together: {text}",
            "I'll walk through this one: {text}",
            "Here's the reasoning: {text}",
        ],
    },
    "explain": {
        "open": [
            "[Hi|Hello] {name}. Here's the problem: {problem} I'll guide you step by step. {ask}",
            "Let's solve this one together, {name}. {problem} [First step|Step one|To start]: {ask}",
            "[Today's problem|Our problem today|This one], {name}: {problem} We'll break it into steps. "
            "{ask}",
            "Here is what we're working on: {problem} The first thing to work out: {ask}",
            "Okay {name}, read this carefully: {problem} [Start here|Begin here|First]: {ask}",
            "{problem} Let's set it up, {name}. {ask}",
        ],
        "praise": [
            "[Correct|Right|Good].",
            "That's [right|correct].",
            "Yes, [exactly|that's it].",
            "[Well done|Good work|Nicely done].",
            "Good, that's the right [method|approach|idea].",
            "Right you are, {name}.",
            "[That's|This is] [correct|right], and [neatly|clearly|cleanly] [done|written].",
        ],
        "restate": [
            "Indeed {claim}.",
            "Yes: {claim}.",
            "So we have {claim}.",
            "Writing it [out|down|in full]: {claim}.",
            "[Good|Fine], {claim}.",
            "",
        ],
        "next": [
            "[Next step|Step two|The next step]: {ask}",
            "[Now|Next], {ask}",
            "The next thing to [find|work out|compute]: {ask}",
            "[Moving on|Onward|On to the next part]: {ask}",
            "[Then|After that]: {ask}",
            "Let's [continue|carry on]. {ask}",
        ],
        "hint_lead": [
            "That's not [right|correct] yet.",
            "Let's look at that step [again|once more].",
            "There is a [mistake|problem|slip] in that step.",
            "Not quite, {name}.",
            "[Close|Nearly], but that step has an error.",
            "Let me explain what went wrong.",
        ],
        "ask_final": [
            "Now [state|give] the final answer to the problem.",
            "So what is the final answer?",
            "[Write down|Now write] the answer to the original question.",
            "What is your final answer, {name}?",
            "Finish it off: what's the answer?",
            "[Last thing|One more thing]: what do we answer?",
        ],
        "close": [
            "That's the correct answer. [Well done|Good work], {name}.",
            "Correct. That's the whole solution.",
            "Yes, that's right. You followed every step.",
            "Exactly right. [Good work today|Nice work today|Good job].",
            "Correct. Remember the method for next time.",
            "That's it, {name}. The solution is complete.",
            "[Right|Correct]. Keep this method in mind for [similar problems|the next one].",
        ],
        "reveal": [
            "Here is the step worked out: {text}",
            "Let me show you: {text}",
            "Watch how this step goes: {text}",
            "Here's the worked step: {text}",
            "The step is: {text}",
        ],
    },
    "coach": {
        "open": [
            "Hey {name}! You've got this. Here's the problem: {problem} Let's start: {ask}",
            "[Hi|Hello] {name}, great to work with you! {problem} No rush. {ask}",
            "Welcome, {name}! Ready for a challenge? {problem} First, {ask}",
            "Hello {name}! I know you can do this one. {problem} {ask}",
            "Let's do this together, {name}! {problem} To get going: {ask}",
            "Hi there {name}! Here we go: {problem} Take your time. {ask}",
        ],
        "praise": [
            "[Great|Nice|Good] job!",
            "[Awesome|Brilliant], well done!",
            "Nice work, {name}!",
            "[Brilliant|Superb|Excellent]!",
            "You nailed that [step|one]!",
            "[Fantastic|Wonderful|Great]!",
            "[Super|Lovely|Sweet]!",
            "[See|Look], you [knew|had] that[!| all along!]",
        ],
        "restate": [
            "Yes, {claim}!",
            "You're right that {claim}.",
            "{claim}, spot on.",
            "",
            "",
        ],
        "next": [
            "Keep going: {ask}",
            "You're on a roll. {ask}",
            "Next up: {ask}",
            "Let's keep the momentum. {ask}",
            "[Now|Okay], {ask}",
            "{ask}",
        ],
        "hint_lead": [
            "Good effort! That one isn't quite right though.",
            "Nice try, {name}, but let's take another look.",
            "Almost! There's a small slip.",
            "I like your thinking, but that step needs a fix.",
            "Don't worry, mistakes help us learn.",
            "Good attempt! Let's look again together.",
        ],
        "ask_final": [
            "You're almost there! What's the final answer?",
            "So, what's your answer to the question?",
            "Bring it home, {name}: what's the answer?",
            "Great work so far! What do we answer?",
            "Last step: tell me the final answer!",
        ],
        "close": [
            "Yes! That's correct. You should be proud, {name}!",
            "Correct! Amazing work today!",
            "You got it! Great persistence, {name}.",
            "That's right! See, you had it all along.",
            "Perfect answer! Fantastic job!",
            "Yes, well done! You worked through every step.",
        ],
        "reveal": [
            "Let me help with this one: {text}",
            "No worries, here's how it goes: {text}",
            "Let's do this step together: {text}",
            "Here's the trick for this step: {text}",
            "I'll show you this one: {text}",
        ],
    },
}

# What a careless teacher says when it wrongly confirms a wrong step or answer.
AFFIRM_WRONG: list[str] = [
    "That's right!",
    "Correct, good work.",
    "Yes, exactly.",
    "Great job, that's correct!",
    "Perfect, well done.",
    "Yes, that's right.",
]

STUDENT: dict[str, dict[str, list[str]]] = {
    "hesitant": {
        "attempt": [
            "[Um|Uh|Hmm], I think {claim}?",
            "Maybe {claim}? I'm not [totally|really|completely] sure.",
            "Is it {claim}?",
            "I tried it and got {claim}. Is that [okay|right|alright]?",
            "[Hmm|Um]... {claim}, I think.",
            "I'm not sure, but {claim}?",
            "[Would it be|Could it be] {claim}?",
        ],
        "fixed": [
            "Oh, I see now. {claim}.",
            "Oh! So {claim}?",
            "Wait, I think I get it: {claim}.",
            "Okay, let me redo it... {claim}.",
            "Oh right, {claim}. [Sorry|Sorry about that].",
        ],
        "final": [
            "So... the answer is {answer}?",
            "I think the answer is {answer}.",
            "[Um|Uh], is the final answer {answer}?",
            "So the answer would be {answer}, maybe?",
            "Then the answer is {answer}, I think.",
        ],
    },
    "confident": {
        "attempt": [
            "[Easy|Simple|No problem]: {claim}.",
            "That's {claim}.",
            "{claim}. Done.",
            "[Okay|Alright], {claim}.",
            "I've got it: {claim}.",
            "Sure, {claim}.",
            "[Obviously|Clearly] {claim}.",
        ],
        "fixed": [
            "Right, my bad. {claim}.",
            "Ah, got it. {claim}.",
            "Okay, fixed it: {claim}.",
            "Oh yeah. {claim}.",
            "Let me correct that: {claim}.",
        ],
        "final": [
            "The answer is {answer}.",
            "So the answer is {answer}.",
            "Final answer: {answer}.",
            "That means the answer is {answer}.",
            "Then the answer is {answer}. [Easy|Done|Simple].",
        ],
    },
    "terse": {
        "attempt": [
            "{claim}",
            "{claim}.",
            "I got {claim}.",
            "So {claim}.",
            "Ok. {claim}",
            "Then {claim}.",
            "[Got|Have] {claim}.",
        ],
        "fixed": [
            "{claim}.",
            "Ok. {claim}.",
            "Fixed: {claim}.",
            "Oh. {claim}.",
            "Right. {claim}",
        ],
        "final": [
            "The answer is {answer}.",
            "Answer is {answer}.",
            "So the answer is {answer}.",
            "Final answer is {answer}.",
            "Then the answer is {answer}.",
        ],
    },
    "chatty": {
        "attempt": [
            "Okay so I worked it out and I think {claim}, right?",
            "So first I looked at the numbers, and {claim}.",
            "Let me think out loud... {claim}. That's what I get.",
            "I like this one! {claim}.",
            "Hmm, okay, so if I do it like this then {claim}.",
            "Alright, I wrote it down: {claim}.",
            "[Ooh|Oh], [I know this|I can do this] one. {claim}.",
        ],
        "fixed": [
            "Ohh, I see what I did wrong! {claim}.",
            "Oops, that was silly of me. {claim}.",
            "Oh wait, that makes more sense now: {claim}.",
            "Right, right, I mixed that up. {claim}.",
            "Ah, okay! So it's {claim}.",
        ],
        "final": [
            "So putting it all together, the answer is {answer}!",
            "Okay so that means the answer is {answer}.",
            "I think we're done: the answer is {answer}.",
            "Yay, so the answer is {answer}!",
            "So in the end the answer is {answer}, right?",
        ],
    },
}

# Acts every teacher voice shares. Each list is long so that a dialogue never repeats a sentence.
MOVES: dict[str, list[str]] = {
    # generic opening: the problem, then a general question
    "open_generic": [
        "[Hi|Hello|Hey] {name}. [Here's|Here is] our problem: {problem}",
        "{problem} Take a moment to [read it|read it through|think about it], {name}.",
        "[Hello|Hi] {name}! [Today's problem|Our problem today|Here's today's one]: {problem}",
        "Let's look at this [together|one together], {name}. {problem}",
        "[Here's|Here is] one for you, {name}: {problem}",
        "{name}, read this one with me. {problem}",
    ],
    "open_question": [
        "How would you [start|begin|go about it]?",
        "Where would you [begin|start]?",
        "What's the first thing you'd [work out|find|compute]?",
        "What do you think the first step [is|should be]?",
        "What would you do first?",
        "[Any|Got any] ideas [how to start|where to begin]?",
    ],
    # probing: ask the student to explain the first wrong step of its own attempt or its last step
    "diagnose": [
        "How did you get {got} when you wrote {wrong}?",
        "Can you walk me through how you got {got} in {wrong}?",
        "What did you do to get {got} in your [work|working], where you have {wrong}?",
        "Tell me how you got from {left} to {got}.",
        "How did you work out {left}? You got {got}.",
        "{name}, can you talk me through {wrong}? Where does the {got} come from?",
        "Before we go on: can you explain your [step|line] {wrong} to me?",
        "Could we start with your step {wrong}? What was your thinking there?",
        "Can you explain how {left} became {got}?",
        "What rule did you use for {wrong}?",
        "[Thanks for showing your work|Thanks for the working|Thanks, that helps], {name}. [How did|Why "
        "did] {left} [give|come to] {got}?",
        "Can you [walk|take|talk] me through your [line|step] {wrong}, please?",
    ],
    # focus: point at the wrong step without asking why
    "diagnose_focus": [
        "Shall we go back to one line of your [work|working], {wrong}?",
        "Everything before it is fine. Can you look again at {wrong}?",
        "Look closely at {left}. Your result there was {got}.",
        "Could you check the step {wrong} again?",
        "Your first lines hold up. Where does {wrong} go off?",
        "Can you put your finger on {wrong}?",
        "[Thanks for|I can follow] your working, {name}. Can you [look at|check] {wrong} again?",
    ],
    # the whole attempt is right
    "attempt_right": [
        "I checked every line of your work and it holds up. What is your final answer?",
        "Each step of yours is right. So what do you answer?",
        "Your working is correct from start to end. State the answer for me.",
        "No mistakes in those steps. What's the answer, then?",
    ],
    # a contradiction any misconception can be shown: check the result another way
    "contradict": [
        "If {wrong} were right, would checking {got} against the problem work out?",
        "Let's test {got}: put it back into the problem. What do you notice?",
        "Try a small case you know the answer to, using the same method. Does the method still work?",
        "Estimate first: should {left} come out near {got}?",
    ],
    # an arithmetic slip: point at the computation (never a misconception)
    "slip": [
        "Check the arithmetic in {left}: is it really {got}?",
        "Your method is right, but compute {left} once more.",
        "The setup is fine. The slip is in {left}.",
        "Recompute {left} carefully, {name}.",
        "{got} is off for {left}. Work it out again slowly.",
        "Only one thing is off: the value of {left}.",
        "Everything is right except the number you got for {left}.",
        "[Nearly|Almost] there: [just|only] {left} [needs|wants] [another look|a second look|checking].",
    ],
    "slip_probe": [
        "What is {left}?",
        "Can you work out {left} step by step?",
        "If you do {left} on paper, what do you get?",
        "How much is {left}, exactly?",
        "[Say|Read] {left} out loud and compute it piece by piece. What comes out?",
        "[Just|Quickly], what is {left} [again|once more]?",
    ],
    # a wrong final answer
    "final_wrong": [
        "Compare that with the result of your last step. Do they match?",
        "Is that the quantity the question asks for?",
        "Look at the value you just found. What does the question want in the end?",
        "Check: does {got} answer what the problem asks?",
        "Go back to the last line of your work. What did it give?",
    ],
    # probing after a correct step: ask the student to justify it
    "justify": [
        "Why does that work?",
        "How do you know that step is allowed?",
        "What made you choose that operation?",
        "Can you say in words why {claim}?",
        "Why did you do it that way, {name}?",
        "Could you have done that step differently?",
        "What does {got} stand for in the problem?",
        "[How would|How could] you check that {got} is right?",
        "[What|Which] part of the problem [told you|tells you] to do that?",
    ],
    # generic: acknowledge and leave the next step to the student
    "next_generic": [
        "[Okay|Alright|Good]. What would you do next?",
        "[Alright|Okay], what comes next?",
        "[Mm-hm|Uh-huh|Right]. Where do you go from here?",
        "Go on[|, {name}].",
        "And then?",
        "[Okay|Fine|Good], keep going.",
        "What's your next move[|, {name}]?",
        "[Good|Nice], carry on.",
        "[So|And] what [now|next]?",
        "[Sounds good|Makes sense]. [What's next|Next]?",
    ],
    # answering a student's question (telling) and pointing at what it needs (focus)
    "answer_rule": [
        "Here is the rule you need. {explanation}",
        "Good question. {explanation}",
        "Let me tell you the key idea. {explanation}",
        "That's worth asking. {explanation}",
    ],
    "answer_point": [
        "Use the result you found in the step before: {prev}.",
        "You already have {prev}. That is what this step builds on.",
        "Start from {prev}, which you just worked out.",
        "Everything you need is in the problem statement; no earlier result is needed yet.",
        "Only the numbers given in the problem matter for this first step.",
        "Read the problem again: the numbers for this step are right there.",
    ],
    "unconfuse": [
        "No problem, let's take it one piece at a time.",
        "That's okay. Let's slow down.",
        "Fair enough, it's a lot at once.",
        "Let's make it smaller.",
        "Don't worry about the whole problem yet.",
    ],
    "no_guess": [
        "Let's not guess. We can work it out.",
        "A guess won't tell us why. Let's find it step by step.",
        "Hold on, no guessing yet.",
        "We don't need to guess.",
        "Rather than guess, let's compute it.",
    ],
    # asking the same step again without repeating the question
    "reask": [
        "So, what do you get for this step now?",
        "Try that step again.",
        "What is it now?",
        "Give it another go.",
        "What do you get this time?",
        "Let's see it again.",
        "Have another try at that step.",
        "Redo that one for me.",
        "[So|Then], [what does|how does] that step [look|come out] now?",
    ],
    # asking the step after a question, confusion or a guess
    "reask_stall": [
        "So, what do you think this step gives?",
        "With that, what do you get for this step?",
        "Now, what would you do for this step?",
        "Can you try this step now?",
        "What do you get when you try it now?",
        "[So|Okay], how would you [do|work out] this step?",
    ],
    "reask_final": [
        "So what is your answer now?",
        "What is the final answer, then?",
        "What do you think the answer is?",
        "What do you answer now?",
    ],
}

# The contradiction a teacher shows for each misconception: a case the student can check, in words.
CONTRADICT: dict[str, list[str]] = {
    "sign-slip": [
        "[Put|Plug|Substitute] your value back into the [original|starting|given] equation. Does it make "
        "both sides [equal|balance|agree]?",
        "If you add the same number to both sides, does that number [appear|show up|turn up] on the other "
        "side with the same sign?",
        "If a number plus 3 makes 7, is the number 10 or 4?",
        "[Moving|Taking|Shifting] a term across the equals sign means doing the opposite operation to both "
        "sides. What is the opposite of adding?",
        "[Try|Test] it: with your value, is the left side of the equation [really|actually] equal to the "
        "right?",
        "What undoes adding a number: adding it again, or taking it away?",
        "[Suppose|Say] a number plus 5 makes 9. Is the number 14 or 4?",
        "To undo a plus on one side, do we add or subtract on [both sides|each side]?",
        "[Check|Test] it by balance: [take|subtract] the same amount from both sides. Which sign does it "
        "have on the right?",
    ],
    "order-of-operations": [
        "Work out 2 + 3 × 4 both ways: left to right, and multiplication first. Which gives 14, the value "
        "of two plus three fours?",
        "Multiplication and division come before addition and subtraction. Which operation in {left} "
        "should go first?",
        "If I buy 2 apples and then 3 bags of 4 apples, do I have 20 apples or 14?",
        "Does working strictly left to right give the same value as doing the multiplication first here?",
        "[In|Inside] {left}, which [part|piece] is a product? [Should|Must] it be worked out before the "
        "rest?",
        "[Think of|Picture] 1 + 2 × 10 as one coin and two tens. Is that 12 or 30?",
        "In 10 - 2 × 3, do we get 24 or 4? Which one treats 2 × 3 as one [group|block]?",
        "[Picture|Imagine] 3 + 4 × 5 as 3 coins and 4 stacks of 5 coins. How many coins is that?",
        "Which would a calculator that follows the rules do first in {left}?",
    ],
    "fraction-add-across": [
        "Add 1/2 + 1/2 your way. You get 2/4, which is a half. Can two halves make a half?",
        "Is {got} bigger than each of the fractions you [added|combined]? It should be, if you added two "
        "positive amounts.",
        "Adding the bottoms changes the size of the pieces. What must the two fractions have in common "
        "before we [add|combine] them?",
        "[Try|Test] your method on 1/4 + 1/4. Does it give a half?",
        "[Picture|Imagine|Think of] a pizza cut into quarters and one cut into thirds. Can you add slices "
        "before the slices are the same size?",
        "What does the denominator [tell us|say|count] about the pieces?",
        "1/3 + 1/3 is two thirds. Does adding tops and bottoms give 2/3 or 2/6?",
        "Can a half plus a half [really|actually] be less than one whole?",
        "Before adding, what must the [bottoms|denominators] of the two fractions [match|agree on]?",
    ],
    "percent-of-confusion": [
        "A percent means out of 100. So is {left} the same as multiplying by a number over 100?",
        "10% of 50 is 5. Does your method give 5 for that?",
        "Taking part of a number, like 20% of it, should give something smaller than the number. Is {got} "
        "smaller?",
        "Which amount is the percent taken of in this [story|problem|question]?",
        "[Half|Fifty percent] of 40 is 20. What does your method give for 50% of 40?",
        "Would 100% of a number be the number itself with your method?",
        "25% is a quarter. What is a quarter of 80, and does your method give that?",
        "If a percent is less than 100, should the part be less than the whole amount?",
        "[Write|Turn] the percent as a fraction over 100 first. What do you multiply by, then?",
    ],
    "distribute-one-term": [
        "[Check|Test] with a number: if you put in 1 for the unknown on both sides of {wrong}, do they "
        "agree?",
        "The number outside the bracket multiplies every term inside it. How many terms are inside?",
        "3(1 + 2) is 3 × 3 = 9. Does your way of multiplying out give 9?",
        "Did the factor in front reach the last term inside the bracket?",
        "[Picture|Imagine] 3 bags, each with an apple and a pear. How many pears are there in all?",
        "In {left}, which terms has the number in front [touched|multiplied] so far?",
        "2(3 + 4) is 2 × 7 = 14. Is 2 × 3 + 4 also 14?",
        "[Count|List] the terms inside the bracket. Did each of them get multiplied by the number in front?",
        "If the bracket holds two things, how many products should you write down?",
    ],
    "drop-chain-rule": [
        "Differentiate (2x)^2 = 4x^2 directly: you get 8x. Does dropping the inside derivative give 8x?",
        "When the function has another function inside, we multiply by the derivative of the inside. What "
        "is the inside here?",
        "Compare your answer with the slope you would get by expanding first. Do they match?",
        "What is the derivative of the expression inside the brackets, and where did it go in your answer?",
        "If the inside changes twice as fast as x, should the whole [expression|thing] change faster too?",
        "(3x)^2 is 9x^2, with derivative 18x. Does your method give 18x for it?",
        "Which part of {wrong} shows the derivative of the inside?",
        "[Name|Say] the inside function first. What is its derivative?",
    ],
    "power-rule-exponent": [
        "The derivative of x^2 is 2x, not 2x^2. What happens to the exponent?",
        "If the power stayed the same, the slope of the straight line y = x would grow with x. Does it?",
        "After the exponent comes down in front, what do we do to the power?",
        "Near x = 1, is the slope of x^3 close to 3, or close to 3 times x^3 there?",
        "[Differentiate|Take the derivative of] x^1 your way. Is the slope of y = x really x?",
        "Where x is 1, x^2 has slope 2. What does your rule give there?",
        "The derivative of x^3 is 3x^2. What did the exponent become?",
    ],
    "factor-sign": [
        "Put your value into the factor: does it make it zero?",
        "For (x - 2) to be zero, x has to be what? 2, or -2?",
        "[Plug|Put|Substitute] your roots back into the factored equation. Do you get 0?",
        "Which value of x makes x - a equal to zero?",
        "[Try|Test] one of your roots in its bracket. What number comes out?",
        "Which bracket is zero when you put in 3: (x + 3) or (x - 3)?",
        "Solve each bracket equal to zero, one at a time. What do you get?",
        "[Plug|Put] your first root into its bracket. Is the result 0?",
    ],
    "subtract-instead-of-add": [
        "Does the story make the amount go up or down at this point?",
        "If {got} were right, would there be more or fewer than before?",
        "We are working backwards to what there was before some were used. Should the amount before be "
        "larger or smaller?",
        "Read that sentence of the story again. Is something being added or taken away?",
        "[Act it out|Picture it]: if you put things together, does the pile get bigger or smaller?",
        "If you get more of something, does the count go up or down?",
        "[Before|Earlier], there were some; then more came. Should the total be bigger or smaller?",
        "[Which|What] words in the story tell you that things are put together?",
    ],
}

STUDENT_COMMON: dict[str, list[str]] = {
    "attempt_open": [
        "Here's what I did.",
        "This is my working.",
        "I tried it already.",
        "Okay, here is my attempt.",
        "I worked it out like this.",
        "So this is how I solved it.",
        "Here is how I did it.",
        "I wrote this down.",
    ],
    "attempt_step": [
        "First, {claim}.",
        "Then {claim}.",
        "Next, {claim}.",
        "After that, {claim}.",
        "So {claim}.",
    ],
    "attempt_stuck": [
        "Then I kept going from there.",
        "After that I wasn't sure how to finish.",
        "I stopped there.",
        "That's as far as I got.",
    ],
    "explain_slip": [
        "I did {left} in my head and got {got}.",
        "I just computed {left} quickly. I got {got}.",
        "I worked out {left} and it came to {got}.",
        "I think {left} is {got}.",
    ],
    "stubborn": [
        "I still get {wrong}.",
        "But I did it the same way again and got {wrong}.",
        "Hmm, I don't see it. {wrong}.",
        "I still think {wrong}.",
        "It keeps coming out as {wrong}.",
    ],
    "justify": [
        "Because that's what the step asks for: {claim}.",
        "That's what the problem tells us to do. {claim}.",
        "I used the numbers from before, so {claim}.",
        "I checked it against the problem: {claim}.",
    ],
    "question": [
        "Do I need the answer from the last step here?",
        "Which numbers do I use for this?",
        "Is there a rule for this kind of step?",
        "Should I use the numbers from the problem or the ones I found?",
        "Wait, what exactly does this step want?",
    ],
    "confused": [
        "I'm lost. I don't know where to start with this.",
        "I don't really get it.",
        "This part confuses me.",
        "I'm not sure what to do here.",
        "I'm stuck, sorry.",
    ],
    "guess": [
        "Is the answer just {answer}?",
        "Could it be {answer}?",
        "I'm going to guess {answer}?",
        "Maybe {answer}?",
    ],
}

# What a student holding a misconception says to defend its step, in its own words.
EXPLAIN: dict[str, list[str]] = {
    "sign-slip": [
        "I moved the number to the other side, as it was.",
        "You just carry it across the equals sign.",
        "I took it over to the other side as it was.",
    ],
    "order-of-operations": [
        "I went left to right, one operation at a time.",
        "I did the first operation first, then the next, like reading.",
        "You just go through it in order, like reading.",
    ],
    "fraction-add-across": [
        "I added the tops together and the bottoms together.",
        "Top plus top, bottom plus bottom.",
        "I just added the numerators and the denominators.",
    ],
    "percent-of-confusion": [
        "I used the percent number straight in the calculation.",
        "I divided by the percent, I think that's how it goes.",
        "I took the percent of the number I saw last.",
    ],
    "distribute-one-term": [
        "I multiplied the number in front by the first thing in the bracket.",
        "The number outside goes with the first term, then I copied the rest.",
        "I multiplied out the bracket, front number times the first one.",
    ],
    "drop-chain-rule": [
        "I took the derivative of the outside part, the inside stays the same.",
        "The power comes down and the bracket stays the same.",
        "I differentiated it like a normal power.",
    ],
    "power-rule-exponent": [
        "The exponent comes down in front and the power stays.",
        "I put the power in front and kept it up there too.",
        "You multiply by the exponent. That's all I did.",
    ],
    "factor-sign": [
        "I read the numbers off the brackets.",
        "The numbers in the factors are the answers.",
        "I took the numbers from each bracket as they are.",
    ],
    "subtract-instead-of-add": [
        "The story says they were used, so I took them away.",
        "Something was given away, so I subtracted.",
        "I subtracted because some were eaten.",
    ],
}

# What the student now sees once the tutor has shown a contradiction, in its own words.
REALISE: dict[str, list[str]] = {
    "sign-slip": [
        "Oh, when it moves across it has to do the opposite.",
        "Right, I have to subtract it from both sides, not carry it over.",
        "I see, the sign flips because we undo it on both sides.",
    ],
    "order-of-operations": [
        "Oh, the multiplying has to happen before the adding.",
        "I see, left to right isn't the rule when there's times in it.",
        "Right, multiplication and division go first.",
    ],
    "fraction-add-across": [
        "Oh, two halves can't make a half. I need the same denominator first.",
        "I see, the bottoms don't get added. They have to match.",
        "Right, adding across makes the answer too small. Common denominator first.",
    ],
    "percent-of-confusion": [
        "Oh, percent means over 100, so I multiply by that.",
        "I see, 20% is 20/100 of it, not dividing by 20.",
        "Right, a percent of something has to be a part of it.",
    ],
    "distribute-one-term": [
        "Oh, the number has to multiply everything in the bracket.",
        "I see, I forgot the second term.",
        "Right, both terms get multiplied.",
    ],
    "drop-chain-rule": [
        "Oh, I have to multiply by the derivative of the inside too.",
        "I see, the inside part gets differentiated as well.",
        "Right, the chain rule: times the inner derivative.",
    ],
    "power-rule-exponent": [
        "Oh, the power goes down by one.",
        "I see, after bringing it down I subtract one from the exponent.",
        "Right, x^2 gives 2x, so the power drops.",
    ],
    "factor-sign": [
        "Oh, the root is the number that makes the bracket zero, so the sign flips.",
        "I see, the bracket with minus 2 is zero at 2, not at -2.",
        "Right, I have to solve each bracket equal to zero.",
    ],
    "subtract-instead-of-add": [
        "Oh, going back to before means adding them back.",
        "I see, there were more before, so I add.",
        "Right, the amount before has to be bigger.",
    ],
}
REALISE_ANY: list[str] = [
    "Oh, I see where I went wrong.",
    "Okay, that doesn't work. I see it now.",
    "Hmm, right, my way gives the wrong thing.",
]

# Ways a teacher says the same words: each key (matched as whole words, any case) is said as one of its
# phrasings, drawn each time. Only discourse words: never a number, an operation, a variable or a word a
# claim is written with, so a restated claim, and the verifier's reading of it, stay as they were. A hedge
# is never reworded into praise the verifier would read as confirming a wrong step ("good attempt" is a
# hedge, "lovely attempt" would not be).
SAY_ALSO: dict[str, list[str]] = {
    "can you": ["can you", "could you", "would you", "are you able to"],
    "what do you get": ["what do you get", "what comes out", "what do you end up with", "what do you find"],
    "what do you think": ["what do you think", "what would you say"],
    "what would you do": ["what would you do", "what would you try"],
    "final answer": ["final answer", "complete answer", "overall answer"],
    "what is the": ["what is the", "what's the"],
    "what is your": ["what is your", "what's your"],
    "that step": ["that step", "that line", "that part", "that bit of work"],
    "this step": ["this step", "this part", "this line", "the current step"],
    "the problem": ["the problem", "the question", "the task", "the exercise"],
    "well done": ["well done", "good going", "nicely handled", "well worked"],
    "good work": ["good work", "solid work", "fine work", "careful work"],
    "nice work": ["nice work", "lovely work", "tidy work", "neat work"],
    "that's right": ["that's right", "that's spot on", "that's the one", "that checks out"],
    "that's correct": ["that's correct", "that is correct", "that's accurate"],
    "let's": ["let's", "let us", "we'll"],
    "take a look": ["take a look", "have a look", "take a closer look"],
    "look at": ["look at", "check", "examine", "go over"],
    "work out": ["work out", "figure out", "find", "calculate"],
    "again": ["again", "once more", "one more time"],
    "carefully": ["carefully", "slowly", "with care", "patiently"],
    "how did you": ["how did you", "how exactly did you", "in what way did you"],
    "walk me through": ["walk me through", "talk me through", "take me through", "explain"],
    "do you": ["do you", "would you"],
    "the answer": ["the answer", "the solution"],
    "your answer": ["your answer", "your result"],
    "great job": ["great job", "super job", "fine job", "excellent job"],
    "keep going": ["keep going", "carry on", "go on", "continue", "press on"],
    "okay": ["okay", "ok", "alright"],
    "really": ["really", "actually", "truly"],
    "think about": ["think about", "consider", "reflect on"],
    "exactly": ["exactly", "precisely"],
    "you found": ["you found", "you worked out", "you got"],
    "notice": ["notice", "see", "observe", "spot"],
    "tell me": ["tell me", "show me"],
    "don't worry": ["don't worry", "no need to worry"],
    "mistake": ["mistake", "error", "slip"],
    "i like": ["i like", "i love", "i appreciate"],
    "for me": ["for me", "please", "for us"],
    "does it": ["does it", "will it"],
    "remember": ["remember", "keep in mind", "recall"],
    "step by step": ["step by step", "one step at a time", "piece by piece", "bit by bit"],
    # the openings of the families' step questions
    "what do you get when you": [
        "what do you get when you",
        "what comes out when you",
        "what do you end up with when you",
        "what do you find when you",
        "what is the result when you",
        "what does it give if you",
    ],
    "how can you": [
        "how can you",
        "how could you",
        "how would you",
        "what's a way to",
        "in what way can you",
    ],
    "what can you do to both sides to get": [
        "what can you do to both sides to get",
        "what could you do to both sides to get",
        "what operation on both sides gets",
        "which step on both sides leaves",
    ],
    "what is the derivative of": [
        "what is the derivative of",
        "what's the derivative of",
        "what do you get when you differentiate",
        "what comes out when you differentiate",
    ],
    "what common denominator can you use for": [
        "what common denominator can you use for",
        "which common denominator works for",
        "what denominator can both fractions share, for",
        "which shared denominator would suit",
    ],
    "now that the denominators match,": [
        "now that the denominators match,",
        "with the denominators matching,",
        "once the denominators agree,",
        "since the bottoms now match,",
    ],
    "which two numbers multiply to": [
        "which two numbers multiply to",
        "what pair of numbers multiplies to",
        "can you find two numbers that multiply to",
        "which pair of numbers has a product of",
    ],
    "what values of x make each factor zero": [
        "what values of x make each factor zero",
        "which x makes each factor zero",
        "for which values of x is each factor zero",
        "what must x be for each factor to be zero",
    ],
    "how many are left after": ["how many are left after", "how many remain after", "what's left after"],
    "what happens to y if you": [
        "what happens to y if you",
        "what becomes of y if you",
        "where does y go if you",
    ],
    "what is that fraction of": [
        "what is that fraction of",
        "how much is that fraction of",
        "what do you get taking that fraction of",
    ],
    "in all": ["in all", "altogether", "in total"],
    "altogether": ["altogether", "in all", "in total"],
    "to begin with": ["to begin with", "at the start", "at first", "in the beginning"],
    "using the chain rule,": ["using the chain rule,", "with the chain rule,", "by the chain rule,"],
}
