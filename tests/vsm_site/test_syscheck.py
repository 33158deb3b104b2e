"""vsm_site.syscheck: a missing Pango stops `make install`, a missing HarfBuzz-Subset warns."""

import ctypes.util

import pytest

from vsm_site import syscheck


def _libraries(monkeypatch, missing):
    real = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if name in missing else real(name) or name
    )


def test_all_present_is_quiet(monkeypatch, capsys):
    _libraries(monkeypatch, missing=())
    assert syscheck.main() == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("lib", ["pango-1.0", "pangoft2-1.0"])
def test_missing_pango_fails_with_the_install_command(monkeypatch, capsys, lib):
    _libraries(monkeypatch, missing=(lib,))
    assert syscheck.main() == 1
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in capsys.readouterr().err


def test_missing_harfbuzz_subset_warns_but_passes(monkeypatch, capsys):
    _libraries(monkeypatch, missing=("harfbuzz-subset",))
    assert syscheck.main() == 0
    err = capsys.readouterr().err
    assert err.startswith("Warning:")
    assert "apt-get install libharfbuzz-subset0" in err
    assert "fontTools" in err
