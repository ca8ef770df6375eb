"""The report's sections: numbers from the scored table, figures, tables, and plain sentences.

Each ``_section`` function returns a :class:`Section` or None when its input is absent. A
section's sentences are made from its ``facts`` (the numbers, unrounded), so that a test can
check every sentence against numbers it computes itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_analytics._secrets import mask_credentials
from crm_analytics.report import figures
from crm_analytics.report.inputs import ReportInputs, quality_dict
from crm_analytics.report.numbers import amount, count, percent
from crm_analytics.report.style import colours
from crm_analytics.runs.views import at_risk_customers, reason_columns, top_customers
from crm_analytics.schema import CUSTOMER_ID
from crm_analytics.scoring.tables import segment_summary
from crm_analytics.segmentation.lifecycle import LIFECYCLE_STAGES
from crm_analytics.segmentation.rfm import DEFAULT_SEGMENT_MAP
from crm_analytics.segmentation.tiers import concentration

__all__ = ["Column", "Section", "Table", "sections"]

#: What to do with each segment of the default RFM map (after Putler's RFM segment guide).
SEGMENT_ACTIONS = {
    "Champions": "Reward them; ask for reviews and referrals; offer new products first.",
    "Loyal": "Upsell higher-value products; invite them to a loyalty programme.",
    "Potential loyalist": "Offer membership or loyalty benefits; recommend related products.",
    "New": "Welcome them well: onboarding, early support, a reason to come back.",
    "Promising": "Build awareness of the range; a first-repeat offer.",
    "Need attention": "Time-limited offers based on what they bought before.",
    "About to sleep": "Reconnect with useful content and popular products before they lapse.",
    "At risk": "Personal e-mails and offers to win them back; ask what went wrong.",
    "Can't lose them": "Win them back now: call them, make a strong personal offer.",
    "Hibernating": "Low-cost reactivation with other relevant products or a discount.",
    "Lost": "A last reactivation campaign at most; do not spend much on them.",
}
ACTIVE_STAGES = ("new", "active", "reactivated")
_KNOWN_ORDER = {
    "rfm_segment": tuple(DEFAULT_SEGMENT_MAP),
    "lifecycle_stage": LIFECYCLE_STAGES,
    "value_tier": ("high", "medium", "low"),
    "risk_tier": ("low", "medium", "high"),
}
TOP = 0.2
TABLE_ROWS = 25
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Column:
    """A table column: its name in the data, its header, how its values are shown.

    ``kind`` is ``text``, ``long`` (text that may wrap), ``count``, ``money``, ``share`` (a
    fraction shown in %), ``number`` or ``date``; ``colours`` maps text values to chips.
    """

    name: str
    label: str
    kind: str = "text"
    colours: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Table:
    """A table of the report: rows of (shown text, sort key, chip colour) cells."""

    key: str
    caption: str
    columns: list[Column]
    rows: list[list[tuple[str, Any, str | None]]]
    filterable: bool = False

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        columns: Sequence[Column],
        *,
        key: str,
        caption: str,
        filterable: bool = False,
    ) -> Table:
        present = [column for column in columns if column.name in frame.columns]
        cells = [[_cell(value, column) for value in frame[column.name]] for column in present]
        rows = [list(row) for row in zip(*cells, strict=True)] if cells else []
        return cls(key, caption, present, rows, filterable)


@dataclass
class Section:
    """One section of the report.

    Attributes
    ----------
    key : str
        The section's anchor (``segments``).
    title : str
    sentences : list of str
        The plain-language reading of the numbers.
    facts : dict
        The numbers the sentences state, unrounded.
    figures, tables : list
    tiles : list of (label, value) pairs
        Headline numbers shown large.
    """

    key: str
    title: str
    sentences: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    figures: list[figures.Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    tiles: list[tuple[str, str]] = field(default_factory=list)


def sections(scored: pd.DataFrame, inputs: ReportInputs) -> list[Section]:
    """The sections whose inputs are present, in reading order."""
    makers: list[Callable[[pd.DataFrame, ReportInputs], Section | None]] = [
        _quality,
        _overview,
        _segments,
        _value,
        _lifecycle,
        _clv,
        _churn,
        _cohorts,
        _model_health,
    ]
    return [section for make in makers if (section := make(scored, inputs)) is not None]


# --- formatting --------------------------------------------------------------------------


def _cell(value: object, column: Column) -> tuple[str, Any, str | None]:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "", None, None
    if column.kind == "count":
        return count(float(value)), float(value), None
    if column.kind == "money":
        return amount(float(value)), float(value), None
    if column.kind == "share":
        return percent(float(value)), float(value), None
    if column.kind == "number":
        return f"{float(value):,.2f}", float(value), None
    if column.kind == "date":
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat(), stamp.isoformat(), None
    text = str(value)
    chip = column.colours.get(text) if column.colours else None
    return text, text.lower(), chip


def _as_of(scored: pd.DataFrame, inputs: ReportInputs) -> str | None:
    if inputs.run.as_of is not None:
        return pd.Timestamp(inputs.run.as_of).date().isoformat()
    if "last_purchase" in scored.columns and scored["last_purchase"].notna().any():
        return pd.Timestamp(scored["last_purchase"].max()).date().isoformat()
    return None


def _listing(parts: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _ordered_counts(column: pd.Series) -> pd.Series:
    """Customers per value, in the column's order (:func:`_labels`), empty ones left out."""
    counts = column.astype(object).map(str).where(column.notna()).value_counts()
    counts = counts.reindex(_labels(column.to_frame(), column.name), fill_value=0)
    return counts[counts > 0]


def _labels(scored: pd.DataFrame, column: str) -> list[str]:
    """The values of a segment, stage or tier column in reading order.

    The categories' order for a categorical column; else the library's own order for its
    known labels (RFM segments best first, lifecycle stages, tiers), then the others sorted.
    """
    if column not in scored.columns:
        return []
    values = scored[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [str(label) for label in values.cat.categories]
    present = {str(label) for label in values.dropna().unique()}
    known = [label for label in _KNOWN_ORDER.get(column, ()) if label in present]
    return known + sorted(present - set(known))


# --- sections ----------------------------------------------------------------------------


def _quality(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    if not inputs.quality:
        return None
    section = Section("quality", "Data quality")
    for number, report in enumerate(map(quality_dict, inputs.quality)):
        table = str(report.get("table", "table"))
        noun = {"transactions": "transaction", "customers": "customer"}.get(table, table)
        source = mask_credentials(str(report.get("source", "")))
        read, kept = int(report["rows_read"]), int(report["rows_kept"])
        dropped = {str(key): int(value) for key, value in report.get("rows_dropped", {}).items()}
        amounts = report.get("amount_dropped", {}) or {}
        section.facts[f"{table}_rows_read"] = read
        section.facts[f"{table}_rows_kept"] = kept
        sentence = f"Of {count(read)} {noun} rows read from {source}, {count(kept)}"
        sentence += f" ({percent(kept / read)}) were kept." if read else " were kept."
        if dropped:
            reason, rows = max(dropped.items(), key=lambda item: item[1])
            section.facts[f"{table}_largest_drop"] = (reason, rows)
            sentence += (
                f" The largest cut was {reason.replace('_', ' ')}: {count(rows)} rows"
                f" ({percent(rows / read)})."
            )
        section.sentences.append(sentence)
        section.sentences.extend(str(warning) for warning in report.get("warnings", []))
        lines = [
            ("rows read", read, None),
            *((key.replace("_", " "), value, amounts.get(key)) for key, value in dropped.items()),
            ("rows kept", kept, report.get("amount_kept")),
        ]
        frame = pd.DataFrame(lines, columns=["step", "rows", "amount"])
        frame["share"] = frame["rows"] / read if read else np.nan
        section.tables.append(
            Table.from_frame(
                frame,
                [
                    Column("step", "rows"),
                    Column("rows", "count", "count"),
                    Column("share", "share of rows read", "share"),
                    Column("amount", "amount", "money"),
                ],
                key=f"quality-{number}",
                caption=f"{table.capitalize()}: rows read, dropped by reason, and kept",
            )
        )
    return section


def _overview(scored: pd.DataFrame, inputs: ReportInputs) -> Section:
    section = Section("overview", "The customer base at a glance")
    n = len(scored)
    facts = section.facts
    facts["customers"] = n
    as_of = _as_of(scored, inputs)
    when = f" up to {as_of}" if as_of else ""
    section.tiles.append(("customers", count(n)))
    sentences = [f"{count(n)} customers bought{when}."]
    if "lifecycle_stage" in scored.columns:
        active = int(scored["lifecycle_stage"].isin(ACTIVE_STAGES).sum())
        facts["active"], facts["active_share"] = active, active / n
        section.tiles.append(("active", count(active)))
        sentences.append(
            f"{count(active)} of them ({percent(active / n)}) are active (new, active or "
            "reactivated)."
        )
    if "total_amount" in scored.columns:
        revenue = float(scored["total_amount"].sum())
        facts["revenue"] = revenue
        section.tiles.append(("revenue to date", amount(revenue)))
        sentence = f"Together they have spent {amount(revenue)}"
        if "predicted_clv" in scored.columns:
            clv = float(scored["predicted_clv"].sum())
            facts["predicted_clv"] = clv
            section.tiles.append(("predicted CLV", amount(clv)))
            months = inputs.run.clv_months
            horizon = f" over the next {months} months" if months else ""
            sentence += f"; the models expect {amount(clv)} more{horizon}"
        sentences.append(sentence + ".")
    if "churn_probability" in scored.columns:
        churners = float(scored["churn_probability"].sum())
        facts["expected_churners"], facts["churn_share"] = churners, churners / n
        section.tiles.append(("expected to lapse", count(churners)))
        days = inputs.run.horizon_days
        horizon = f"in the next {days} days" if days else "within the churn horizon"
        sentences.append(
            f"About {count(churners)} ({percent(churners / n)}) are expected not to buy {horizon}."
        )
    section.sentences = sentences
    return section


def _segments(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    if "rfm_segment" not in scored.columns or "total_amount" not in scored.columns:
        return None
    summary = segment_summary(scored, by="rfm_segment")
    summary = summary[summary["customers"] > 0]
    summary.index = summary.index.map(str)
    summary = summary.reindex(
        [label for label in _labels(scored, "rfm_segment") if label in summary.index]
    )
    palette = colours(summary.index)
    section = Section("segments", "RFM segments")
    facts = section.facts
    best = summary["revenue_share"].idxmax()
    largest = summary["customer_share"].idxmax()
    facts.update(
        best_segment=best,
        best_customer_share=float(summary.loc[best, "customer_share"]),
        best_revenue_share=float(summary.loc[best, "revenue_share"]),
        largest_segment=largest,
        largest_customer_share=float(summary.loc[largest, "customer_share"]),
    )
    conjunction = "but" if facts["best_revenue_share"] > facts["best_customer_share"] else "and"
    sentence = (
        f"{best} are {percent(facts['best_customer_share'])} of customers {conjunction} bring "
        f"{percent(facts['best_revenue_share'])} of revenue to date"
    )
    if "predicted_clv_share" in summary.columns:
        facts["best_clv_share"] = float(summary.loc[best, "predicted_clv_share"])
        sentence += f" and hold {percent(facts['best_clv_share'])} of predicted CLV"
    section.sentences.append(sentence + ".")
    if largest != best:
        section.sentences.append(
            f"The largest segment is {largest}, with {percent(facts['largest_customer_share'])} "
            "of customers."
        )
    slipping = [name for name in ("At risk", "Can't lose them") if name in summary.index]
    if slipping:
        customers = int(summary.loc[slipping, "customers"].sum())
        share = float(summary.loc[slipping, "revenue_share"].sum())
        facts["slipping_customers"], facts["slipping_revenue_share"] = customers, share
        section.sentences.append(
            f"{count(customers)} customers are {_listing(slipping)}: they brought "
            f"{percent(share)} of revenue to date and are the first to win back."
        )
    if {"r_score", "f_score"} <= set(scored.columns):
        grid = pd.crosstab(scored["r_score"], scored["f_score"])
        section.figures.append(figures.rfm_heatmap(grid, key="segments-grid"))
    section.figures.append(figures.segment_shares(summary, palette, key="segments-shares"))
    table = summary.reset_index().rename(columns={"rfm_segment": "segment"})
    table["action"] = table["segment"].map(SEGMENT_ACTIONS)
    section.tables.append(
        Table.from_frame(
            table,
            [
                Column("segment", "segment", colours=palette),
                Column("customers", "customers", "count"),
                Column("customer_share", "% of customers", "share"),
                Column("revenue_share", "% of revenue", "share"),
                Column("predicted_clv_share", "% of predicted CLV", "share"),
                Column("mean_churn_probability", "mean churn risk", "share"),
                Column("action", "what to do", "long"),
            ],
            key="segments-table",
            caption="Segments: size, value, risk and what to do",
        )
    )
    return section


def _half_share(lorenz: pd.DataFrame) -> float:
    """Smallest share of customers, most valuable first, that holds half of the value."""
    customers = 1.0 - lorenz["customer_share"].to_numpy()[::-1]
    value = 1.0 - lorenz["value_share"].to_numpy()[::-1]
    return float(np.interp(0.5, value, customers))


def _value(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    curves = {}
    for column, label in (("total_amount", "revenue to date"), ("predicted_clv", "predicted CLV")):
        if column in scored.columns:
            values = scored[column].dropna()
            if len(values) and (values >= 0).all() and values.sum() > 0:
                curves[label] = concentration(values, top=TOP)
    if not curves:
        return None
    section = Section("value", "Value concentration")
    facts = section.facts
    parts = []
    for label, result in curves.items():
        key = "revenue" if label == "revenue to date" else "clv"
        facts[f"top_share_{key}"] = result.top_share
        facts[f"half_{key}"] = _half_share(result.lorenz)
        verb = "bring" if key == "revenue" else "hold"
        parts.append(f"{verb} {percent(result.top_share)} of {label}")
    section.sentences.append(f"The top {percent(TOP)} of customers {_listing(parts)}.")
    if "half_revenue" in facts:
        section.sentences.append(
            f"Half of all revenue to date comes from the top {percent(facts['half_revenue'])} of "
            "customers."
        )
    section.figures.append(
        figures.pareto_curves(
            {label: result.lorenz for label, result in curves.items()}, top=TOP, key="value-pareto"
        )
    )
    if "value_tier" in scored.columns:
        sums = {"customers": ("value_tier", "size")}
        for column in ("total_amount", "predicted_clv"):
            if column in scored.columns:
                sums[column] = (column, "sum")
        tiers = scored.groupby("value_tier", observed=True).agg(**sums)
        tiers.index = tiers.index.map(str)
        tiers["customer_share"] = tiers["customers"] / len(scored)
        for column in ("total_amount", "predicted_clv"):
            if column in tiers.columns:
                tiers[f"{column}_share"] = tiers[column] / scored[column].sum()
        if "high" in tiers.index and "predicted_clv_share" in tiers.columns:
            facts["high_tier_customers"] = int(tiers.loc["high", "customers"])
            facts["high_tier_clv_share"] = float(tiers.loc["high", "predicted_clv_share"])
            section.sentences.append(
                f"The {count(facts['high_tier_customers'])} high-value customers "
                f"({percent(tiers.loc['high', 'customer_share'])}) hold "
                f"{percent(facts['high_tier_clv_share'])} of predicted CLV."
            )
        section.tables.append(
            Table.from_frame(
                tiers.reset_index(),
                [
                    Column("value_tier", "value tier", colours=colours(tiers.index, kind="value")),
                    Column("customers", "customers", "count"),
                    Column("customer_share", "% of customers", "share"),
                    Column("total_amount_share", "% of revenue", "share"),
                    Column("predicted_clv_share", "% of predicted CLV", "share"),
                ],
                key="value-tiers",
                caption="Value tiers",
            )
        )
    return section


def _lifecycle(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    if "lifecycle_stage" not in scored.columns:
        return None
    counts = _ordered_counts(scored["lifecycle_stage"])
    counts.index = counts.index.map(str)
    palette = colours(counts.index)
    section = Section("lifecycle", "Lifecycle stages")
    n = int(counts.sum())
    section.facts["stages"] = counts.to_dict()
    parts = [f"{count(value)} ({percent(value / n)}) {stage}" for stage, value in counts.items()]
    parts[0] = parts[0].replace(")", ") are", 1)
    section.sentences.append(f"Of {count(n)} customers, {_listing(parts)}.")
    section.figures.append(
        figures.category_bars(
            counts,
            palette,
            key="lifecycle-stages",
            caption="Customers by lifecycle stage.",
            unit="customers",
        )
    )
    previous = inputs.previous
    if previous is not None and "lifecycle_stage" in previous.columns:
        before = previous.set_index(CUSTOMER_ID) if CUSTOMER_ID in previous.columns else previous
        common = scored.index.intersection(before.index)
        now = scored.loc[common, "lifecycle_stage"].astype(str)
        then = before.loc[common, "lifecycle_stage"].astype(str)
        moves = pd.crosstab(then.rename("previous"), now.rename("now"))
        order = [stage for stage in palette if stage in moves.index or stage in moves.columns]
        order += [stage for stage in moves.index.union(moves.columns) if stage not in order]
        moves = moves.reindex(
            index=[s for s in order if s in moves.index],
            columns=[s for s in order if s in moves.columns],
            fill_value=0,
        )
        changed = then != now
        flows = pd.Series(
            list(zip(then[changed], now[changed], strict=True)), dtype=object
        ).value_counts()
        new_ids = scored.index.difference(before.index)
        facts = section.facts
        facts.update(
            common=len(common),
            moved=int(changed.sum()),
            first_seen=len(new_ids),
            flows={f"{a} -> {b}": int(v) for (a, b), v in flows.items()},
        )
        since = (
            f" (as of {pd.Timestamp(inputs.previous_as_of).date().isoformat()})"
            if inputs.previous_as_of is not None
            else ""
        )
        sentence = (
            f"Since the previous run{since}, {count(facts['moved'])} of the "
            f"{count(facts['common'])} customers in both "
            f"({percent(facts['moved'] / max(len(common), 1))}) "
            "changed stage"
        )
        if len(flows):
            largest = [f"{count(value)} from {a} to {b}" for (a, b), value in flows.head(3).items()]
            sentence += f"; the largest moves: {_listing(largest)}"
        section.sentences.append(sentence + ".")
        first = facts["first_seen"]
        section.sentences.append(
            f"{count(first)} customer{'s' if first != 1 else ''} bought for the first time since "
            "then."
            if first
            else "No customer bought for the first time since then."
        )
        section.figures.append(figures.transitions_heatmap(moves, key="lifecycle-moves"))
    return section


def _clv(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    if "predicted_clv" not in scored.columns:
        return None
    values = scored["predicted_clv"].dropna()
    if values.empty or values.sum() <= 0:
        return None
    section = Section("clv", "Customer lifetime value")
    facts = section.facts
    top_n = min(100, len(values))
    facts.update(
        median=float(values.median()),
        mean=float(values.mean()),
        total=float(values.sum()),
        top_n=top_n,
        top_n_share=float(values.nlargest(top_n).sum() / values.sum()),
    )
    section.sentences.append(
        f"Half of the customers have a predicted CLV under {amount(facts['median'])}; the "
        f"average is {amount(facts['mean'])}, pulled up by a few."
    )
    section.sentences.append(
        f"The top {count(top_n)} customers alone hold {percent(facts['top_n_share'])} of the "
        f"{amount(facts['total'])} predicted in all."
    )
    section.figures.append(figures.clv_histogram(values, key="clv-histogram"))
    top = top_customers(scored, n=TABLE_ROWS).reset_index()
    section.tables.append(
        _customer_table(
            top,
            scored,
            key="clv-top",
            caption=f"The {len(top)} customers with the highest predicted CLV",
        )
    )
    return section


def _reason_patterns(frame: pd.DataFrame) -> pd.Series:
    """Customers per reason, numbers replaced by N ("no purchase for N days (typical: N)")."""
    reasons = reason_columns(frame)
    if not reasons:
        return pd.Series(dtype=np.int64)
    long = frame[reasons].stack().dropna().astype(str)
    long = long[long != ""]
    patterns = long.str.replace(_NUMBER, "N", regex=True)
    # A customer counts once per pattern, however many of their reasons share it.
    pairs = pd.DataFrame(
        {"customer": patterns.index.get_level_values(0), "pattern": patterns.to_numpy()}
    )
    return pairs.drop_duplicates()["pattern"].value_counts()


def _churn(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    if not {"churn_probability", "risk_tier"} <= set(scored.columns):
        return None
    section = Section("churn", "Churn risk")
    facts = section.facts
    n = len(scored)
    tiers = _ordered_counts(scored["risk_tier"])
    tiers.index = tiers.index.map(str)
    palette = colours(tiers.index, kind="risk")
    days = inputs.run.horizon_days
    horizon = f"in the next {days} days" if days else "within the churn horizon"
    high = scored[scored["risk_tier"].astype(str) == "high"]
    facts.update(high_customers=len(high), high_share=len(high) / n)
    sentence = (
        f"{count(len(high))} customers ({percent(len(high) / n)}) are at high risk of not "
        f"buying {horizon}"
    )
    if "predicted_clv" in scored.columns:
        facts["high_clv"] = float(high["predicted_clv"].sum())
        sentence += f"; they hold {amount(facts['high_clv'])} of predicted CLV"
    section.sentences.append(sentence + ".")
    patterns = _reason_patterns(high)
    if len(patterns):
        reason, customers = patterns.index[0], int(patterns.iloc[0])
        facts.update(
            top_reason=reason,
            top_reason_customers=customers,
            top_reason_share=customers / len(high),
        )
        section.sentences.append(
            f"The most common reason given for them is \u201c{reason}\u201d ({count(customers)} of "
            f"them, {percent(customers / len(high))})."
        )
    if "predicted_clv" in scored.columns:
        at_stake = (
            (scored["predicted_clv"] * scored["churn_probability"])
            .groupby(scored["risk_tier"].astype(str))
            .sum()
            .reindex(tiers.index)
        )
        section.figures.append(
            figures.paired_bars(
                tiers,
                at_stake,
                palette,
                titles=("customers", "predicted CLV at risk"),
                key="churn-tiers",
                caption="Customers per churn risk tier, and the predicted CLV expected to be lost with them.",
            )
        )
    else:
        section.figures.append(
            figures.category_bars(
                tiers,
                palette,
                key="churn-tiers",
                caption="Customers per churn risk tier.",
                unit="customers",
            )
        )
    if len(patterns):
        shown = patterns.head(8)
        section.figures.append(
            figures.category_bars(
                shown,
                {},
                key="churn-reasons",
                caption="Most common reasons among high-risk customers (N stands for a number).",
                unit="high-risk customers",
            )
        )
    if {"value_tier", "predicted_clv"} <= set(scored.columns):
        at_risk = at_risk_customers(scored, risk_tiers=("high", "medium"))
        facts["valuable_at_risk"] = len(at_risk)
        section.sentences.append(
            f"{count(len(at_risk))} high-value customers are at high or medium risk; the table "
            "lists them by the value expected to be lost, the first to call."
        )
        section.tables.append(
            _customer_table(
                at_risk.head(TABLE_ROWS).reset_index(),
                scored,
                key="churn-at-risk",
                caption="High-value customers at risk, by predicted CLV at risk",
            )
        )
    return section


def _customer_table(frame: pd.DataFrame, scored: pd.DataFrame, *, key: str, caption: str) -> Table:
    """Customers with what an account manager needs: who, segment, value, risk and why."""
    reasons = reason_columns(frame)
    if reasons:
        texts = frame[reasons].astype(object).where(frame[reasons].notna(), "")
        joined = pd.Series(
            ["; ".join(filter(None, row)) for row in texts.itertuples(index=False)],
            index=frame.index,
            dtype=object,
        )
        if joined.astype(bool).any():
            frame = frame.assign(reasons=joined)
    shown = {
        "rfm_segment": Column(
            "rfm_segment", "segment", colours=colours(_labels(scored, "rfm_segment"))
        ),
        "lifecycle_stage": Column(
            "lifecycle_stage", "stage", colours=colours(_labels(scored, "lifecycle_stage"))
        ),
        "predicted_clv": Column("predicted_clv", "predicted CLV", "money"),
        "total_amount": Column("total_amount", "revenue", "money"),
        "n_orders": Column("n_orders", "orders", "count"),
        "days_since_last_purchase": Column(
            "days_since_last_purchase", "days since last order", "count"
        ),
        "churn_probability": Column("churn_probability", "churn risk", "share"),
        "value_at_risk": Column("value_at_risk", "CLV at risk", "money"),
        "reasons": Column("reasons", "why at risk", "long"),
    }
    # Customer attributes stay out (the Excel workbook has them): the page has no room.
    columns = [Column(CUSTOMER_ID, "customer"), *shown.values()]
    return Table.from_frame(frame, columns, key=key, caption=caption, filterable=True)


_PERIOD_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year", "A": "year"}


def _cohorts(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    table = inputs.cohorts
    if table is None or table.empty:
        return None
    freq = getattr(table.index, "freqstr", None) or "M"
    period = _PERIOD_NAMES.get(re.sub(r"[^A-Z]", "", freq.upper())[:1], "period")
    values = table.astype(float)
    rates = bool(np.nanmax(values.to_numpy()) <= 1.0 + 1e-9)
    shown = values.iloc[-36:, :36]
    section = Section("cohorts", "Cohort retention")
    facts = section.facts
    facts["cohorts"] = len(values)
    if rates and values.shape[1] > 1:
        later = values.iloc[:, 1]
        # The median cohort: a cohort of three customers does not sway it.
        facts["median_period_1"] = float(later.median())
        sentence = (
            f"In a typical cohort (the median), {percent(facts['median_period_1'])} of the "
            f"customers buy again in the {period} after their first purchase"
        )
        if values.shape[1] > 3 and values.iloc[:, 3].notna().any():
            facts["median_period_3"] = float(values.iloc[:, 3].median())
            sentence += f", and {percent(facts['median_period_3'])} three {period}s later"
        section.sentences.append(sentence + ".")
        if later.notna().sum() > 1:
            best = later.idxmax()
            facts["best_cohort"], facts["best_cohort_rate"] = str(best), float(later.max())
            section.sentences.append(
                f"The cohort of {best} kept customers best: {percent(facts['best_cohort_rate'])} "
                f"bought again the {period} after."
            )
    if len(shown) < len(values) or shown.shape[1] < values.shape[1]:
        section.sentences.append(
            f"The heatmap shows the last {len(shown)} cohorts over their first {shown.shape[1]} "
            f"{period}s."
        )
    section.figures.append(
        figures.cohort_heatmap(shown, rates=rates, period=period, key="cohorts-heatmap")
    )
    return section


def _model_health(scored: pd.DataFrame, inputs: ReportInputs) -> Section | None:
    health = inputs.model_health
    if health is None or (
        health.holdout is None and health.calibration is None and health.auc is None
    ):
        return None
    section = Section("models", "Model health")
    facts = section.facts
    holdout = health.holdout
    if holdout is not None:
        if isinstance(holdout, pd.Series):
            table = holdout.to_frame("transaction model").T
        else:
            table = holdout
        best = table.iloc[0]
        label = "" if isinstance(holdout, pd.Series) else f" ({table.index[0]}, the best fit)"
        facts.update(
            predicted_total=float(best["predicted_total"]),
            actual_total=float(best["actual_total"]),
            aggregate_pct_error=float(best["aggregate_pct_error"]),
            correlation=float(best["correlation"]),
        )
        trusted = abs(facts["aggregate_pct_error"]) <= 10 and facts["correlation"] >= 0.5
        verdict = "close enough to plan with" if trusted else "treat the CLV figures as rough"
        section.sentences.append(
            f"Over the holdout period the transaction model{label} expected "
            f"{count(facts['predicted_total'])} repeat purchases and customers made "
            f"{count(facts['actual_total'])} ({facts['aggregate_pct_error']:+.1f}%); per customer, "
            f"predicted and actual purchases correlate at {facts['correlation']:.2f}: {verdict}."
        )
        shown = table.reset_index().rename(columns={"index": "model"})
        if "model" not in shown.columns:
            shown.insert(0, "model", "transaction model")
        section.tables.append(
            Table.from_frame(
                shown,
                [
                    Column("model", "model"),
                    Column("actual_total", "actual purchases", "count"),
                    Column("predicted_total", "predicted purchases", "count"),
                    Column("aggregate_pct_error", "error %", "number"),
                    Column("mae", "mean abs. error", "number"),
                    Column("correlation", "correlation", "number"),
                    Column("bic", "BIC", "number"),
                ],
                key="models-holdout",
                caption="Transaction model on the holdout period",
            )
        )
    if health.auc is not None:
        auc = float(health.auc)
        facts["auc"] = auc
        verdict = (
            "good"
            if auc >= 0.8
            else "fair"
            if auc >= 0.7
            else "weak: use the risk tiers as a rough guide only"
        )
        section.sentences.append(
            f"The churn model's AUC is {auc:.2f}: it ranks a customer who left above one who "
            f"stayed {percent(auc)} of the time ({verdict})."
        )
    if health.calibration is not None and not health.calibration.empty:
        curve = health.calibration
        weights = curve["n_customers"].to_numpy(dtype=float)
        gap = np.abs(curve["mean_predicted"] - curve["observed_rate"]).to_numpy(dtype=float)
        facts["calibration_error"] = float(np.sum(weights * gap) / np.sum(weights))
        section.sentences.append(
            f"Its predicted probabilities are on average {facts['calibration_error'] * 100:.1f} "
            "percentage points from the churn rates observed."
        )
        section.figures.append(figures.calibration_plot(curve, key="models-calibration"))
    return section
