"""Write the README screenshots (docs/screenshots/*.png) from the real app with the real starter model.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/screenshots.py docs/screenshots

Every view of the main window is saved twice: at 1240×800 (``NAME.png``, the README's) and at the
smallest size the window allows, 900×600 (``900x600/NAME.png``), to check nothing is cut off there.

Runs in a throw-away INHOUSE_HOME with an in-memory keyring and a demo admin policy (to show locked
settings). The one escalation shown goes to the loopback fake of the Anthropic API from the test suite
(tests/fake_anthropic.py), so nothing leaves this machine and no key is needed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("ANTHROPIC_API_KEY", None)

import keyring  # noqa: E402

from tests.memory_keyring import MemoryKeyring  # noqa: E402

CLASSIFY_TEXT = ("Hi, I was charged twice for my March invoice. Could you refund one of the two payments? "
                 "Thanks, Maria")
CONSENT_TEXT = ("Terrible service at your Leeds branch. I waited two hours and nobody answered the phone. "
                "Call me back: Jane Roe, jane.roe@example.com, +44 20 7946 0958, order 48213.")
EXTRACT_TEXT = ("Thanks for the call today! As promised, here are my details.\n\nBest regards,\nPriya Natarajan\n"
                "Head of Procurement, Northwind Traders\npriya.natarajan@northwind.example\n+1 (206) 555-0187")
SUMMARY_TEXT = (
    "The city council met on Tuesday to discuss the new cycling plan. After two hours of debate, members "
    "approved 12 kilometres of protected bike lanes along the river and on Main Street, to be built over the "
    "next two years. The plan costs 4.2 million euros, half of it paid by a regional grant. Shop owners on "
    "Main Street worried about losing parking spaces, so the council agreed to add a new car park near the "
    "station before the lanes open. Construction starts in March.")
DEMO_CLASSIFIER = "banking-support"
DEMO_LABELS = (("automatic_top_up", 10), ("exchange_rate", 10), ("get_disposable_virtual_card", 10),
               ("passcode_forgotten", 6))
ADMIN_POLICY = """# Demo admin policy: these keys are locked for the user.
[escalation]
monthly_budget_usd = 5.0
allowed_models = ["claude-haiku-4-5"]

[privacy]
audit_payload = "full"
"""


def wait_until(check: Callable[[], bool], timeout_s: float = 900.0) -> None:
    from ui.app import wait

    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not reach the expected state in time")
        wait(20)


SIZES = ((1240, 800, ""), (900, 600, "900x600"))


def save_sizes(window: object, out: Path, name: str) -> None:
    """The window at each size in SIZES; back to the first size afterwards."""
    from ui.app import save_screenshot

    for width, height, folder in SIZES:
        window.resize(width, height)  # type: ignore[attr-defined]
        save_screenshot(window, out / folder / name)  # type: ignore[arg-type]
    window.resize(*SIZES[0][:2])  # type: ignore[attr-defined]


def main(out: Path) -> int:
    home = Path(tempfile.mkdtemp(prefix="inhouse-shots-"))
    os.environ["INHOUSE_HOME"] = str(home)
    admin = home / "admin-policy.toml"
    admin.write_text(ADMIN_POLICY, encoding="utf-8")
    os.environ.pop("INHOUSE_ADMIN_POLICY", None)
    keyring.set_keyring(MemoryKeyring())

    from app import egress, paths, secrets

    paths._system_admin_policy = admin  # the demo's administrator file, as the tests place it
    from app.policy import save_user_setting
    from tests.fake_anthropic import FakeAnthropic

    egress.install()  # as in the real app: only loopback and consented escalations may connect
    server = FakeAnthropic().start()
    os.environ["ANTHROPIC_BASE_URL"] = server.url
    secrets.set_api_key("sk-ant-demo-key")
    save_user_setting("privacy.retention_days", 30)  # one value of the user's own, to show in Settings
    try:
        return shoot(out, server)
    finally:
        server.close()


def shoot(out: Path, server: object) -> int:
    from app.assistant import Assistant
    from inference.errors import ModelMissing
    from ui.app import create_application, save_screenshot, wait_for_model
    from ui.consent_dialog import ConsentDialog
    from ui.main_window import MainWindow

    create_application()
    assistant = Assistant()
    window = MainWindow(assistant)
    window.show()
    wait_for_model(window)
    page = window.assistant_page

    def run(task: str, text: str, prepare: Callable[[], None] = lambda: None) -> None:
        page.panel.set_task(task)  # type: ignore[arg-type]
        prepare()
        page.panel.set_text(text)
        page.run()
        wait_until(lambda: not page.busy)

    save_sizes(window, out, "main-empty.png")
    run("classify", CLASSIFY_TEXT, lambda: page.panel.labels.set_labels(
        ("billing", "technical problem", "account access", "cancellation", "feature request", "other")))
    save_sizes(window, out, "main-classify.png")
    run("extract", EXTRACT_TEXT, lambda: page.panel.schema.set_template("contact"))
    save_sizes(window, out, "main-extract.png")
    run("summarize", SUMMARY_TEXT, lambda: page.panel.summary.words.setValue(40))
    save_sizes(window, out, "main-summarize.png")

    run("classify", CONSENT_TEXT, lambda: page.panel.labels.set_labels(("positive", "negative", "neutral")))
    save_sizes(window, out, "main-ask-cloud.png")
    if not page.result.outcome.ask.isVisible():
        print("warning: the consent example was confident enough to stay local; no consent screenshots")
    else:
        server.reply_text("negative", input_tokens=96, output_tokens=1)  # type: ignore[attr-defined]
        dialogs: list[ConsentDialog] = []
        window.gate.dialog_opened.connect(dialogs.append)
        page.result.outcome.ask.click()
        wait_until(lambda: bool(dialogs))
        dialog = dialogs[0]
        _select(dialog, "Leeds")
        dialog.redact_selection()
        save_screenshot(dialog, out / "consent-dialog.png")
        dialog.allow_once.click()
        wait_until(lambda: not page.busy)
        save_sizes(window, out, "main-cloud-answer.png")

    window.show_page(window.pages.indexOf(window.history))
    window.history.table.selectRow(0)
    save_sizes(window, out, "history.png")
    teach_classifier(assistant)
    window.show_page(window.pages.indexOf(window.classifiers))
    window.classifiers.select(DEMO_CLASSIFIER)
    window.classifiers.training.labels.selectRow(0)
    save_sizes(window, out, "classifiers.png")
    window.show_page(window.pages.indexOf(window.audit))
    window.audit.table.selectRow(0)
    window.audit.verify()
    save_sizes(window, out, "audit.png")
    window.show_page(window.pages.indexOf(window.settings))
    wait_until(lambda: not window.settings.model.chooser.reading)
    save_sizes(window, out, "settings.png")
    bar = window.settings.verticalScrollBar()
    bar.setValue(bar.maximum())
    save_sizes(window, out, "settings-key-model.png")

    window.show_page(0)
    window.show_first_run(ModelMissing("No model is installed: the starter model (SmolLM2-135M-Instruct) "
                                       "was not found."))
    wait_until(lambda: not window.first_run.chooser.reading)
    save_sizes(window, out, "first-run.png")
    window.close()
    assistant.close()
    for png in sorted(out.glob("*.png")):
        print(png)
    return 0


def teach_classifier(assistant: object) -> None:
    """A small trained classifier from the BANKING77 sample in resources/eval (one label kept short, so
    the page shows its warning), and one candidate example kept from the cloud model."""
    import csv

    from app.paths import RESOURCES

    store = assistant.host.classifiers  # type: ignore[attr-defined]
    with (RESOURCES / "eval" / "banking77_train.csv").open(encoding="utf-8", newline="") as f:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(f)]
    examples = [row for label, n in DEMO_LABELS for row in [r for r in rows if r[1] == label][:n]]
    store.create(DEMO_CLASSIFIER, [label for label, _ in DEMO_LABELS])
    store.add_examples(DEMO_CLASSIFIER, examples)
    store.train(DEMO_CLASSIFIER, assistant.host.embedder())  # type: ignore[attr-defined]
    store.add_candidate(DEMO_CLASSIFIER, "How much does it cost to change euros into dollars?", "exchange_rate")


def _select(dialog: object, needle: str) -> None:
    from PySide6.QtGui import QTextCursor

    view = dialog.text_view  # type: ignore[attr-defined]
    start = view.toPlainText().find(needle)
    if start < 0:
        return
    cursor = view.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(start + len(needle), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    sys.exit(main(target))
