"""Choosing the model in the app: the catalog with the recommendation, Download with progress and Cancel,
Use. The real ``huggingface_hub`` downloads a small real GGUF from tests/fake_hub.py on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import models, paths
from inference.models import CatalogEntry
from tests.fake_hub import COMMIT, FakeHub, fake_hub, sha256_of, write_tiny_gguf  # noqa: F401
from ui.model_chooser import ModelChooser

pytestmark = pytest.mark.gui

REPO, FILE = "test-org/Tiny-GGUF", "tiny-q4.gguf"


@pytest.fixture
def entry(tmp_path: Path, fake_hub: FakeHub) -> CatalogEntry:  # noqa: F811
    tiny = write_tiny_gguf(tmp_path / FILE)
    fake_hub.add(REPO, FILE, tiny)
    return CatalogEntry("tiny", "Tiny Test (F32)", REPO, FILE, COMMIT, tiny.stat().st_size, sha256_of(tiny),
                        "MIT", 2048, 0.5, "65K", "tests and nothing else")


@pytest.fixture
def chooser(qtbot: QtBot, entry: CatalogEntry) -> ModelChooser:
    chooser = ModelChooser(entries=[entry])
    qtbot.addWidget(chooser)
    chooser.show()
    chooser.refresh()
    qtbot.waitUntil(lambda: not chooser.reading, timeout=10_000)
    return chooser


def test_the_catalog_shows_the_recommendation_and_why(chooser: ModelChooser) -> None:
    assert "Recommended for this computer: Tiny Test (F32)" in chooser.recommended.text()
    assert "RAM" in chooser.recommended.text()  # the reason: this computer's memory
    assert "tests and nothing else" in chooser.texts["tiny"].text()
    assert chooser.buttons["tiny"].text() == "Download" and chooser.buttons["tiny"].isEnabled()


def test_download_shows_progress_then_uses_the_model(qtbot: QtBot, chooser: ModelChooser) -> None:
    moved: list[tuple[int, int]] = []
    chooser.relay.moved.connect(lambda done, total: moved.append((done, total)))
    with qtbot.waitSignal(chooser.model_chosen, timeout=30_000):
        chooser.buttons["tiny"].click()
        assert chooser.progress.isVisibleTo(chooser) and chooser.cancel_button.isVisibleTo(chooser)
    installed = paths.current().models_dir / FILE
    assert installed.is_file() and models.configured_model() == str(installed.resolve())
    assert moved and moved[-1][0] == moved[-1][1] == installed.stat().st_size
    assert "Now using tiny-q4.gguf" in chooser.message.text()
    assert not chooser.progress.isVisibleTo(chooser)
    qtbot.waitUntil(lambda: chooser.buttons["tiny"].text() == "In use", timeout=10_000)
    assert not chooser.buttons["tiny"].isEnabled()


def test_cancel_keeps_nothing(qtbot: QtBot, chooser: ModelChooser) -> None:
    chooser.buttons["tiny"].click()
    chooser.cancel_button.click()
    qtbot.waitUntil(lambda: chooser.downloading is None, timeout=30_000)
    assert "Download cancelled" in chooser.message.text()
    assert not (paths.current().models_dir / FILE).exists() and models.configured_model() is None
    assert chooser.buttons["tiny"].isEnabled()


def test_a_file_that_is_not_a_model_is_refused_with_a_reason(chooser: ModelChooser, tmp_path: Path) -> None:
    fake = tmp_path / "notes.gguf"
    fake.write_text("not a model")
    chooser.use(str(fake))
    assert chooser.message.isVisibleTo(chooser) and chooser.message.property("state") == "bad"
    assert "notes.gguf" in chooser.message.text() and models.configured_model() is None
