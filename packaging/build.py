"""Build the one-folder bundle for the platform this runs on, and say where it went (`make package`).

    .venv/bin/python packaging/build.py                     # dist/Inhouse, the CPU build
    build/venv-cuda/bin/python packaging/build.py --variant cuda   # dist/cuda/Inhouse (packaging/build_gpu.sh)

1. icons from resources/icons/inhouse.svg (packaging/icons.py) into build/icons;
2. PyInstaller with packaging/inhouse.spec into dist/Inhouse (macOS: also dist/Inhouse.app);
3. Linux: desktop entry, metainfo, icons and install.sh into the folder, then dist/Inhouse-VERSION-linux-ARCH.tar.gz.
   macOS and Windows: the next steps (DMG, installer) are printed; see packaging/README.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bundle_rules import ROOT, version

DIST = ROOT / "dist"
ICONS = ROOT / "build" / "icons"


def run(*args: str) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Build the one-folder Inhouse bundle for this platform.")
    parser.add_argument("--variant", default="", help="a GPU build's name (cuda, vulkan, metal): "
                        "dist/VARIANT/Inhouse, the name in the tarball's file name")
    variant = parser.parse_args(argv).variant
    dist: Path = DIST / variant if variant else DIST
    start = time.monotonic()
    run(str(ROOT / "packaging" / "icons.py"), str(ICONS))
    run("-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", str(dist),
        "--workpath", str(ROOT / "build" / f"pyinstaller{'-' + variant if variant else ''}"),
        str(ROOT / "packaging" / "inhouse.spec"))
    bundle = dist / "Inhouse"
    print(f"\nInhouse {version()} bundle: {bundle}  (built in {time.monotonic() - start:.0f} s)")
    if sys.platform.startswith("linux"):
        from build_linux import main as finish_linux

        return finish_linux(bundle, ICONS, variant)
    if sys.platform == "darwin":
        print(f"macOS app: {dist / 'Inhouse.app'}\nDMG (UNTESTED recipe): packaging/macos/make-dmg.sh")
    elif sys.platform == "win32":
        print("Windows installer (UNTESTED recipe): iscc packaging\\windows\\inhouse.iss")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
