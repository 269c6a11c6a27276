"""The words the sector uses, in our own plain words: the glossary page (/glossary/)
and the links from where the words appear (templatetags/glossary.py).

Each term lists the forms it is found in; the longest forms are tried first, so
"care leavers" links as one term rather than as "care"."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    slug: str
    term: str
    meaning: str
    forms: tuple[str, ...]


TERMS = [
    Term(
        "care-experienced",
        "Care-experienced",
        "Someone who is, or was at any time, in care: living with foster carers, in a "
        "children's home, or with family members arranged by the council.",
        ("care-experienced", "care experienced"),
    ),
    Term(
        "care-leaver",
        "Care leaver",
        "A young person who was in care and has now left it, usually at 18. Councils "
        "must still help care leavers, often until they are 25.",
        ("care leavers", "care leaver"),
    ),
    Term(
        "care-cliff",
        "Care cliff",
        "The sudden drop in help that many young people face when they leave care. "
        "Support that was there one day can stop the next.",
        ("care cliff",),
    ),
    Term(
        "looked-after-child",
        "Looked-after child",
        "A child in the care of the council. Other people, like foster carers, look "
        "after them day to day.",
        ("looked-after children", "looked-after child", "looked after children"),
    ),
    Term(
        "kinship-care",
        "Kinship care",
        "When a child lives with a relative or family friend, like a grandparent, "
        "aunt or older brother or sister, because they cannot live with their parents. "
        "The person caring for them is a kinship carer.",
        ("kinship carers", "kinship carer", "kinship care"),
    ),
    Term(
        "foster-care",
        "Foster care",
        "When a child lives with a family who are not their own, for a short time or "
        "for years. The adults are foster carers. The council pays and supports them.",
        ("foster carers", "foster carer", "foster care"),
    ),
    Term(
        "childrens-home",
        "Children's home",
        "A home where a small group of children in care live, looked after by staff.",
        ("children's homes", "children's home"),
    ),
    Term(
        "corporate-parenting",
        "Corporate parenting",
        "The idea that a council, and other public bodies, should care about a child "
        "in care as a good parent would: not only keep them safe, but help them do "
        "well.",
        ("corporate parenting", "corporate parents", "corporate parent"),
    ),
    Term(
        "staying-close",
        "Staying Close",
        "Help for young people leaving a children's home: a place to live nearby, and "
        "support from people they know, so they are not alone when they move out.",
        ("Staying Close",),
    ),
    Term(
        "staying-put",
        "Staying Put",
        "Lets a young person keep living with their foster carers after they turn 18.",
        ("Staying Put",),
    ),
    Term(
        "family-help",
        "Family Help",
        "The review's name for help that a family gets early, when things start to go "
        "wrong, from people like family support workers, before problems get worse.",
        ("Family Help",),
    ),
    Term(
        "family-network",
        "Family network",
        "A child's wider family and the people close to them. A Family Network Plan is "
        "the review's idea for writing down how they will help a child.",
        ("Family Network Plans", "Family Network Plan", "family networks"),
    ),
    Term(
        "regional-care-cooperatives",
        "Regional Care Cooperatives (RCCs)",
        "Groups of councils in one part of England working together to plan and run "
        "homes for children in care, instead of each council doing it alone.",
        ("Regional Care Cooperatives", "Regional Care Co-operatives", "RCCs"),
    ),
    Term(
        "child-protection",
        "Child protection",
        "What social workers and others do when a child may be at risk of serious "
        "harm, to find out and to keep them safe.",
        ("child protection",),
    ),
    Term(
        "local-authority",
        "Local authority",
        "Your council. In England, councils are in charge of children's social care in "
        "their area.",
        ("local authorities", "local authority"),
    ),
    Term(
        "independent-reviewing-officer",
        "Independent Reviewing Officer (IRO)",
        "A person who checks that the plan for a child in care is right and is being "
        "followed.",
        ("Independent Reviewing Officers", "Independent Reviewing Officer"),
    ),
    Term(
        "stakeholder",
        "Stakeholder",
        "A group or person with an interest in the review: charities, councils, "
        "unions, and people with experience of care.",
        ("stakeholders", "stakeholder"),
    ),
]

# How sure we are, and where our facts come from: in the glossary too.
PORTAL_TERMS = [
    Term(
        "confidence",
        "Confidence: how sure we are",
        "We could not read the final report itself, so for each recommendation we say "
        "how sure we are that the report really asks for it. High: we have seen the "
        "report's own words, quoted somewhere. Medium: a source says the report asks "
        "for it, but does not quote it. Low: we only have clues, so it may be wrong.",
        (),
    ),
    Term(
        "source",
        "Source: where a fact comes from",
        "Every fact on the portal comes from a page or document someone published, "
        "like a news story or a government statement. We show the exact words we "
        "rely on and link to where they come from, so you can check them yourself.",
        (),
    ),
    Term(
        "position",
        "Position",
        "What the government said about a recommendation: for example that it agrees "
        "(accepted) or does not (rejected).",
        (),
    ),
    Term(
        "delivery-status",
        "Delivery status",
        "What has actually happened since: for example, whether work has started, or "
        "a law has been passed.",
        (),
    ),
    Term(
        "promised-date",
        "Promised date",
        "A date by which the government said it would do something, in a source's "
        "own words. Overdue means the date has passed and we have not found a source "
        "that says it was done.",
        (),
    ),
]

TERMS_BY_SLUG = {term.slug: term for term in [*TERMS, *PORTAL_TERMS]}
