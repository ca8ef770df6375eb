"""Simulated customer records (names, e-mails, phones, addresses) with planted duplicates.

Each person gets one record, and some people get one or two more, written the way a second
sign-up or an import from another system writes them: other case, accents dropped, a typo,
a Gmail alias, another phone format, "Street" as "St", a new e-mail or a move. Households
(relatives sharing an address and sometimes a phone, with other first names) make the hard
non-duplicates. The ``person_id`` column is the truth, for measuring precision and recall.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from crm_analytics.schema import CUSTOMER_ID, SIGNUP_DATE

__all__ = ["make_customer_records"]

# fmt: off
_FIRST_NAMES = [
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Paul", "Steven", "Andrew", "Joshua",
    "Kevin", "Brian", "George", "Edward", "Ronald", "Timothy", "Jason", "Jeffrey", "Ryan", "Jacob",
    "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
    "Benjamin", "Samuel", "Gregory", "Frank", "Alexander", "Patrick", "Raymond", "Jack", "Dennis",
    "Jerry", "Tyler", "Aaron", "José", "Adam", "Henry", "Nathan", "Douglas", "Zachary", "Peter",
    "Kyle", "Walter", "Ethan", "Jeremy", "Harold", "Keith", "Christian", "Roger", "Noah", "Gerald",
    "Carl", "Terry", "Sean", "Austin", "Arthur", "Lawrence", "Jesse", "Dylan", "Bryan", "Joe",
    "Jordan", "Billy", "Bruce", "Albert", "Willie", "Gabriel", "Logan", "Alan", "Juan", "Wayne",
    "Roy", "Ralph", "Randy", "Eugene", "Vincent", "Russell", "Elijah", "Louis", "Bobby", "Philip",
    "Johnny", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Nancy", "Lisa", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly",
    "Emily", "Donna", "Michelle", "Dorothy", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie",
    "Rebecca", "Sharon", "Laura", "Cynthia", "Kathleen", "Amy", "Shirley", "Angela", "Helen",
    "Anna", "Brenda", "Pamela", "Nicole", "Emma", "Samantha", "Katherine", "Christine", "Debra",
    "Rachel", "Catherine", "Carolyn", "Janet", "Ruth", "Maria", "Heather", "Diane", "Virginia",
    "Julie", "Joyce", "Victoria", "Olivia", "Kelly", "Christina", "Lauren", "Joan", "Evelyn",
    "Judith", "Megan", "Cheryl", "Andrea", "Hannah", "Martha", "Jacqueline", "Frances", "Gloria",
    "Ann", "Teresa", "Kathryn", "Sara", "Janice", "Jean", "Alice", "Madison", "Doris", "Abigail",
    "Julia", "Judy", "Grace", "Denise", "Amber", "Marilyn", "Beverly", "Danielle", "Theresa",
    "Sophia", "Marie", "Diana", "Brittany", "Natalie", "Isabella", "Charlotte", "Rose", "Alexis",
    "Kayla", "Zoë", "Chloé", "François", "Björn", "Renée", "Søren", "Noémie", "Inès", "Zoltán",
    "Maëlle", "Jürgen", "Małgorzata"
]
_SURNAME_STARTS = [
    "Ash", "Bar", "Black", "Brad", "Brook", "Cal", "Carl", "Clay", "Cole", "Cross", "Dal", "Dun",
    "Ed", "Fair", "Fen", "Fitz", "Gar", "Glen", "Grey", "Hal", "Har", "Hart", "Hay", "Hol", "Kel",
    "Ken", "Lang", "Lin", "Mar", "Mc", "Mil", "Mor", "Nor", "Old", "Pem", "Ram", "Red", "Ros",
    "Row", "Sal", "Sand", "Shel", "Stan", "Stock", "Sut", "Thorn", "Tre", "Wal", "War", "Wes",
    "Whit", "Win", "Wood", "Yar"
]
_SURNAME_ENDS = [
    "bury", "by", "croft", "dale", "den", "don", "field", "ford", "gate", "ham", "hill", "hurst",
    "ing", "land", "ley", "low", "man", "more", "ner", "ridge", "shaw", "son", "stead", "ston",
    "ton", "well", "wick", "win", "worth", "wood"
]
_COMMON_SURNAMES = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin",
    "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
    "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey",
    "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Müller", "Núñez", "García", "O'Brien",
    "Łukasz", "Öberg", "Dubois", "Lefèvre", "Kowalski"
]
_STREETS = [
    "High", "Church", "Station", "Victoria", "Green", "Manor", "Park", "Queen", "King", "Mill",
    "School", "New", "Grange", "Kings", "Albert", "London", "Springfield", "Chester", "York",
    "Windsor", "Highfield", "Orchard", "Meadow", "Beech", "Oak", "Elm", "Cedar", "Willow", "Maple",
    "Ash", "Chestnut", "Hawthorn", "Birch", "Alexandra", "Stanley", "Richmond", "Warwick",
    "Cambridge", "Oxford", "Clarence", "Brunswick", "Nelson", "Wellington", "Trafalgar",
    "Cromwell", "Wolseley"
]
# fmt: on
_STREET_TYPES = ["Street", "Road", "Lane", "Avenue", "Drive", "Close", "Crescent", "Place"]
_SHORT_TYPES = {"Street": "St", "Road": "Rd", "Lane": "Ln", "Avenue": "Ave", "Drive": "Dr",
                "Crescent": "Cres", "Place": "Pl"}  # fmt: skip
_DOMAINS = (
    ["gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.co.uk", "icloud.com", "btinternet.com"],
    [0.4, 0.2, 0.12, 0.12, 0.1, 0.06],
)
_LETTERS = np.array(list("ABCDEFGHJKLMNOPRSTUWXYZ"))
# Chance that a duplicate record has each kind of difference from the person's first record.
_CHANGES = {
    "case": 0.3,
    "accents": 0.5,
    "typo": 0.25,
    "swap_names": 0.05,
    "email_alias": 0.3,
    "new_email": 0.12,
    "no_email": 0.08,
    "phone_format": 0.6,
    "no_phone": 0.12,
    "short_street": 0.3,
    "moved": 0.08,
    "postcode_format": 0.3,
}


def make_customer_records(
    n_people: int,
    *,
    seed: int,
    duplicate_share: float = 0.1,
    household_share: float = 0.05,
    start: str = "2018-01-01",
    n_days: int = 2190,
) -> pd.DataFrame:
    """Simulate a customer table in which some people have two or three records.

    Parameters
    ----------
    n_people : int
        Number of distinct people.
    seed : int
        Seed of the random generator; the same seed gives the same table.
    duplicate_share : float, default 0.1
        Share of people with extra records (one extra for 80% of them, two for 20%).
    household_share : float, default 0.05
        Share of people living with another person of the table: same surname, address,
        postcode and, half of the time, phone, but their own first name and e-mail.
    start : str, default "2018-01-01"
        First signup date.
    n_days : int, default 2190
        Days over which signups are spread; duplicates sign up after the first record.

    Returns
    -------
    pandas.DataFrame
        One row per record, in random order, with columns ``customer_id`` ("C0000001",
        ...), ``first_name``, ``last_name``, ``email``, ``phone`` (UK numbers in various
        formats), ``address``, ``postcode``, ``signup_date`` and ``person_id`` (the true
        person: records with equal ``person_id`` are duplicates). Some details are
        missing (None), as in real tables.

    Examples
    --------
    >>> records = make_customer_records(1_000, seed=1)
    >>> len(records), records["person_id"].nunique()
    (1122, 1000)
    >>> records.columns.tolist()
    ['customer_id', 'first_name', 'last_name', 'email', 'phone', 'address', 'postcode', 'signup_date', 'person_id']
    """
    rng = np.random.default_rng(seed)
    people = _people(n_people, rng, household_share=household_share, start=start, n_days=n_days)
    extra = np.zeros(n_people, dtype=np.int64)
    chosen = rng.random(n_people) < duplicate_share
    extra[chosen] = np.where(rng.random(chosen.sum()) < 0.8, 1, 2)
    copies = people.iloc[np.repeat(np.arange(n_people), extra)].reset_index(drop=True)
    copies = _perturb(copies, rng, n_days=n_days)
    records = pd.concat([people, copies], ignore_index=True)
    records = records.iloc[rng.permutation(len(records))].reset_index(drop=True)
    records.insert(0, CUSTOMER_ID, [f"C{number:07d}" for number in range(1, len(records) + 1)])
    return records


def _people(
    n: int, rng: np.random.Generator, *, household_share: float, start: str, n_days: int
) -> pd.DataFrame:
    """One clean record per person."""
    first = rng.choice(_FIRST_NAMES, n)
    invented = np.char.add(rng.choice(_SURNAME_STARTS, n), rng.choice(_SURNAME_ENDS, n))
    common = rng.choice(_COMMON_SURNAMES, n)
    last = np.where(rng.random(n) < 0.3, common, invented).astype(object)
    street = np.char.add(np.char.add(rng.choice(_STREETS, n), " "), rng.choice(_STREET_TYPES, n))
    address = np.char.add(np.char.add(rng.integers(1, 300, n).astype(str), " "), street)
    postcode = _postcodes(n, rng)
    phone = np.char.add("07", rng.integers(100_000_000, 999_999_999, n).astype(str))
    # A share of the people join the household of another one.
    joins = np.flatnonzero(rng.random(n) < household_share)
    host = rng.integers(0, n, len(joins))
    last[joins], address[joins], postcode[joins] = last[host], address[host], postcode[host]
    shares_phone = rng.random(len(joins)) < 0.5
    phone[joins[shares_phone]] = phone[host[shares_phone]]
    email = _emails(first, last, rng)
    signup = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, n_days // 2, n), unit="D")
    return pd.DataFrame(
        {
            "first_name": first.astype(object),
            "last_name": last,
            "email": email,
            "phone": _phone_formats(phone, rng),
            "address": address.astype(object),
            "postcode": postcode.astype(object),
            SIGNUP_DATE: signup,
            "person_id": np.arange(n),
        }
    )


def _perturb(records: pd.DataFrame, rng: np.random.Generator, *, n_days: int) -> pd.DataFrame:
    """The records rewritten with random differences, see ``_CHANGES``."""
    n = len(records)
    change = {name: rng.random(n) < share for name, share in _CHANGES.items()}
    first = records["first_name"].to_numpy(dtype=object).copy()
    last = records["last_name"].to_numpy(dtype=object).copy()
    for names in (first, last):
        names[change["accents"]] = [_strip_accents(name) for name in names[change["accents"]]]
    typo_in_first = rng.random(n) < 0.5
    for names, where in ((first, typo_in_first), (last, ~typo_in_first)):
        rows = np.flatnonzero(change["typo"] & where)
        names[rows] = [_typo(name, rng) for name in names[rows]]
    cased = np.flatnonzero(change["case"])
    style = rng.integers(0, 2, len(cased))
    for names in (first, last):
        names[cased] = [name.upper() if up else name.lower() for name, up in
                        zip(names[cased], style, strict=True)]  # fmt: skip
    swap = change["swap_names"]
    first[swap], last[swap] = last[swap], first[swap]

    email = records["email"].to_numpy(dtype=object).copy()
    alias = np.flatnonzero(change["email_alias"])
    email[alias] = [_email_alias(address, rng) for address in email[alias]]
    new = change["new_email"]
    email[new] = _emails(first[new], last[new], rng)
    email[change["no_email"]] = None

    phone = records["phone"].to_numpy(dtype=object).copy()
    digits = np.array([_national(number) for number in phone], dtype=object)
    reformat = change["phone_format"]
    phone[reformat] = _phone_formats(digits[reformat], rng)
    phone[change["no_phone"]] = None

    address = records["address"].to_numpy(dtype=object).copy()
    postcode = records["postcode"].to_numpy(dtype=object).copy()
    short = np.flatnonzero(change["short_street"])
    address[short] = [_short_street(text) for text in address[short]]
    moved = change["moved"]
    address[moved] = [
        f"{number} {street} {kind}"
        for number, street, kind in zip(
            rng.integers(1, 300, moved.sum()),
            rng.choice(_STREETS, moved.sum()),
            rng.choice(_STREET_TYPES, moved.sum()),
            strict=True,
        )
    ]
    postcode[moved] = _postcodes(moved.sum(), rng)
    spaced = change["postcode_format"]
    postcode[spaced] = [code.replace(" ", "").lower() for code in postcode[spaced]]

    later = pd.to_timedelta(rng.integers(1, n_days // 2, n), unit="D")
    return records.assign(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        address=address,
        postcode=postcode,
        signup_date=records[SIGNUP_DATE] + later,
    )


def _postcodes(n: int, rng: np.random.Generator) -> np.ndarray:
    area = np.char.add(rng.choice(_LETTERS, n), rng.choice(_LETTERS, n))
    district = rng.integers(1, 30, n).astype(str)
    sector = rng.integers(0, 10, n).astype(str)
    unit = np.char.add(rng.choice(_LETTERS, n), rng.choice(_LETTERS, n))
    return np.char.add(np.char.add(np.char.add(area, district), " "), np.char.add(sector, unit))


def _emails(first: np.ndarray, last: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Addresses such as j.smith84@gmail.com, built from plain forms of the names."""
    n = len(first)
    first_plain = [_strip_accents(name).lower().replace("'", "") for name in first]
    last_plain = [_strip_accents(name).lower().replace("'", "") for name in last]
    style = rng.integers(0, 3, n)
    number = rng.integers(1, 10_000, n)
    with_number = rng.random(n) < 0.85
    domain = rng.choice(_DOMAINS[0], n, p=_DOMAINS[1])
    users = [
        (f"{f}.{s}" if kind == 0 else f"{f[0]}{s}" if kind == 1 else f"{s}{f}")
        + (str(k) if numbered else "")
        for f, s, kind, k, numbered in zip(
            first_plain, last_plain, style, number, with_number, strict=True
        )
    ]
    emails = np.array([f"{user}@{site}" for user, site in zip(users, domain, strict=True)], object)
    # One address belongs to one person: numbers are added until no two people share one
    # (dots ignored, as Gmail ignores them).
    while (taken := _shared(emails)).any():
        suffix = rng.integers(10_000, 1_000_000, taken.sum())
        emails[taken] = [
            address.replace("@", f"{number}@") for address, number in
            zip(emails[taken], suffix, strict=True)
        ]  # fmt: skip
    return emails


def _shared(emails: np.ndarray) -> np.ndarray:
    """Whether each address repeats an earlier one, dots in the user name ignored."""
    keys = pd.Series(emails).str.replace(".", "", regex=False)
    return keys.duplicated().to_numpy()


def _phone_formats(national: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """National numbers such as 07911123456 written in one of five common ways."""
    style = rng.integers(0, 5, len(national))
    return np.array(
        [
            number if kind == 0
            else f"{number[:5]} {number[5:]}" if kind == 1
            else f"+44 {number[1:5]} {number[5:]}" if kind == 2
            else f"+44{number[1:]}" if kind == 3
            else f"({number[:5]}) {number[5:8]} {number[8:]}"
            for number, kind in zip(national, style, strict=True)
        ],
        dtype=object,
    )  # fmt: skip


def _national(phone: str) -> str:
    digits = "".join(character for character in phone if character.isdigit())
    return "0" + digits[2:] if digits.startswith("44") else digits


def _email_alias(address: str, rng: np.random.Generator) -> str:
    user, domain = address.split("@")
    kind = rng.integers(0, 3)
    if kind == 0:
        return f"{user}+shop@{domain}"
    if kind == 1:
        return address.upper()
    if domain == "gmail.com" and len(user) > 2:
        cut = int(rng.integers(1, len(user) - 1))
        return f"{user[:cut]}.{user[cut:]}@googlemail.com"
    return f" {address} "


def _typo(name: str, rng: np.random.Generator) -> str:
    """One keyboard slip: two letters swapped, one dropped or one doubled."""
    if len(name) < 4:
        return name + name[-1]
    position = int(rng.integers(1, len(name) - 2))
    kind = rng.integers(0, 3)
    if kind == 0:
        return name[:position] + name[position + 1] + name[position] + name[position + 2 :]
    if kind == 1:
        return name[:position] + name[position + 1 :]
    return name[:position] + name[position] + name[position:]


def _short_street(address: str) -> str:
    words = address.split(" ")
    words[-1] = _SHORT_TYPES.get(words[-1], words[-1])
    return " ".join(words)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(character for character in decomposed if not unicodedata.combining(character))
