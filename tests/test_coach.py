"""``coach``: edits on the original text, an improved reply with no mistakes, slots for what
is missing; the strategies' own examples; the real dev-set replies; generated drafts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amends import MISTAKES, analyze, get_analyzer
from amends.coach import Rewrite, apply_edits, coach, coach_data, load_coach, post_length
from amends.datafile import DataError

DATA = coach_data()
SHARED = Path(__file__).parents[2] / "shared" / "data"
EXAMPLES = [(s.keys, e) for s in DATA.strategies for e in s.examples]


@pytest.mark.parametrize(
    ("keys", "example"), EXAMPLES, ids=[f"{k[0]}-{i}" for i, (k, _) in enumerate(EXAMPLES)]
)
def test_every_strategy_example_is_fixed_exactly(keys, example):
    before = analyze(example.text, example.customer)
    assert any(f.code in keys or f.label in keys for f in before.mistakes), example.text
    result = coach(before, slots=False)
    assert result.improved == example.improved
    strategy = next(s for s in DATA.strategies if example in s.examples)
    if strategy.action == "flag" or result.flags:
        # left in place, and handed back with a way to say it: a flag strategy, or a rewrite
        # that would have taken a step or all of the agent's own words with it
        assert {f.code for f in result.flags} & set(keys) or {f.label for f in result.flags} & set(
            keys
        )
        assert all(f.suggest for f in result.flags)
        assert {f.code for f in result.report.mistakes} <= {f.code for f in result.flags}
    else:
        assert not result.report.mistakes
    assert apply_edits(example.text, result.edits) == result.improved


def test_every_strategy_has_examples_and_every_mistake_a_strategy():
    covered = {k for s in DATA.strategies for k in s.keys}
    assert set(MISTAKES) <= covered
    for strategy in DATA.strategies:
        assert strategy.examples, strategy.keys
        assert strategy.why


@pytest.mark.parametrize(("customer", "problem"), DATA.restate_examples)
def test_restating_the_customers_problem(customer, problem):
    assert DATA.restate.problem(customer, get_analyzer()) == problem


# -- what the issue asks for -----------------------------------------------------------------

CUSTOMER = (
    "My order #55102 was supposed to arrive Tuesday. It's Saturday and tracking hasn't moved."
)


def test_any_inconvenience_becomes_the_customers_problem():
    result = coach(analyze("We apologise for any inconvenience this may have caused.", CUSTOMER))
    assert "any inconvenience" not in result.improved
    assert "your order #55102 was supposed to arrive Tuesday" in result.improved
    assert result.report.has("acknowledge")
    assert not result.report.mistakes


def test_sorry_if_you_feel_becomes_an_owned_apology():
    customer = "You charged me a £35 overdraft fee when my salary was due the same day."
    result = coach(analyze("I'm sorry if you feel upset about this.", customer))
    assert result.improved.startswith(
        "I'm sorry we charged you a £35 overdraft fee when your salary was due the same day."
    )
    assert not result.report.mistakes


def test_the_but_excuse_is_dropped():
    result = coach(
        analyze("Sorry about the 55-minute hold, but we're experiencing high call volumes.")
    )
    assert result.improved.startswith("Sorry about the 55-minute hold.")
    assert "but" not in result.improved.split(".")[0]
    assert not result.report.mistakes


def test_never_again_goes_and_no_slot_takes_its_place():
    result = coach(analyze("Sorry your parcel is late. This will never happen again."))
    assert result.improved == "Sorry your parcel is late."
    assert "[" not in result.improved
    assert not result.report.mistakes


def test_repeated_apologies_collapse_to_one():
    text = "Sorry! So sorry about the missing drink. Sorry again, I've refunded the £2.50."
    result = coach(analyze(text, "Missing my drink from the order"), slots=False)
    assert result.improved.lower().count("sorry") == 1
    assert "I've refunded the £2.50" in result.improved
    assert not result.report.mistakes


def test_confrontation_goes_but_the_agents_facts_stay_flagged():
    text = (
        "Please calm down. Our records clearly show the fee was applied correctly. "
        "The courier lost it, which is out of our hands. I've refunded the fee."
    )
    result = coach(analyze(text, "You charged me a fee for nothing"), slots=False)
    assert "calm down" not in result.improved
    assert "Our records clearly show the fee was applied correctly." in result.improved
    assert "The courier lost it" in result.improved
    assert result.improved.endswith("I've refunded the fee.")
    flagged = {f.label for f in result.flags}
    assert {"defensive", "blame_shift"} <= flagged
    # every mistake left is one handed back to the agent
    assert {f.label for f in result.report.mistakes} <= flagged
    # amends' own drafts keep nothing of the kind
    own = coach(analyze(text, "You charged me a fee for nothing"), keep_positions=False)
    assert own.improved == "I've refunded the fee."
    assert not own.report.mistakes


def test_missing_components_are_suggestions_not_text():
    draft = "Your refund has been processed."
    result = coach(analyze(draft, "You charged me twice!"))
    assert result.posture == "full_apology"
    assert result.improved == draft and not result.edits and not result.slots
    wanted = {s.label for s in result.suggestions}
    assert {"apology", "responsibility", "explanation", "empathy", "follow_up"} <= wanted
    assert all(s.example and "[" not in s.example for s in result.suggestions)


def test_with_slots_one_marked_slot_at_most():
    result = coach(analyze("Your refund has been processed.", "You charged me twice!"), slots=True)
    assert result.slots == ("apology",)  # the customer's problem fills it: no bracket needed
    assert result.improved == "I'm sorry we charged you twice. Your refund has been processed."
    assert "apology" not in {s.label for s in result.suggestions}
    unknown = coach(analyze("Your refund has been processed."), slots=True)
    assert len(unknown.slots) <= 1 and unknown.improved.count("[") == len(unknown.slots)
    assert coach(analyze("Your refund has been processed.")).improved.count("[") == 0


def test_no_slots_for_what_the_posture_leaves_out():
    customer = (
        "I slipped on a wet floor in your store and broke my wrist. My lawyer will be in touch."
    )
    result = coach(
        analyze("We were negligent and accept full liability for all damages.", customer)
    )
    assert result.posture == "legal_review"
    assert "responsibility" not in result.slots and "explanation" not in result.slots
    assert "negligent" not in result.improved
    assert not result.report.mistakes


def test_a_good_reply_is_left_alone():
    text = (
        "Hi Sam, sorry your parcel is three days late. It was held at our Leeds depot after a "
        "sorting fault on our side, and that's on us. I know how frustrating that is. I've sent "
        "it out on this morning's van, and I've refunded your £4.99 delivery fee. I'll message "
        "you tomorrow at 1pm to make sure it arrived. Thanks for your patience."
    )
    result = coach(analyze(text, "Where is my parcel? It's three days late."))
    assert result.edits == ()
    assert result.improved == text


def test_greeting_and_signature_are_kept():
    result = coach(analyze("@Sam123 Hi Sam, sorry for any trouble! Please calm down. ^JA"))
    assert result.improved.startswith("@Sam123 Hi Sam, sorry")
    assert result.improved.endswith("^JA")
    assert "calm down" not in result.improved


def test_edits_are_on_the_original_text():
    text = "Obviously we're sorry for any inconvenience. Please DM us."
    result = coach(analyze(text, CUSTOMER))
    for edit in result.edits:
        assert 0 <= edit.start <= edit.end <= len(text)
        assert edit.why
    assert apply_edits(text, result.edits) == result.improved
    data = result.to_dict()
    assert set(data) >= {"edits", "improved", "report"}
    assert set(data["edits"][0]) == {"start", "end", "replacement", "why"}
    assert data["report"]["schema_version"] == 1


def test_coach_accepts_a_draft_and_customer():
    assert (
        coach("Sorry for any inconvenience.", CUSTOMER).improved
        == coach(analyze("Sorry for any inconvenience.", CUSTOMER)).improved
    )


def test_rewrite_maps_repeated_edits_back_to_one_edit():
    rewrite = Rewrite("one two three four")
    rewrite.apply(4, 7, "2", "a")
    rewrite.apply(4, 5, "TWO", "b")
    rewrite.apply(len(rewrite.text), len(rewrite.text), " five", "c")
    assert rewrite.text == "one TWO three four five"
    edits = rewrite.edits()
    assert [(e.start, e.end, e.replacement) for e in edits] == [(4, 7, "TWO"), (18, 18, " five")]
    assert edits[0].why == "a b"
    assert apply_edits("one two three four", edits) == rewrite.text


# -- the real dev set ------------------------------------------------------------------------


def dev_rows() -> list[dict]:
    path = SHARED / "dev_gold.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is not here; the dev set lives outside the repository")
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def test_every_dev_set_reply_is_coached_to_no_unflagged_mistake():
    rows = dev_rows()
    assert len(rows) >= 400
    left = []
    for row in rows:
        result = coach(analyze(row["reply"], row.get("customer")))
        flagged = {f.code for f in result.flags}
        unflagged = [f.code for f in result.report.mistakes if f.code not in flagged]
        if unflagged:
            left.append((row["id"], unflagged))
        assert apply_edits(row["reply"], result.edits) == result.improved, row["id"]
    assert not left, left


def test_dev_set_replies_with_mistakes_keep_their_good_sentences():
    """The coach is not allowed to win by deleting everything: most fixed replies keep text."""
    rows = [r for r in dev_rows() if analyze(r["reply"], r.get("customer")).mistakes]
    kept = 0
    for row in rows:
        result = coach(analyze(row["reply"], row.get("customer")), slots=False)
        if len(result.improved) >= 0.3 * len(row["reply"]):
            kept += 1
    assert kept >= 0.75 * len(rows)


# -- generated drafts ------------------------------------------------------------------------

SENTENCES = [
    "Sorry for any inconvenience.",
    "We apologise for any trouble this may have caused.",
    "I'm sorry if you feel upset.",
    "Sorry you feel that way.",
    "Sorry, but we are very busy today.",
    "It is our policy that fees are final, so we are unable to refund it.",
    "The courier lost your parcel.",
    "You should have read the terms.",
    "As I already explained, the fee stands.",
    "Our records clearly show you were charged correctly.",
    "Please calm down.",
    "Obviously we can't do that.",
    "We DO NOT reverse bans.",
    "This will never happen again.",
    "I guarantee it will arrive tomorrow.",
    "It's just a small glitch.",
    "We were negligent and accept full liability.",
    "Sorry! Sorry again!",
    "I've refunded the £20 charge.",
    "A replacement ships today.",
    "I'll email you by Friday.",
    "That's on us.",
    "I know how frustrating that is.",
    "Thanks for your patience.",
    "Hi Sam,",
    "Please DM us your order number.",
]
CUSTOMERS = [
    None,
    "You charged me twice!",
    "My flight was cancelled because of the storm.",
    "I've been on hold for 40 minutes.",
    "Third time my order has been wrong.",
    "I slipped in your store and my lawyer is involved.",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6),
    st.sampled_from(CUSTOMERS),
)
def test_generated_drafts_keep_only_flagged_mistakes(sentences, customer):
    text = " ".join(sentences)
    result = coach(analyze(text, customer))
    flagged = {f.code for f in result.flags}
    assert all(f.code in flagged for f in result.report.mistakes), (text, result.improved)
    assert apply_edits(text, result.edits) == result.improved
    own = coach(analyze(text, customer), keep_positions=False)
    assert not own.report.mistakes, (text, own.improved)


# -- the data --------------------------------------------------------------------------------


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    source = Path(__file__).parents[1] / "src" / "amends" / "data" / "coach.yaml"
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "coach.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - for: [legal_risk]\n", "  - for: [legal_stuff]\n", "neither a rule code"),
        ("action: cut_from", "action: snip", "action"),
        (
            "action: cut_from\n    pattern: '(?i)[,;]?\\s*\\bbut\\b'\n",
            "action: cut_from\n",
            "needs 'pattern'",
        ),
        (
            '    text: "This happened because [the cause, in one sentence]."',
            '    text: "Because {cause}."',
            "unknown field",
        ),
        ('clause: "it keeps freezing"}', 'clause: "it keeps freezing", noun: "x"}', "either"),
        (
            'forms: ["{head}{hear} {area} {isnt} working well for you"]',
            'forms: ["{head} {place}"]',
            "unknown field",
        ),
        ("(?P<area>", "(?P<region>", "capture the area"),
    ],
)
def test_bad_data_is_reported_with_file_and_line(tmp_path, old, new, message):
    with pytest.raises(DataError, match=message) as info:
        load_coach(_broken(tmp_path, old, new))
    assert "coach.yaml" in str(info.value)


# -- properties of every fix: nothing invented, nothing of the agent's lost ---------------------

STEPS = [
    "I've refunded the £20 charge.",
    "A replacement ships today.",
    "I'll email you by Friday.",
    "Please DM us your order number.",
]
_FACT = re.compile(
    r"[£$€]?\d[\d,.:]*(?:am|pm|%)?|\b(?:monday|tuesday|friday|today|tomorrow)\b", re.I
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6),
    st.sampled_from(CUSTOMERS),
    st.sampled_from(["", "@SamHelp ", "@SamHelp @travel_co "]),
    st.sampled_from(["", " More here: https://t.co/abc123", " ^JD", " 1/2"]),
)
def test_a_fix_invents_no_fact_and_loses_no_step_handle_link_or_marker(
    sentences, customer, handles, tail
):
    text = handles + " ".join(sentences) + tail
    result = coach(analyze(text, customer))
    improved = result.improved
    given_facts = {m.lower() for m in _FACT.findall(text + " " + (customer or ""))}
    assert {m.lower() for m in _FACT.findall(improved)} <= given_facts, (text, improved)
    for step in STEPS:
        if step in text:
            # after a greeting ("Hi Sam, please DM us…") the step's capital may go
            assert step in improved or step[0].lower() + step[1:] in improved, (text, improved)
    for token in re.findall(r"@\w+|https?://\S+|\^[A-Z]{2}|\b1/2\b", text):
        assert token in improved, (text, improved)
    assert re.search(r"[A-Za-z]{3,}", improved.replace(handles.strip(), "")), (text, improved)
    if handles:  # a social post: within the limit, or no longer than the agent's own
        assert post_length(improved) <= max(280, post_length(text))


# -- round 2 of the blind review: what a lead would not send ---------------------------------


def test_a_plan_that_starts_inside_a_link_leaves_the_link_whole():
    # the sentence splitter ends a sentence inside "show_bug.cgi?id=…"; the excuse after it
    # may not take the rest of the link with it
    link = "https://bugzilla.mozilla.org/show_bug.cgi?id=1460989"
    draft = (
        f"Hi. You can see the work on the fix here {link}. It was something that we did not "
        "expect, but it should be fixed very soon. ^pw"
    )
    result = coach(analyze(draft))
    assert link in result.improved
    assert "^pw" in result.improved


def test_removing_words_never_leaves_a_fragment():
    draft = (
        "Sorry about that. Promotional voucher expiry dates are displayed in several places, "
        "including promo material and the T&amp;Cs. Dom"
    )
    result = coach(analyze(draft))
    assert "Including" not in result.improved and ". including" not in result.improved
    assert "including promo material and the T&amp;Cs" in result.improved
    assert {f.code for f in result.report.mistakes} <= {f.code for f in result.flags}


RETRY = "Disappointing failed download does not have the option to retry."
CRASHES = "Please fix the problem because the app keeps shutting down on me."


@pytest.mark.parametrize(
    ("draft", "customer", "improved"),
    [
        (
            "sorry for ur trouble we will fix this soon Thank you for your review!!",
            RETRY,
            "Sorry about this. Thank you for your review!!",
        ),
        (
            "sorry for the trouble we will fix this soon :) Thank you for your review!!",
            RETRY,
            "Sorry about this. Thank you for your review!!",
        ),
        (
            "Sorry for your trouble and we are fixing bugs right now :) Thanks for your review!",
            CRASHES,
            "Sorry about the crashes and we are fixing bugs right now :) Thanks for your review!",
        ),
    ],
)
def test_a_run_on_thanks_and_a_smiley_survive_the_promise_before_them(draft, customer, improved):
    result = coach(analyze(draft, customer))
    assert result.improved == improved
    assert not result.report.mistakes


@pytest.mark.parametrize(
    ("draft", "said", "stand_in"),
    [
        (
            "Hi! Sorry to hear you're having issues with tabs. Try this article.",
            "Sorry to hear tabs aren't working well for you.",
            "having issues",
        ),
        (
            "I'm sorry you are having issues with your service. Please DM me.",
            "I'm sorry your service isn't working well for you.",
            "having issues",
        ),
        (
            "We're sorry to hear you had a problem with the order. Please DM us.",
            "We're sorry to hear about what happened with the order.",
            "a problem",
        ),
        (
            "Sorry for the difficulty on board Martyn, which service was it?",
            "Sorry about what happened on board Martyn,",
            "difficulty",
        ),
        (
            "I apologize for the issue that you have had with your bill. It was a typo.",
            "I apologize for what happened with your bill.",
            "the issue",
        ),
    ],
)
def test_an_apology_about_an_area_names_the_area_plainly(draft, said, stand_in):
    result = coach(analyze(draft))
    assert said in result.improved
    assert stand_in not in result.improved
    assert not result.report.mistakes


def test_the_words_that_finish_an_earlier_post_stay():
    # the first sentence began in post 1/2: removing it would leave that post hanging
    draft = (
        "@117220 may need to be changed for safety or operational reasons. We'll pass your "
        "comments on to the Customer Experience team. ^Kit 2/2"
    )
    result = coach(analyze(draft))
    assert result.improved == draft
    # the excuse, and the vague promise the analyzer notes (P001: passing comments on, no time)
    assert [f.code for f in result.flags] == ["M403", "P001"]
    assert result.unchanged and "excuse" in result.unchanged


def test_an_apology_recapitalised_by_an_edit_is_still_fixed_not_dropped():
    draft = (
        "Thankyou for getting touch with us. we will fix your bug quickly and sorry for the "
        "trouble.Please update our latest version for a best service."
    )
    customer = "The app tends to hang alot of times when searching . It's like 50% of the time ."
    result = coach(analyze(draft, customer))
    assert "we will fix" not in result.improved
    # the customer's problem is restated only when the analyzer (its learned acknowledge head
    # included) reads the restatement as naming it; either way the apology stays
    assert (
        "Sorry the app tends to hang" in result.improved or "Sorry about this." in result.improved
    )
    assert "Please update our latest version" in result.improved
    assert not result.report.mistakes


def test_a_spaced_smiley_goes_with_its_sentence():
    draft = "wait for the next update and you will regret : ) Thank you for your review!!"
    result = coach(analyze(draft, "I'm switching to chrome!"))
    assert result.improved == "Thank you for your review!!"


@pytest.mark.parametrize(
    ("draft", "customer", "improved"),
    [
        (
            "@656127 I'm sorry for the trouble but this is a known issue we're fixing. -Gabe",
            None,
            "@656127 I'm sorry but this is a known issue we're fixing. -Gabe",
        ),
        (
            "Hi, sorry to hear that you're having trouble with Firefox, crashes usually are "
            "caused by bad add-ons.",
            "App constantly crashes!",
            "Hi, sorry to hear Firefox isn't working well for you, crashes usually are caused "
            "by bad add-ons.",
        ),
    ],
)
def test_the_new_apology_does_not_repeat_the_word_after_it(draft, customer, improved):
    result = coach(analyze(draft, customer))
    assert result.improved == improved
    assert not result.report.mistakes


def test_a_post_counts_an_html_entity_as_the_character_it_shows():
    assert post_length("Pls try uninstalling &amp; reinstalling") == len(
        "Pls try uninstalling & reinstalling"
    )
    assert post_length("5 &gt; 4 &#8217; https://t.co/abc") == len("5 > 4 ’ ") + 23


def test_a_sentence_cut_short_by_an_abbreviation_loses_only_the_promise():
    draft = (
        "@559951 Apologies for the trouble. Please DM us your contact nos. and elaborate on your "
        "concern and we will surely address it.Rgds,Neha L https://t.co/LBfZgLCSfr"
    )
    result = coach(analyze(draft))
    assert "and elaborate on your concern." in result.improved
    assert "surely address" not in result.improved
    assert result.improved.endswith("Rgds,Neha L https://t.co/LBfZgLCSfr")
    assert not result.report.mistakes


def test_the_edited_sentence_gets_the_space_after_it_back():
    draft = "@798016 Sorry for the trouble caused.We request you to DM your idea number. Shweta"
    result = coach(analyze(draft))
    assert result.improved == (
        "@798016 Sorry about this. We request you to DM your idea number. Shweta"
    )


@pytest.mark.parametrize(
    "customer", ["Good", "Extension support is back. Keep up the awesome work!", "nice app!"]
)
def test_an_apology_to_a_customer_who_only_praised_is_left_for_the_agent(customer):
    draft = "Hi! Sorry to hear you're having issues with tabs. This article might help. ^ma"
    result = coach(analyze(draft, customer))
    assert result.improved == draft
    assert [f.code for f in result.flags] == ["M101"]
    assert "praises" in result.flags[0].why and "Thank them" in result.flags[0].suggest
    # the same draft to a complaint is rewritten
    fixed = coach(analyze(draft, "Tabs keep closing by themselves"))
    assert fixed.improved != draft
