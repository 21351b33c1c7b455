"""The eval report on disk: ``report.json`` and a self-contained ``report.html``.

The HTML carries its charts inline as SVG drawn by matplotlib (Agg backend, imported only here): the
reliability diagram, quality and share escalated against the threshold, and frontier cost per 1,000
messages against the threshold. Nothing in it is loaded from the network: no scripts, fonts, styles or
images from elsewhere (tests/test_evals.py parses it and checks every src, href and url()).
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.eval_scoring import NO_THRESHOLD_ADVICE, EvalReport, TierReport
from inference.errors import InputInvalid
from inference.metrics import Bin, Calibration, FieldFigures, ThresholdRow


def _r(value: Any, digits: int = 4) -> Any:
    return round(value, digits) if isinstance(value, float) else value


def _calibration(c: Calibration | None) -> dict[str, Any] | None:
    return None if c is None else c.to_json()


def _tier(t: TierReport) -> dict[str, Any]:
    return {
        "tier": t.tier, "model": t.model, "n": t.n, "errors": t.errors, "accuracy": _r(t.accuracy),
        "quality": _r(t.quality), "mean_latency_ms": _r(t.mean_latency_ms, 1),
        "cost_per_message_usd": _r(t.cost_per_message_usd, 6), "calibration": _calibration(t.calibration),
        "reliability": [{k: _r(v) for k, v in asdict(b).items()} for b in t.reliability],
        "spearman_confidence_quality": _r(t.spearman),
        "fields": [f.to_json() for f in t.fields] or None,
        "field_calibration": _calibration(t.field_calibration),
        "rouge_l": None if t.rouge_precision is None else {
            "precision": _r(t.rouge_precision), "recall": _r(t.rouge_recall), "f1": _r(t.quality)},
    }


def _row(r: ThresholdRow | None) -> dict[str, Any] | None:
    return None if r is None else {k: _r(v, 6) for k, v in asdict(r).items()}


def report_to_json(report: EvalReport) -> dict[str, Any]:
    judge = None
    if report.judge is not None:
        j = report.judge
        judge = {"model": j.model, "rubric": dict(j.rubric), "scores": j.scores, "mean_score": _r(j.mean_score),
                 "spearman_confidence": _r(j.spearman_confidence), "auroc_good": _r(j.auroc_good),
                 "spearman_rouge": _r(j.spearman_rouge), "cost_usd": _r(j.cost_usd, 6)}
    return {
        "name": report.name, "task": report.task, "source": report.source, "n": report.n,
        "quality": report.quality_name, "good": report.good_means,
        "local": _tier(report.local), "frontier": _tier(report.frontier) if report.frontier else None,
        "judge": judge, "target": _r(report.target), "suggestion": _row(report.suggestion),
        "label_calibration": None if report.label_calibration is None else report.label_calibration.to_json(),
        "cost_basis": report.cost_basis, "thresholds": [_row(r) for r in report.thresholds],
        "items": report.items,
    }


def write_report(report: EvalReport, folder: Path) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``folder`` (created if needed, inside an existing one:
    ``app.output_paths.writable_folder``)."""
    try:
        folder.mkdir(exist_ok=True)
        json_path, html_path = folder / "report.json", folder / "report.html"
        json_path.write_text(json.dumps(report_to_json(report), indent=1, ensure_ascii=False), encoding="utf-8")
        html_path.write_text(render_html(report), encoding="utf-8")
    except OSError as err:
        raise InputInvalid(f"Cannot write the report into {folder}: {err.strerror or err}",
                           hint="Choose a folder you can write to.") from err
    return json_path, html_path


# -- charts ------------------------------------------------------------------------------------


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML declaration and the DOCTYPE (it names a URL)


def _figure(width: float = 5.0, height: float = 3.4) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "inhouse", "svg.fonttype": "none", "font.size": 9})
    return plt.subplots(figsize=(width, height))


def reliability_chart(bins: list[Bin], title: str) -> str:
    fig, ax = _figure(4.2, 3.6)
    ax.plot([0, 1], [0, 1], linestyle="--", color="#888888", label="perfect calibration")
    full = [b for b in bins if b.count and b.accuracy is not None]
    ax.bar([(b.lo + b.hi) / 2 for b in full], [b.accuracy for b in full], width=(bins[0].hi - bins[0].lo) * 0.9,
           color="#3a78c2", alpha=0.8, label="share good in bin")
    for b in full:
        ax.annotate(str(b.count), ((b.lo + b.hi) / 2, b.accuracy or 0.0), ha="center", va="bottom", fontsize=7)
    ax.set(xlim=(0, 1), ylim=(0, 1.05), xlabel="confidence", ylabel="share good", title=title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=7, frameon=False)
    return _svg(fig)


def threshold_chart(rows: list[ThresholdRow], quality_name: str) -> str:
    fig, ax = _figure()
    t = [r.threshold for r in rows]

    def line(values: list[float | None], label: str, **style: Any) -> None:
        if any(v is not None for v in values):
            ax.plot(t, [float("nan") if v is None else v for v in values], label=label, **style)

    line([r.kept_accuracy for r in rows], "kept local: share good", color="#3a78c2")
    if quality_name != "accuracy":
        line([r.kept_quality for r in rows], f"kept local: {quality_name}", color="#3a78c2", linestyle=":")
    line([r.combined_accuracy for r in rows], "local + frontier: share good", color="#2a9d55")
    line([r.escalation_rate for r in rows], "share escalated", color="#d9822b", linestyle="--")
    ax.set(xlim=(0, 1), ylim=(0, 1.05), xlabel="threshold (escalate below)", ylabel="share",
           title="Quality and share escalated against the threshold")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=7, frameon=False)
    return _svg(fig)


def cost_chart(rows: list[ThresholdRow], basis: str) -> str:
    fig, ax = _figure(5.0, 3.0)
    ax.plot([r.threshold for r in rows], [1000 * (r.cost_per_message_usd or 0.0) for r in rows], color="#b23a48")
    ax.set(xlim=(0, 1), xlabel="threshold (escalate below)", ylabel="USD per 1,000 messages",
           title=f"Frontier cost per 1,000 messages ({basis})")
    ax.set_ylim(bottom=0)
    return _svg(fig)


# -- the page ----------------------------------------------------------------------------------

_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1em}
.note{color:#555;font-size:.9em}pre{white-space:pre-wrap}"""


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return html.escape(str(value))


def _table(head: list[str], rows: list[list[Any]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def _tiers_table(report: EvalReport) -> str:
    tiers = [t for t in (report.local, report.frontier) if t is not None]

    def cal(t: TierReport, key: str) -> Any:
        return None if t.calibration is None else getattr(t.calibration, key)

    rows: list[list[Any]] = [
        ["model", *[t.model for t in tiers]],
        [f"share good ({report.good_means})", *[t.accuracy for t in tiers]],
        [report.quality_name, *[t.quality for t in tiers]],
        ["ECE", *[cal(t, "ece") for t in tiers]],
        ["AUROC", *[cal(t, "auroc") for t in tiers]],
        ["Brier", *[cal(t, "brier") for t in tiers]],
        [f"Spearman(confidence, {report.quality_name})", *[t.spearman for t in tiers]],
        ["latency ms / message", *[round(t.mean_latency_ms) for t in tiers]],
        ["cost USD / message", *[f"{t.cost_per_message_usd:.5f}" for t in tiers]],
        ["errors", *[t.errors for t in tiers]],
    ]
    return _table(["", *[t.tier for t in tiers]], rows)


def _fields_table(fields: list[FieldFigures]) -> str:
    return _table(["field", "precision", "recall", "F1", "hallucination rate", "accuracy", "TP", "FP", "FN"],
                  [[f.field, f.precision, f.recall, f.f1, f.hallucination_rate, f.accuracy, f.tp, f.fp, f.fn]
                   for f in fields])


def _task_sections(report: EvalReport) -> str:
    out = ""
    local = report.local
    if local.fields:
        out += "<h2>Fields (local)</h2>" + _fields_table(local.fields)
        out += ('<p class="note">Hallucination rate: values emitted where the truth is null, over the fields '
                "whose truth is null. A wrong value counts as a false positive and a false negative.</p>")
        if local.field_calibration is not None:
            c = local.field_calibration
            out += (f"<p>Per-field confidence of the {c.n} emitted values, right vs wrong: AUROC {_fmt(c.auroc)}, "
                    f"ECE {_fmt(c.ece)}.</p>")
    if report.frontier is not None and report.frontier.fields:
        out += "<h2>Fields (frontier)</h2>" + _fields_table(report.frontier.fields)
    if report.judge is not None:
        j = report.judge
        out += (f"<h2>Judged by {html.escape(j.model)}</h2><p>Mean score {_fmt(j.mean_score, 2)} of 5; "
                f"Spearman(local confidence, score) {_fmt(j.spearman_confidence)}; AUROC of local confidence "
                f"for scores ≥ 4: {_fmt(j.auroc_good)}; Spearman(ROUGE-L, score) {_fmt(j.spearman_rouge)}; "
                f"cost {j.cost_usd:.4f} USD.</p>")
        out += _table(["score", "rubric"], [[score, text] for score, text in j.rubric])
    return out


def _label_calibration(report: EvalReport) -> str:
    c = report.label_calibration
    return "" if c is None else f"<p>Confidence: {html.escape(c.basis)}</p>"


def _suggestion(report: EvalReport) -> str:
    s = report.suggestion
    if s is None:
        return (f"<p>No threshold keeps the local answers at {report.target:.2f} share good: "
                f"{html.escape(NO_THRESHOLD_ADVICE[report.task])}.</p>")
    return (f"<p><b>Suggested threshold for {html.escape(report.task)}: {s.threshold:.2f}</b> — the local "
            f"answers kept are {_fmt(s.kept_accuracy, 2)} good (target {report.target:.2f}); "
            f"{s.escalation_rate:.0%} escalated.</p>")


def render_html(report: EvalReport) -> str:
    local = report.local
    charts = []
    if local.reliability:
        charts.append(reliability_chart(local.reliability, f"Reliability: {report.name} (local)"))
    charts.append(threshold_chart(report.thresholds, report.quality_name))
    if report.cost_basis != "unknown":
        charts.append(cost_chart(report.thresholds, report.cost_basis))
    rows = [[r.threshold, r.escalation_rate, r.kept_accuracy, r.kept_quality, r.combined_accuracy,
             None if r.cost_per_message_usd is None else round(1000 * r.cost_per_message_usd, 3)]
            for r in report.thresholds]
    body = (
        f"<h1>Eval: {html.escape(report.name)}</h1>"
        f"<p>{html.escape(report.task)}, {report.n} items. Source: {html.escape(report.source or 'not stated')}."
        f"</p>{_label_calibration(report)}<h2>Tiers</h2>{_tiers_table(report)}{_suggestion(report)}"
        f"<div class=\"charts\">{''.join(charts)}</div>{_task_sections(report)}"
        "<h2>Thresholds</h2>" + _table(
            ["threshold", "escalated", "kept: share good", f"kept: {report.quality_name}",
             "combined: share good", f"USD / 1,000 messages ({report.cost_basis})"], rows)
    )
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Inhouse eval: {html.escape(report.name)}</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>")
    return _strip_comments(page)


def _strip_comments(page: str) -> str:
    return re.sub(r"<!--.*?-->", "", page, flags=re.S)
