"""Render the app icon (resources/icons/inhouse.svg) to the files each platform wants, with Qt.

    .venv/bin/python packaging/icons.py build/icons

Writes inhouse-SIZE.png for the freedesktop sizes (16 ... 512), inhouse.ico (Windows, 16-256, each size
rendered, not scaled) and inhouse.icns (macOS). Generated at build time so the repository keeps one
vector source, no binaries.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

SOURCE = Path(__file__).resolve().parent.parent / "resources" / "icons" / "inhouse.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # hicolor sizes desktop environments look up


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def write(image: QImage, path: Path, fmt: str) -> None:
    writer = QImageWriter(str(path), fmt.encode())
    if not writer.write(image):
        raise SystemExit(f"Could not write {path}: {writer.errorString()}")


ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Windows picks from for the taskbar, Explorer, Start


def write_ico(pngs: dict[int, Path], path: Path) -> None:
    """One .ico with every size rendered from the SVG (Qt's ICO writer stores a single image; Pillow,
    installed with matplotlib, stores each of ``append_images`` at its own size)."""
    from PIL import Image

    images = [Image.open(pngs[size]) for size in sorted(pngs, reverse=True)]
    images[0].save(path, format="ICO", sizes=[(size, size) for size in sorted(pngs)], append_images=images[1:])


def main(out: Path) -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE} is not a valid SVG")
    out.mkdir(parents=True, exist_ok=True)
    images = {size: render(renderer, size) for size in SIZES}
    for size, image in images.items():
        write(image, out / f"inhouse-{size}.png", "png")
    write_ico({size: out / f"inhouse-{size}.png" for size in ICO_SIZES}, out / "inhouse.ico")
    write(images[512], out / "inhouse.icns", "icns")
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/icons")))
