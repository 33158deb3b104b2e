"""Stop early, with one line, when a system library that WeasyPrint needs is missing."""

import ctypes.util
import sys

PANGO_HINT = (
    "WeasyPrint needs the Pango library: install it with "
    "'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0' (Debian/Ubuntu), "
    "'sudo dnf install pango' (Fedora) or 'brew install pango' (macOS), then run the command again."
)


def main():
    if not all(ctypes.util.find_library(lib) for lib in ("pango-1.0", "pangoft2-1.0")):
        print(PANGO_HINT, file=sys.stderr)
        return 1
    try:
        import weasyprint  # noqa: F401
    except OSError:
        print(PANGO_HINT, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
