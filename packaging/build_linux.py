"""Finish the Linux bundle PyInstaller wrote (dist/Inhouse): desktop entry, AppStream metainfo, icons in
the hicolor sizes and install.sh go inside it, then one tarball next to it.

    .venv/bin/python packaging/build_linux.py dist/Inhouse build/icons

Prints the tarball's path last. Layout (inside Inhouse/):
    Inhouse                      the program (`Inhouse` opens the app, `Inhouse doctor` ... the CLI)
    _internal/                   Python, Qt, llama.cpp, the starter model, resources
    share/applications/inhouse.desktop
    share/metainfo/org.inhouse.Inhouse.metainfo.xml
    share/icons/hicolor/SIZExSIZE/apps/inhouse.png, scalable/apps/inhouse.svg
    install.sh                   per-user (default) or system-wide install, and --uninstall
"""

from __future__ import annotations

import platform
import shutil
import sys
import tarfile
from pathlib import Path

from bundle_rules import APP_ID, ROOT, version

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def add_desktop_files(bundle: Path, icons: Path) -> None:
    share = bundle / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / "linux" / "inhouse.desktop", share / "applications" / "inhouse.desktop")
    (share / "metainfo").mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / "linux" / f"{APP_ID}.metainfo.xml", share / "metainfo" / f"{APP_ID}.metainfo.xml")
    for size in SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(icons / f"inhouse-{size}.png", target / "inhouse.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "resources" / "icons" / "inhouse.svg", scalable / "inhouse.svg")
    shutil.copy2(HERE / "linux" / "install.sh", bundle / "install.sh")
    (bundle / "install.sh").chmod(0o755)


def make_tarball(bundle: Path, variant: str = "") -> Path:
    arch = platform.machine() or "unknown"
    out = bundle.parent / f"Inhouse-{version()}-linux-{arch}{'-' + variant if variant else ''}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname="Inhouse")  # symlinks (libllama.so -> libllama.so.0) stay symlinks
    return out


def main(bundle: Path, icons: Path, variant: str = "") -> int:
    if not (bundle / "Inhouse").is_file():
        raise SystemExit(f"{bundle}/Inhouse not found: run PyInstaller first (make package does).")
    add_desktop_files(bundle, icons)
    out = make_tarball(bundle, variant)
    print(f"Linux tarball: {out} ({out.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
