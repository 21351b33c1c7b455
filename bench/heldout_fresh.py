"""Fresh held-out extraction sets for the zero-shot field confidence (issue 8, fourth round), written once.

Both earlier held-out sets (``banking-slots.json``, ``restaurants-heldout.json``) were measured in earlier
rounds, so they are spent; these two were drawn before anything of this round was tuned, and are measured
once, at the end (``bench/bench_extract.py``).

- ``banking-slots-fresh.json``: NLU++ banking (Casanueva et al. 2022, CC BY 4.0), from the *test side* of
  the bench's split (``extract_data.split``, seed 0, 451 messages) without the 80 of ``banking-slots.json``:
  every remaining message with a slot, and after ``random.Random(8).shuffle`` enough of those without one
  to make 150.
- ``restaurants-fresh.json``: Restaurants-8k (Coope et al. 2020, PolyAI-LDN/task-specific-datasets,
  CC BY 4.0), every utterance lying wholly inside three fixed windows of
  ``span_extraction/restaurant8k/test.json`` that the earlier set did not use (characters 200,000-216,000,
  700,000-716,000 and 1,100,000-1,116,000, read through the stored copy of the repository), texts and
  labelled spans unchanged (a span without ``startIndex`` starts at 0, as the protobuf JSON omits zeros),
  except a sentence-final full stop trimmed from a label, as in ``restaurants-heldout.json``.
  ``people`` is a string here: in these windows it is mostly written as a phrase ("me and my husband").
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import extract_data as data  # noqa: E402

OUT = ROOT / "resources" / "eval"
N_BANKING = 150
F, L, D, T, P = "first_name", "last_name", "date", "time", "people"
# characters 200,000-216,000: no labelled slot in this part of the file
W200K = [
    "Do you have other options?", "I am need delivery, do they offer it?", "Could you please rate me at a 4 or above?",
    "I'm interested in the restaurant called E. Mono.", "What address is it and does it deliver?",
    "I am looking for a restaurant named Cote Brasserie in Chiswick.",
    "Can you tell me the price range of the restaurant?", "What about alternatives, have some?",
    "Nope, that will be all. Thanks for the help, good bye!",
    "I don't care about vegetarian options, but I want the restaurant to have wheelchair access.",
    "Restaurant and phone.",
    "I'd like cuisine is NOT Portuguese and neighborhood is New Cross.  I don't care about deliver.",
    "I want expensive or moderate price range with a rating of greater than 2.", "You got it, Let's book it!",
    "I don't want the restaurant to be cheap. It needs to be more moderate in price.",
    "Do you know if they have wheelchair access and what neighborhood are they in?",
    "Do you know where the Wagamama Shepherd's Bush restaurant is?", "Yes thank you so much.",
    "I am looking for a restaurant named Brizzis Pizza Bar.", "Where is it, and do they have gluten free food?",
    "Well the restaurant needs to also have wheelchair access.", "Does Gail's have any vegetarian options?",
    "I don't care about having parking and rating is greater than 2.", "Thank you have a great day. Good bye.",
    "I am looking for a restaurant called Sagar.", "Thank you, have a nice day!",
    "I would like info. on the Sushi Cafe restaurant.", "I wish to have the vegetarian options with a rating above 3",
    "Do they have a website address?", "That is it, thank you, goodbye.",
    "Please look up the Gallery restaurant for me thanks.", "I want Indian food.",
    "I want to book for Domino's Pizza Hendon.",
    "I am looking for a restaurant in Neasden with a moderate price range.",
    "I really want the Green Park neighborhood with a rating higher than 0.", "Thank you, good bye",
    "I want a restaurant of Lyonnais cuisine and a rating that is greater than 0.",
    "What is the email and phone number?", "Do they have wheelchair access and parking?",
    "I am looking for Pizzeria on the Green restaurant.", "Thank you for your help. Goodbye.", "Thanks so much, bye!",
    "I am looking for a restaurant called The Salisbury.", "What type of cuisine do they serve?",
    "I really want the Neasden neighborhood.", "I want a Polish Cuisine.",
    "I want vegetarian options with a cheap to expensive price range.", "Thank you for your help. Bye.",
    "I would love a restaurant in The Rutland", "I am looking for the Vesbar restaurant",
    "I want to know about Cafe Rouge The City.", "That's all. Thanks! Have a great day!",
    "Does Mica Cafe do delivery?", "I am looking for the restaurant called Edgar Wallace.",
    "I'd like to order food from 1 star + restaurants.", "thanks for your help,good bye.",
    "Could you tell me if they have parking available and what is their phone number.",
    "Perfect. Please book it for me.", "Yes, please book the reservation for me.", "Could you tell me the price range.",
    "I am looking for a moderate priced restaurant, but not a cheap one.",
    "Can you tell me how to find the restaurant, Rocca di Papa please?",
    "No not really.  Please look for something that is not Malaysian, serves steak, and is located in the "
    "Victoria area.",
    "What is the phone number?", "What is their website?",
    "No I want the Lyonnais style of cooking, plus with vegetarian options and a rating thats better than 0.",
    "I want cuisine that is Burgers.", "Sure. I need a rating higher than 2.", "Thanks, see you later!",
    "I don't care.", "I would like to find a restaurant named Chez Nous", "Alright thanks.  Take care!", "Yes.",
    "I want it to be Central, not West Kensington.", "I want raw or tapas food and moderate prices.",
    "Can you make me a reservation please?", "I want to inquire about Mediterranean Kitchen.",
    "Yes please book that for me.", "I want Barbecue cuisine, but not from the Gastropub.",
    "I don't want the neighborhood to be Leicester Square, but I would like Liverpool Street.",
    "Could you tell me the rating.", "I don't care about delivery options.", "Hi, I'm looking for vegetarian options.",
    "No I'm really interested in the ones with wheelchair access.",
    "I would like a neighborhood that is not South West London and not Streatham Norbury.",
    "I am looking for a restaurant that has a rating of less that 5.",
    "Can you tell me about any other restaurants there?", "Do you have its email and rating?",
    "I want a restaurant that serves cuisine that isn't Kosher and has a rating higher than 0.",
    "I want deliver available.", "Yes please! Please book that for me.", "Yes, please make the booking",
    "Does it have vegetarian options?", "What neighborhood?", "I want Polish food and a rating higher than 3 stars.",
    "Thank you for your help.  Goodbye", "I would like a restaurant named Solche please.",
    "Well we can try the Paddington area.", "Yes that is correct, can you book it for me?",
    "That must be it.  Please book it for me thank you.", "I can pay top dollar.", "I want to eat Lyonnais food.",
    "I am looking for a restaurant called Mandarin Kitchen.",
    "Gluten free options are not important, but I want a cheap price range. I don't care much about price range, "
    "unless it is cheap or expensive.",
    "Okay, I want Lebanese food and less than 3 stars.", "Can you make me a reservation?",
    "I would like to have information about a restaurant called Oak and Pastor.",
    "I like the vegetarian options, since that's what I want. I do also want there to be parking.",
    "I want wheelchair access and Middle Eastern food.", "I would like the information for Queens Indian Restaurant.",
    "I would like a Lyonnais restaurant that has a rating greater than 2 and is not located in East Putney or West "
    "Green. Delivery options do not matter to me.",
    "Ok, I do actually prefer vegan options. Delivery doesn't matter.",
    "What about gluten free options?  I need their website information.",
    "I want to find a restaurant instead that has European cuisine.", "That is all, good bye.",
    "Do they deliver? Do they have parking?", "I am looking for a restaurant named Whites Restaurant.",
    "Can I get a booking?", "I want wheelchair access and rating greater than 4.",
    "I would like to know about restaurants in the Kilburn or Wandsworth Earlsfield neighborhoods please.",
    "Yes, Please book it for me.", "What neighborhood is it located at and what is their postcode?",
    "I want a restaurant whose cuisine is not Egyptian and not Taiwanese.",
    "I want Lyonnais anywhere but Bishopsgate and Putney.", "I want it to be in Action Green neighborhood?",
    "Are there any other restaurants?",
    "I am looking for a restaurant in the Belsize Park neighborhood.  I don't want to go to a restaurant in the "
    "Palmers Green area.  I am looking for a cheap to moderately priced restaurant.",
    "Yeah, no vegetarian. I want Middle Eastern and I don't need parking.",
    "Do they have a vegetarian option and a website?", "Thanks and bye!",
    "I am looking for a restaurant named KFC Marylebone.", "Thank you bye.",
    "I would like to eat somewhere with a rating more than 3 that is not Ethiopian or Pastries.",
    "I want information on a restaurant called Beach Blanket Babylon-Shoreditch.",
]
W700K: list[tuple[str, dict[str, tuple[int, int]]]] = [
    ("My wife and I and our four friends would like to book a table at 8:45 tonight.",
     {P: (0, 34), T: (65, 77), D: (70, 77)}),
    ("I'd like to cancel a reservation I have made for Thu, 20 Dec 2018 for 07:15PM please.",
     {T: (70, 77), D: (49, 65)}),
    ("SATURDAY AT 7PM", {D: (0, 8), T: (12, 15)}),
    ("At 9pm tomorrow I think I have a table booked under Christena Koppelmann",
     {F: (52, 61), L: (62, 72), T: (3, 6), D: (7, 15)}),
    ("I have booked us a table for tomorrow for 7pm reserved under the name Iva Alvine.",
     {F: (70, 73), L: (74, 80), D: (29, 37), T: (42, 45)}),
    ("I have a booking under the name Becki Denardo for 08:15pm tomorrow evening.",
     {F: (32, 37), L: (38, 45), D: (58, 66), T: (50, 57)}),
    ("I have booked a table under the name Mac Novembre at 8:15 tomorrow evening",
     {F: (37, 40), L: (41, 49), D: (58, 66), T: (53, 57)}),
    ("I have reservations at 9 tomorrow for a table for four, Shelba Tansley",
     {T: (23, 24), D: (25, 33), F: (56, 62), L: (63, 70)}),
    ("we have a booking listed under Erma Moscato for 7:30pm tomorrow night!",
     {F: (31, 35), L: (36, 43), D: (55, 63), T: (48, 54)}),
    ("I have booked us a table for tomorrow for 7pm reserved under the name Shemika Maciejczyk.",
     {F: (70, 77), L: (78, 88), D: (29, 37), T: (42, 45)}),
    ("I have a table booked tomorrow at 8:15pm for Erna Lounsbery",
     {D: (22, 30), T: (34, 40), F: (45, 49), L: (50, 59)}),
    ("i have a booking tomorrow at 8:30pm under the name Astrid Vilar",
     {T: (29, 35), D: (17, 25), F: (51, 57), L: (58, 63)}),
    ("Tomorrow night at 8:45 I have a reservation for Sherlene Abaloz I think.",
     {T: (9, 22), F: (48, 56), L: (57, 63), D: (0, 8)}),
    ("I have a reservation that I think is for Eula Andreoni at 8:45 tomorrow evening.",
     {F: (41, 45), L: (46, 54), T: (58, 62), D: (63, 71)}),
    ("Leida Todaro is the name i think for the booking tomorrow at 8:00PM.",
     {F: (0, 5), L: (6, 12), D: (49, 57), T: (61, 68)}),
    ("I have a booking at 9 tomorrow night for Sharlene Sasuille, I think.",
     {P: (20, 21), F: (41, 49), L: (50, 58), T: (20, 21), D: (22, 30)}),
    ("I think we can just about make the 8pm slot", {T: (35, 38)}),
    ("could we do a little earlier, like 8pm", {T: (35, 38)}),
    ("the 7pm one please", {T: (4, 7)}),
    ("the 9 thirty one please", {T: (4, 16)}),
]
W1100K: list[tuple[str, dict[str, tuple[int, int]]]] = [
    ("Could we have a table for myself and five others, if there's one available?", {P: (26, 48)}),
    ("me and my 5 friends", {P: (0, 19)}),
    ("Do you have a table that will seat me and my four friends?", {P: (35, 57)}),
    ("I would like a table for myself plus three", {P: (25, 42)}),
    ("Wait, the table is actually for me my daughter and her husband", {P: (32, 62)}),
    ("I got the wrong number, it will now be only two couples", {P: (44, 55)}),
    ("It will probably be me and my boyfriend.", {P: (20, 39)}),
    ("There's me, my wife and 3 of our friends coming", {P: (8, 40)}),
    ("party of 3 for Francoise Mohrmann", {P: (9, 10), F: (15, 24), L: (25, 33)}),
    ("I'm in need of a table for a party of 6. Is that available?", {P: (38, 39)}),
    ("the party size is now just 6.", {P: (27, 28)}), ("I want a table for me and my husband.", {P: (19, 36)}),
    ("We have 2 plus 1 more.", {P: (8, 16)}), ("My three colleagues and I should be seated together.", {P: (0, 25)}),
    ("may I have a table for me and two of my friends?", {P: (23, 47)}),
    ("It's just for me and my girlfriend.", {P: (14, 34)}),
    ("No wait, I got the number wrong.  There's my boss and me", {P: (42, 56)}),
    ("Can I book a table for my husband and me please?", {P: (23, 40)}),
    ("I think I'll be bringing 3 friends with me", {P: (25, 42)}),
    ("Another person is coming, so now we will have five guests.", {P: (46, 50)}),
    ("Two grandparents, mum and dad and their son", {P: (0, 43)}), ("me, my wife and two kids", {P: (0, 24)}),
    ("one senior two adults and three kids", {P: (0, 36)}), ("one adult and two children", {P: (0, 26)}),
    ("No, it is just me and my husband coming.", {P: (15, 32)}), ("Three guests are attending", {P: (0, 5)}),
    ("my friend and 4 cousins", {P: (0, 23)}), ("Give me a table for me and my 5 friends", {P: (20, 39)}),
    ("4 adults and 2 children need a table", {P: (0, 23)}),
    ("That would be great if the seats for my mom and 3 siblings could be together to celebrate", {P: (37, 58)}),
    ("My party is just me and a friend", {P: (17, 32)}),
    ("No, all in all including myself six will be present", {P: (32, 35)}),
    ("There will be two of my friends and I wanting a table.", {P: (14, 37)}),
    ("I need a table for me plus one", {P: (19, 30)}),
    ("Since one can't come it will just be me and the 3 boys", {P: (37, 54)}),
    ("I need a table for my daughter and me", {P: (19, 37)}), ("i need a table for 4 of use please.", {P: (19, 20)}),
    ("its a family of 3.", {P: (16, 17)}), ("I would like a table for 2 adults and 4 children", {P: (25, 48)}),
    ("We have a party of 3.", {P: (19, 20)}), ("It's just us four now.", {P: (13, 17)}),
    ("Table for 3 couples.", {P: (10, 19)}), ("The reservation is just for me and my two sisters.", {P: (28, 49)}),
    ("It's just for me and my wife.", {P: (14, 28)}),
    ("me, my parents and my wife and son will be attending.", {P: (0, 34)}),
    ("The party size is now for me, my husband and our two kids.  My dad couldn't make it.", {P: (26, 57)}),
    ("Can I book a table for my boss and his partner please?", {P: (23, 46)}),
    ("I need a table for me and my sister", {P: (19, 35)}),
]
RESTAURANT_SCHEMA: dict[str, Any] = {"title": "Table booking", "type": "object", "properties": {
    F: {"type": ["string", "null"], "description": "the customer's first name"},
    L: {"type": ["string", "null"], "description": "the customer's last name"},
    D: {"type": ["string", "null"], "description": "the date of the booking"},
    T: {"type": ["string", "null"], "description": "the time of the booking"},
    P: {"type": ["string", "null"], "description": "the people the table is for"}}}
LICENCE = "CC BY 4.0, https://creativecommons.org/licenses/by/4.0/"


def banking() -> dict[str, Any]:
    spent = {i["text"] for i in json.loads((OUT / "banking-slots.json").read_text(encoding="utf-8"))["items"]}
    _, test = data.split(data.load())
    rest = [r for r in test if r["text"] not in spent]
    with_slot = [r for r in rest if any(r["expected"].get(f) is not None for f in data.FIELDS)]
    without = [r for r in rest if r not in with_slot]
    random.Random(8).shuffle(without)
    items = [{"text": r["text"], "expected": {f: r["expected"].get(f) for f in data.FIELDS}}
             for r in with_slot + without[: N_BANKING - len(with_slot)]]
    return {"name": "banking-slots-fresh", "task": "extract", "schema": data.SCHEMA, "compare": list(data.FIELDS),
            "source": f"NLU++ banking (Casanueva et al., 2022), {LICENCE}; test side of the seed-0 split without "
                      "the 80 of banking-slots.json; see resources/eval/README.md", "items": items}


def restaurants() -> dict[str, Any]:
    items = []
    for text, labels in [(t, {}) for t in W200K] + W700K + W1100K:
        expected: dict[str, Any] = {k: None for k in RESTAURANT_SCHEMA["properties"]}
        for slot, (a, b) in labels.items():
            value = text[a:b]  # the sentence's full stop is not the value's (as in restaurants-heldout.json)
            expected[slot] = value[:-1] if value.endswith(".") and b == len(text) else value
        items.append({"text": text, "expected": expected})
    return {"name": "restaurants-fresh", "task": "extract", "schema": RESTAURANT_SCHEMA,
            "source": f"Restaurants-8k test split (Coope et al., 2020, PolyAI-LDN/task-specific-datasets), {LICENCE}: "
                      "every utterance inside three fixed windows of span_extraction/restaurant8k/test.json "
                      "(characters 200,000-216,000, 700,000-716,000, 1,100,000-1,116,000), texts and labelled spans "
                      "unchanged but a sentence-final full stop trimmed from a label; see resources/eval/README.md",
            "items": items}


def main() -> None:
    for name, made in (("banking-slots-fresh.json", banking()), ("restaurants-fresh.json", restaurants())):
        (OUT / name).write_text(json.dumps(made, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        n_slot = sum(any(v is not None for v in i["expected"].values()) for i in made["items"])
        per = {f: sum(i["expected"][f] is not None for i in made["items"]) for f in made["schema"]["properties"]}
        print(name, len(made["items"]), "items,", n_slot, "with a value;", per)


if __name__ == "__main__":
    main()
