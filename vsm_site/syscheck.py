"""Stop early, with one line, when a system library that WeasyPrint needs is missing; warn,
without stopping, when one that only makes it faster is missing."""

import ctypes.util
import sys

PANGO_HINT = (
    "WeasyPrint needs the Pango library: install it with "
    "'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0' (Debian/Ubuntu), "
    "'sudo dnf install pango' (Fedora) or 'brew install pango' (macOS), then run the command again."
)
# WeasyPrint subsets the PDFs' fonts with HarfBuzz-Subset when it finds the library and falls
# back to fontTools, several times slower (a roadmap PDF took 13% longer), when it does not.
HARFBUZZ_SUBSET_HINT = (
    "Warning: the HarfBuzz-Subset library is missing, so WeasyPrint subsets fonts with fontTools "
    "and PDF reports render more slowly. Install it with "
    "'sudo apt-get install libharfbuzz-subset0' (Debian/Ubuntu); on Fedora ('sudo dnf install "
    "harfbuzz') and macOS ('brew install harfbuzz') it comes with HarfBuzz."
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
    if not ctypes.util.find_library("harfbuzz-subset"):
        print(HARFBUZZ_SUBSET_HINT, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
