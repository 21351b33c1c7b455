"""The other-domain held-out extraction set (``resources/eval/restaurants-heldout.json``), written once.

Restaurants-8k (Coope, Farghly, Gerz, Vulic, Henderson, 2020, "Span-ConveRT: Few-shot Span Extraction for
Dialog with Pretrained Conversational Representations", ACL 2020), from the PolyAI-LDN/task-specific-datasets
repository, CC BY 4.0: every utterance that lies wholly inside two fixed windows of
``span_extraction/restaurant8k/test.json`` (characters 500,000-516,000 and 900,000-916,000, read through the
stored copy of the repository), with its labelled spans as (start, end) offsets. Nothing was tuned on it: the
zero-shot extraction is measured on it once, at the end (``bench/bench_extract.py``).
"""

import json
from pathlib import Path

F, L, D, T, P = "first_name", "last_name", "date", "time", "people"
W1 = [
("i am trying to book this now", {}), ("swiish", {}), ("Can I make a booking please? im begging you", {}),
("any halal options?", {}), ("can i bring my dog?", {}), ("Do you have a party menu", {}),
("My first name is Shanda my last name is Wenske", {F: (17, 23), L: (40, 46)}),
("Leena Haby", {F: (0, 5), L: (6, 10)}), ("can you cancel my booking", {}), ("BOOK ME SOMETHING BABBYYYYYYY", {}),
("Kai", {F: (0, 3)}), ("no, thank yoju", {}), ("Could you tell me if you serve sirloin steak?", {}),
("Okay thankyou", {}), ("cancel a booking", {}), ("Carl", {F: (0, 4)}),
("how many people can you fit in your restaurant?", {}), ("hi", {}), ("faseflkj", {}), ("can i amend a booking", {}),
("Booker Hirz", {F: (0, 6), L: (7, 11)}), ("yes but can i have a table with wheelchair access", {}), ("thank you", {}),
("hello?", {}), ("ANSWER ME", {}), ("do you have disabled access", {}),
("Janine Yzaquirre", {F: (0, 6), L: (7, 16)}), ("Delilah Aldous", {F: (0, 7), L: (8, 14)}), ("book", {}),
("Zulema Backfisch", {F: (0, 6), L: (7, 16)}), ("Oma", {F: (0, 3)}), ("okay but do you have a menu for children", {}),
("Neville", {F: (0, 7)}), ("Clotilde.", {F: (0, 8)}), ("H", {}), ("Lovely, are any of the meat hala", {}),
("are any of your meats halal?", {}), ("i think so it may be under Wilhelmina Budak", {F: (27, 37), L: (38, 43)}),
("Marilee Allemand", {F: (0, 7), L: (8, 16)}), ("thanks...", {}), ("can you cater for gluten free?", {}),
("thank you, that's great. Can you cater for vegans?", {}), ("hi, i'd like to book a table please", {}),
("Lauren Burnsed", {F: (0, 6), L: (7, 14)}), ("no my name is Elma Lammy", {F: (14, 18), L: (19, 24)}),
("Correct and one quick question, do you accept dogs?", {}), ("so will i get round table ?>", {}),
("Lashay Larick", {F: (0, 6), L: (7, 13)}), ("Nana Maultsby", {F: (0, 4), L: (5, 13)}),
("Hi I was just wondering if im able to bring a birthday cake in?", {}), ("Okay lovely and can I book a table?", {}),
("Yes please but before I book it, do you have any vegan options?", {}), ("Okay lovely", {}),
("Janessa", {F: (0, 7)}), ("lovely yes", {}), ("hi, do you do breakfast?", {}), ("yes that is right", {}),
("they are the details", {}), ("Do you have a childrens play area", {}), ("Kristal Sickman", {F: (0, 7), L: (8, 15)}),
("Bernice Teti", {F: (0, 7), L: (8, 12)}), ("Pok Mccorrison", {F: (0, 3), L: (4, 14)}), ("Andra", {F: (0, 5)}),
("my booking reference is BD72AFG", {}), ("correctamundo", {}), ("oui", {}), ("oh really?", {}), ("nah bruv", {}),
("what drinks do you have", {}), ("my name is Kenneth Shammah", {F: (11, 18), L: (19, 26)}),
]
W2 = [
("Schedule me a table for 10:45AM.", {T: (24, 32)}), ("At 6:00 PM I have my booking.", {T: (3, 10)}),
("Please book it for 11:15am.", {T: (19, 27)}), ("Can i book for 7 pm please?", {T: (15, 19)}),
("I have reservations for 5:30pm", {T: (24, 30)}), ("I have taken the 5:30pm time slot", {T: (17, 23)}),
("Aug. the 24th is my spot.", {D: (0, 13)}), ("My reservation is on Friday.", {D: (21, 27)}),
("Party is on 8/10/18.", {D: (12, 19)}), ("I have a reservation 20 days from now.", {D: (21, 37)}),
("My booking is for next Friday.", {D: (18, 29)}), ("I have a reservation for Tue, Aug 28, 2018.", {D: (25, 42)}),
("Need a reservation in 23 days.", {D: (19, 29)}), ("In 4 days I have a booking.", {D: (0, 9)}),
("My reservation is in 4 days.", {D: (18, 27)}), ("For 11:45 in the morning for 3 of us", {T: (4, 9), P: (29, 30)}),
("At 11:45AM 3 of us will need a spot.", {T: (3, 10), P: (11, 12)}), ("My booking is in 6 days.", {D: (14, 23)}),
("At 8pm I have a booking.", {T: (3, 6)}), ("Is 6 pm have any openings?", {T: (3, 7)}),
("I booked 1:30PM.", {T: (9, 16)}),
("I've made a reservation for Sun, 02 Sep 2018", {D: (28, 44)}),
("Can I book for August 13th, 2018 please?", {D: (15, 32)}),
("I would like to book for August 13th, 2018 please.", {D: (25, 42)}), ("Saturday August 18th please.", {D: (0, 20)}),
("Can I get a table on the 18th of August?:", {D: (25, 39)}), ("I want an 11:00AM table.", {T: (10, 17)}),
("I need a reservation for 11:00AM.", {T: (25, 33)}), ("For 12:15pm and a party of 8", {T: (4, 11), P: (27, 28)}),
("Table reserved for 1pm.", {T: (19, 23)}), ("Reservation is for 1pm.", {T: (19, 23)}),
("on Tue, 07 Aug 2018 please", {D: (3, 19)}), ("Reservation on 8/19/18 for 5.", {D: (15, 22), P: (27, 28)}),
("For 5:45PM, please.", {T: (4, 10)}), ("Our booking is for the day after tomorrow.", {D: (23, 41)}),
("This is for tomorrow.", {D: (12, 20)}), ("The booking is for 5:30pm.", {T: (19, 26)}),
("Can you book me for Thu, 09 Aug 2018?", {D: (20, 36)}),
("I would like a table in the morning at 11:45", {T: (39, 44)}),
("At noon, on the dot, but 6 days from now.", {T: (3, 7), D: (25, 40)}),
("Please book me for 6:00 PM in 10 days.", {T: (19, 26), D: (27, 37)}),
("For Tuesday, August 7th, 2018 please.", {D: (4, 29)}), ("I would like to book for August 7th, 2018.", {D: (25, 41)}),
("Can I have a booking in 17 days?", {D: (21, 31)}), ("I have a party of 13 in 12 days", {D: (21, 31), P: (18, 20)}),
]
schema = {"title": "Table booking", "type": "object", "properties": {
    F: {"type": ["string", "null"], "description": "the customer's first name"},
    L: {"type": ["string", "null"], "description": "the customer's last name"},
    D: {"type": ["string", "null"], "description": "the date of the booking"},
    T: {"type": ["string", "null"], "description": "the time of the booking"},
    P: {"type": ["integer", "null"], "description": "the number of people"}}}
items = []
for text, labels in W1 + W2:
    exp = {k: None for k in schema["properties"]}
    for slot, (a, b) in labels.items():
        v = text[a:b]
        v = v[:-1] if v.endswith(".") and b == len(text) else v  # the sentence's full stop, not the value
        exp[slot] = int(v) if slot == P else v
    items.append({"text": text, "expected": exp})
out = {"name": "restaurants-heldout", "task": "extract",
       "source": "Restaurants-8k test split (Coope et al. 2020, PolyAI-LDN/task-specific-datasets, CC BY 4.0): "
                 "every utterance inside two fixed windows of span_extraction/restaurant8k/test.json (characters "
                 "500,000-516,000 and 900,000-916,000), texts and labelled spans unchanged except a sentence-final "
                 "full stop trimmed from 7 time labels; people parsed as an integer. Held out: measured once.",
       "schema": schema, "items": items}
TARGET = Path(__file__).resolve().parent.parent / "resources" / "eval" / "restaurants-heldout.json"
TARGET.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
print(len(items), sum(any(v is not None for v in i["expected"].values()) for i in items))
