"""The review as text (the terminal) and as one self-contained HTML page (inline SVG charts)."""

from __future__ import annotations

import html

from app.review import Figures, Group, Review
from app.review_charts import histogram_chart, svg, trend_chart
from inference.errors import InhouseError
from inference.prices import PriceTable

NO_DATA = "No answers were recorded in {month}: there is nothing to review for it."


def usd(amount: float | None) -> str:
    if amount is None:
        return "-"
    text = f"{amount:.6f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def pct(share: float | None, scale: float = 100.0) -> str:
    return "-" if share is None else f"{share * scale:.0f}%"


def num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


HEAD = ["", "messages", "on device", "escalated", "consents +/-", "queued", "frontier only", "spent",
        "saving", "corr./100", "re-run", "mean conf."]


def figure_cells(f: Figures) -> list[str]:
    saving = "-" if f.saving_pct is None else f"{usd(f.saving_usd)} ({f.saving_pct:.0f}%)"
    return [str(f.volume), pct(f.on_device_share), pct(f.escalation_rate), f"{f.consents_given}/{f.consents_refused}",
            str(f.queued), usd(f.frontier_usd), usd(f.spent_usd), saving, num(f.corrections_per_100, 1),
            str(f.reruns), num(f.mean_confidence)]


def group_name(group: Group) -> str:
    if group.profile == "*":
        return group.task
    return f"{group.task} / {group.profile or '(no profile)'}"


def bill_rows(review: Review) -> list[list[str]]:
    """Per task and profile, then per task and the total: the table both reports show."""
    rows = [[group_name(g), *figure_cells(g.figures)] for g in review.profiles]
    several = {g.task for g in review.profiles if sum(p.task == g.task for p in review.profiles) > 1}
    rows += [[f"{g.task} (all)", *figure_cells(g.figures)] for g in review.tasks if g.task in several]
    rows.append(["total", *figure_cells(review.total)])
    return rows


def price_note() -> str:
    try:
        table = PriceTable.load()
    except InhouseError as err:
        return f"The price table cannot be read: {err}"
    return (f"Frontier only: every message priced at the frontier model from the tokens Inhouse counted (the "
            f"provider's count when it was sent, else the characters of the request and of the answer Inhouse "
            f"gave, without the provider's fixed instructions, so it errs low), with the dated price table when "
            f"it was answered (resources/prices.toml, now as of {table.as_of.isoformat()}).")


def tier_line(f: Figures) -> str:
    """Who answered in the end: "local 112 (56%), frontier 88 (44%)"."""
    parts = [f"{tier} {n} ({pct(n / f.volume if f.volume else None)})" for tier, n in sorted(f.tiers.items())]
    return "Answered by tier: " + (", ".join(parts) if parts else "-") + "."


def history_rows(review: Review) -> list[list[str]]:
    return [[p.month, *figure_cells(p.figures)] for p in review.history]


def _text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_text(review: Review) -> str:
    if review.empty:
        out = [NO_DATA.format(month=review.month)]
        if len(review.history) > 1:
            out += ["", "Months before it:", _text_table(["month", *HEAD[1:]], history_rows(review)[:-1])]
        return "\n".join(out)
    out = [f"Inhouse review, {review.month}", "", _text_table(HEAD, bill_rows(review))]
    per_message = review.total
    out += ["", tier_line(review.total),
            f"Per message: {usd(per_message.frontier_per_message)} if every message had gone to the frontier "
            f"model, {usd(per_message.spent_per_message)} spent.", price_note()]
    evals = [g for g in review.profiles if g.eval_accuracy is not None]
    for g in evals:
        out.append(f"Eval ({group_name(g)}, {g.eval_items} items): accuracy {pct(g.eval_accuracy)} at the threshold.")
    out += ["", "Thresholds:"] + [f"  {t.sentence}" + (" (set by your administrator)" if t.locked else "")
                                   for t in review.thresholds]
    if len(review.history) > 1:
        out += ["", "By month:", _text_table(["month", *HEAD[1:]], history_rows(review))]
    return "\n".join(out)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1em}.note{color:#555}"""


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def render_html(review: Review) -> str:
    if review.empty:
        no_data = html.escape(NO_DATA.format(month=review.month))
        body = f"<h1>Inhouse review, {html.escape(review.month)}</h1><p>{no_data}</p>"
    else:
        charts = [svg(trend_chart(review))] + [svg(histogram_chart(review, t.task)) for t in review.thresholds
                                               if sum(review.histograms.get(t.task, ()))]
        sentences = "".join(f"<li>{html.escape(t.sentence)}{' (set by your administrator)' if t.locked else ''}</li>"
                            for t in review.thresholds)
        body = (f"<h1>Inhouse review, {html.escape(review.month)}</h1>"
                f"<h2>The bill</h2>{_html_table(HEAD, bill_rows(review))}<p>{html.escape(tier_line(review.total))}</p>"
                f"<p class=\"note\">{html.escape(price_note())}</p>"
                f"<h2>Thresholds</h2><ul>{sentences}</ul><div class=\"charts\">{''.join(charts)}</div>"
                f"<h2>By month</h2>{_html_table(['month', *HEAD[1:]], history_rows(review))}")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Inhouse review "
            f"{html.escape(review.month)}</title><style>{_CSS}</style></head><body>{body}</body></html>")
