"""Candidate duplicate pairs: normalisation, blocking and fuzzy scoring.

Comparing every record with every other is out of reach at a million records, so only
pairs that share a *block* are compared: the same normalised e-mail, the same normalised
phone, the same postcode and first letter of the name, or names within a few places of
each other in alphabetical order (the sorted-neighbourhood method, Hernández and Stolfo
1995, run on the names and on the names spelt backwards so that a typo in the first
letters is caught too).

Each candidate pair is then scored field by field with rapidfuzz, in the spirit of
Fellegi and Sunter (1969): a field that agrees adds its agreement weight to the pair's
match weight, one that disagrees adds its (negative) disagreement weight, a partial
agreement a share of the way between the two, and a field missing from either record
adds nothing. The score is the logistic of the total, a number between 0 and 1. Names
disagreeing weigh heavily, so relatives sharing an address and phone are kept apart;
e-mails and phones disagreeing weigh little, since people own several.

Similarities are rapidfuzz's ``fuzz.ratio`` (1 - Indel distance / total length) of the
normalised values; postcodes are compared exactly. The weights (``FIELD_KINDS``), set by
hand and checked on :func:`crm_analytics.datasets.people.make_customer_records`, are:

========  =====  ========  ================================================
kind      agree  disagree  similarity counted as disagreement (the floor)
========  =====  ========  ================================================
name      +5     -6        0.75 or less (one typo in "john smith": 0.95)
email     +6     -1        below 0.99 (in effect: equal after normalising)
phone     +5     -1        0.85 or less (one wrong digit: about 0.92)
address   +3     -1        0.6 or less
postcode  +1.5   -0.5      any difference
text      +1     -1        0.5 or less
========  =====  ========  ================================================

and the prior weight of a pair is -6, so that a pair needs agreeing evidence: a name
and an e-mail (score 0.99 when nothing else is known), or a name, phone and address, not
one of them alone.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from crm_analytics._checks import require_columns, require_frame
from crm_analytics._progress import progress
from crm_analytics.dedupe.normalise import (
    _arrow,
    normalise_address,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postcode,
)
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CUSTOMER_ID

__all__ = ["FIELD_KINDS", "find_duplicate_customers"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Kind:
    """The weights of one kind of field.

    ``floor`` is the rapidfuzz similarity (0-1) at and below which the field counts as
    disagreeing; similarity 1 counts as agreeing, and in between linearly.
    """

    agree: float
    disagree: float
    floor: float


FIELD_KINDS: dict[str, _Kind] = {
    "name": _Kind(agree=5.0, disagree=-6.0, floor=0.75),
    "email": _Kind(agree=6.0, disagree=-1.0, floor=0.99),
    "phone": _Kind(agree=5.0, disagree=-1.0, floor=0.85),
    "address": _Kind(agree=3.0, disagree=-1.0, floor=0.6),
    "postcode": _Kind(agree=1.5, disagree=-0.5, floor=0.99),
    "text": _Kind(agree=1.0, disagree=-1.0, floor=0.5),
}
# Kinds whose values form blocks of candidate pairs (postcodes only together with a name).
_BLOCKING_KINDS = frozenset({"name", "email", "phone"})
_PAIRS_PER_CHUNK = 2_000_000
# The match weight of a pair about which nothing is known: duplicates are rare.
_PRIOR = -6.0
_NORMALISERS = {
    "name": normalise_name,
    "email": normalise_email,
    "address": normalise_address,
    "postcode": normalise_postcode,
}
_HINTS = (
    ("email", ("email", "e_mail", "mail")),
    ("phone", ("phone", "mobile", "tel")),
    ("postcode", ("postcode", "postal", "zip", "post_code")),
    ("name", ("name",)),
    ("address", ("address", "street")),
)


def find_duplicate_customers(
    customers: pd.DataFrame,
    *,
    on: Sequence[str] | Mapping[str, str],
    min_score: float = 0.5,
    window: int = 5,
    max_block_size: int = 50,
    default_region: str | None = "GB",
) -> pd.DataFrame:
    """Pairs of customer records that probably belong to one person, with score and reasons.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer table with a unique ``customer_id`` and the identifying columns in ``on``.
    on : list of str or dict of str to str
        Columns to compare. A dict maps each column to its kind: "name", "email",
        "phone", "address", "postcode" or "text" (fuzzy-compared free text); in a list
        the kind is read from the column name (``first_name`` → name, ``mobile`` →
        phone, ``zip`` → postcode, ...; other names → text). All name columns are joined
        into one name, word order ignored. At least one field must be a name, an e-mail
        or a phone: records are paired only when they share one of these (or a postcode
        and the first letter of the name), see the module notes. A column that is entirely
        missing is allowed (with a warning) and adds nothing to the scores.
    min_score : float, default 0.5
        Pairs scoring below are not returned.
    window : int, default 5
        Sorted-neighbourhood window: each record is compared with the next
        ``window - 1`` records in name order (and in reversed-name order).
    max_block_size : int, default 50
        E-mails, phones or postcode blocks shared by more records than this are not used
        to form pairs (a warning names them): they are placeholders such as
        "noemail@shop.com" or a shop's own phone, not evidence.
    default_region : str or None, default "GB"
        Country of phone numbers written without a country code: an ISO 3166 code that
        phonenumbers knows (``phonenumbers.SUPPORTED_REGIONS``, e.g. "GB", "US"); None
        when every number carries its country code.

    Returns
    -------
    pandas.DataFrame
        One row per candidate pair, best first, with columns ``customer_id_1`` and
        ``customer_id_2`` (in the order of the table), ``score`` (0-1, the logistic of
        ``match_weight``), ``match_weight`` (prior plus the field weights, see the module notes),
        ``similarity_<field>`` for each compared field ("name" for
        the joined name columns; NaN where either record lacks it), and ``reasons``
        (the fields that count for the match, e.g. "name 0.93, email, phone").

    Raises
    ------
    DataValidationError
        Missing columns, duplicated or missing ``customer_id``, an unknown kind, no
        field of kind name, email or phone in ``on``, an unknown ``default_region``, or
        arguments out of range.

    Examples
    --------
    >>> customers = pd.DataFrame({
    ...     "customer_id": [1, 2, 3, 4],
    ...     "name": ["José Smith", "SMITH, Jose", "Mary Smith", "Ann Lee"],
    ...     "email": ["j.smith+shop@gmail.com", "jsmith@gmail.com", "mary@x.org", None],
    ...     "phone": ["020 7946 0018", "+44 20 7946 0018", "020 7946 0018", "0161 496 0000"],
    ... })
    >>> pairs = find_duplicate_customers(customers, on=["name", "email", "phone"])
    >>> pairs[["customer_id_1", "customer_id_2", "score", "reasons"]]
       customer_id_1  customer_id_2     score                  reasons
    0              1              2  0.999955  name 1.00, email, phone
    """
    frame = require_frame(customers, name="customers")
    kinds = _kinds(frame, on)
    _check_arguments(min_score=min_score, window=window, max_block_size=max_block_size)
    ids = _unique_ids(frame)
    fields = _normalised_fields(frame, kinds, default_region=default_region)
    left, right = _candidate_pairs(fields, window=window, max_block_size=max_block_size)
    logger.info("%d records, %d candidate pairs", len(frame), len(left))
    present = {field: pd.notna(values) for field, (_, values) in fields.items()}
    # Scored in chunks so that memory stays bounded however many candidates there are.
    scored = pd.concat(
        [
            _scored(fields, present, left[start:stop], right[start:stop], min_score=min_score)
            for start, stop in progress(
                _chunks(len(left), _PAIRS_PER_CHUNK), desc="scoring candidate pairs"
            )
        ],
        ignore_index=True,
    )
    kept_left, kept_right = scored.pop("left").to_numpy(), scored.pop("right").to_numpy()
    weight = scored["match_weight"].to_numpy()
    pairs = pd.concat(
        [
            pd.DataFrame(
                {
                    f"{CUSTOMER_ID}_1": ids[kept_left],
                    f"{CUSTOMER_ID}_2": ids[kept_right],
                    "score": 1 / (1 + np.exp(-weight)),
                }
            ),
            scored,
        ],
        axis=1,
    )
    pairs["reasons"] = _reasons(pairs, fields)
    order = np.lexsort((kept_right, kept_left, -weight))
    return pairs.iloc[order].reset_index(drop=True)


def _kinds(frame: pd.DataFrame, on: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(on, str) or not len(on):
        raise DataValidationError(
            f"on={on!r}: pass a list of the columns to compare, e.g. on=['name', 'email', "
            "'phone'], or a dict of column to kind"
        )
    kinds = dict(on) if isinstance(on, Mapping) else {column: _guess(column) for column in on}
    require_columns(
        frame,
        [CUSTOMER_ID, *kinds],
        name="customers",
        fix="load the table with crm_analytics.io.read_customers or name the columns in on",
    )
    unknown = {column: kind for column, kind in kinds.items() if kind not in FIELD_KINDS}
    if unknown:
        raise DataValidationError(
            f"on: unknown kind(s) {unknown}; use one of {', '.join(FIELD_KINDS)}"
        )
    if not set(kinds.values()) & _BLOCKING_KINDS:
        # Without a block every record would be compared with every other, which is out
        # of reach beyond a few thousand records.
        raise DataValidationError(
            f"on={kinds}: none of these fields can pair records, so the {len(frame)} "
            "records cannot be compared; pairs are formed among records sharing a name, "
            "an e-mail or a phone (kinds 'name', 'email', 'phone'), or a postcode together "
            "with a name; add such a column to on, e.g. on=[..., 'last_name'] or "
            "on={..., 'contact': 'email'}"
        )
    return kinds


def _guess(column: str) -> str:
    lowered = column.lower()
    for kind, hints in _HINTS:
        if any(hint in lowered for hint in hints):
            return kind
    return "text"


def _check_arguments(*, min_score: float, window: int, max_block_size: int) -> None:
    if not isinstance(min_score, Real) or isinstance(min_score, bool) or not 0 <= min_score <= 1:
        raise DataValidationError(f"min_score={min_score!r} must be between 0 and 1")
    for name, value, least in (("window", window, 2), ("max_block_size", max_block_size, 2)):
        if not isinstance(value, (int, np.integer)) or value < least:
            raise DataValidationError(f"{name}={value!r}: pass an integer >= {least}")


def _unique_ids(frame: pd.DataFrame) -> np.ndarray:
    ids = frame[CUSTOMER_ID]
    missing = ids.isna()
    if missing.any():
        raise DataValidationError(
            f"customers: column 'customer_id' has {int(missing.sum())} missing value(s) "
            f"(rows {', '.join(map(str, frame.index[missing][:3]))}, ...); give every "
            "record an id before looking for duplicates"
        )
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        examples = ", ".join(map(repr, ids[repeated].unique()[:3].tolist()))
        raise DataValidationError(
            f"customers: column 'customer_id' has {int(repeated.sum())} rows with a "
            f"repeated id (e.g. {examples}); one row per customer id is needed, so "
            "aggregate or drop the repeated rows first"
        )
    return ids.to_numpy()


def _normalised_fields(
    frame: pd.DataFrame, kinds: dict[str, str], *, default_region: str | None
) -> dict[str, tuple[str, np.ndarray]]:
    """Field name → (kind, normalised values as an object array, None where missing)."""
    fields: dict[str, tuple[str, np.ndarray]] = {}
    names = [column for column, kind in kinds.items() if kind == "name"]
    if names:
        parts = [pc.fill_null(_arrow(frame[column]), "") for column in names]
        joined = pd.Series(
            pc.binary_join_element_wise(*parts, " ").to_numpy(zero_copy_only=False),
            index=frame.index,
            dtype=object,
        )
        fields["name"] = ("name", normalise_name(joined).to_numpy())
    for column, kind in kinds.items():
        if kind == "name":
            continue
        if kind == "phone":
            values = normalise_phone(frame[column], default_region=default_region)
        elif kind == "text":
            values = frame[column].astype("string").str.strip().str.lower()
            values = values.astype(object).where(values.notna() & (values != ""), None)
        else:
            values = _NORMALISERS[kind](frame[column])
        fields[column] = (kind, values.to_numpy())
    for field, (_, values) in fields.items():
        if not pd.notna(values).any():
            described = f"name columns {', '.join(names)}" if field == "name" else field
            warnings.warn(
                f"{described}: all {len(frame)} values are missing (or blank), so the field "
                "adds nothing to the scores; check that on names the intended columns",
                stacklevel=3,
            )
    return fields


def _candidate_pairs(
    fields: dict[str, tuple[str, np.ndarray]], *, window: int, max_block_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Record positions (left < right) of the distinct pairs sharing a block."""
    n = len(next(iter(fields.values()))[1])
    found = []
    for field, (kind, values) in fields.items():
        if kind in ("email", "phone"):
            found.append(_block_pairs(_codes(values), max_block_size, label=field))
    if "name" in fields:
        name = fields["name"][1]
        for key in (name, np.array([None if text is None else text[::-1] for text in name])):
            found.append(_neighbourhood_pairs(_codes(key, sort=True), window))
        initials = np.array([None if text is None else text[:1] for text in name], dtype=object)
        for field, (kind, values) in fields.items():
            if kind == "postcode":
                key = np.array(
                    [
                        None if code is None or initial is None else f"{code} {initial}"
                        for code, initial in zip(values, initials, strict=True)
                    ],
                    dtype=object,
                )
                found.append(_block_pairs(_codes(key), max_block_size, label=field))
    left = np.concatenate([pair[0] for pair in found])
    right = np.concatenate([pair[1] for pair in found])
    keys = np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right)
    keys.sort()
    unique = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return unique // n, unique % n


def _codes(values: np.ndarray, *, sort: bool = False) -> np.ndarray:
    """Integer codes of the values, -1 where missing (sorted by value when ``sort``)."""
    return pd.factorize(pd.Series(values, dtype=object), sort=sort)[0]


def _block_pairs(codes: np.ndarray, max_block_size: int, *, label: str):
    """All pairs of records with the same code, blocks larger than the limit skipped."""
    coded = codes >= 0
    counts = np.bincount(codes[coded])
    too_big = np.flatnonzero(counts > max_block_size)
    if len(too_big):
        warnings.warn(
            f"{label}: {len(too_big)} value(s) shared by more than max_block_size="
            f"{max_block_size} records (largest: {counts.max()} records) were not used to "
            "pair records; they look like placeholders (raise max_block_size if they are not)",
            stacklevel=3,
        )
    usable = coded.copy()
    usable[coded] = counts[codes[coded]] <= max_block_size
    members = np.flatnonzero(usable)
    members = members[np.argsort(codes[members], kind="stable")]
    sorted_codes = codes[members]
    largest = counts[counts <= max_block_size].max(initial=1)
    left, right = [], []
    for offset in range(1, largest):
        same = sorted_codes[:-offset] == sorted_codes[offset:]
        left.append(members[:-offset][same])
        right.append(members[offset:][same])
    return _joined(left), _joined(right)


def _neighbourhood_pairs(codes: np.ndarray, window: int):
    """Pairs of records within ``window`` places of each other in the order of ``codes``."""
    members = np.flatnonzero(codes >= 0)
    members = members[np.argsort(codes[members], kind="stable")]
    left = [members[:-offset] for offset in range(1, min(window, len(members)))]
    right = [members[offset:] for offset in range(1, min(window, len(members)))]
    return _joined(left), _joined(right)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _chunks(total: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) bounds covering ``range(total)``; one empty chunk when total is 0."""
    starts = range(0, max(total, 1), size)
    return [(start, min(start + size, total)) for start in starts]


def _scored(
    fields: dict[str, tuple[str, np.ndarray]],
    present: dict[str, np.ndarray],
    left: np.ndarray,
    right: np.ndarray,
    *,
    min_score: float,
) -> pd.DataFrame:
    """The pairs scoring at least ``min_score``: positions, match weight, similarities."""
    weight = np.full(len(left), _PRIOR)
    similarities = {}
    for field, (kind, values) in fields.items():
        both = present[field][left] & present[field][right]
        first, second = values[left[both]], values[right[both]]
        similarity = np.full(len(left), np.nan)
        if kind == "postcode":
            similarity[both] = first == second
        elif both.any():
            similarity[both] = cpdist(first, second, scorer=fuzz.ratio, workers=-1) / 100
        spec = FIELD_KINDS[kind]
        agreement = np.clip((similarity - spec.floor) / (1 - spec.floor), 0, 1)
        weight += np.nan_to_num(spec.disagree + agreement * (spec.agree - spec.disagree))
        similarities[f"similarity_{field}"] = similarity
    keep = 1 / (1 + np.exp(-weight)) >= min_score
    return pd.DataFrame(
        {
            "left": left[keep],
            "right": right[keep],
            "match_weight": weight[keep],
            **{column: values[keep] for column, values in similarities.items()},
        }
    )


def _reasons(pairs: pd.DataFrame, fields: dict[str, tuple[str, np.ndarray]]) -> np.ndarray:
    """Comma-separated fields that count for the match (a positive weight), with the
    similarity when it is not exact (always for the name)."""
    reasons = np.full(len(pairs), "", dtype=object)
    for field, (kind, _) in fields.items():
        similarity = pairs[f"similarity_{field}"].to_numpy()
        spec = FIELD_KINDS[kind]
        # The similarity above which the field's weight turns positive.
        positive_from = spec.floor + (1 - spec.floor) * -spec.disagree / (
            spec.agree - spec.disagree
        )
        counts = similarity > positive_from
        shown = np.char.add(f"{field} ", np.char.mod("%.2f", np.nan_to_num(similarity)))
        if field != "name":
            shown = np.where(similarity == 1, field, shown)
        separator = np.where(reasons == "", "", ", ")
        reasons = np.where(counts, reasons + separator + shown.astype(object), reasons)
    return reasons
