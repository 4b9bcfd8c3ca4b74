"""Uploaded series: formats, header rows, size limit, no pickles; the data folder."""

import io

import numpy as np
import pytest

from apps import uploads
from apps.uploads import DataFolder, read_series


def test_read_series_formats_and_errors():
    arr = np.random.default_rng(0).normal(size=(60, 3))
    buf = io.BytesIO()
    np.save(buf, arr)
    np.testing.assert_array_equal(read_series(buf.getvalue(), "x.npy"), arr)
    csv = "\n".join(",".join(f"{v:.17g}" for v in row) for row in arr).encode()
    np.testing.assert_allclose(read_series(csv, "x.csv"), arr)
    assert read_series("\n".join(map(str, range(60))).encode(), "y.txt").shape == (60, 1)
    with pytest.raises(ValueError, match="must be a .npy"):
        read_series(b"1", "x.xlsx")
    with pytest.raises(ValueError, match="empty"):
        read_series(b"", "x.csv")
    with pytest.raises(ValueError, match="at least 50 rows"):
        read_series(csv[: csv.index(b"\n") * 3], "x.csv")
    bad = arr.copy()
    bad[3, 1] = np.nan
    buf = io.BytesIO()
    np.save(buf, bad)
    with pytest.raises(ValueError, match="finite"):
        read_series(buf.getvalue(), "x.npy")


def test_csv_with_a_header_row_is_accepted():
    rows = "\n".join(f"{i},{2 * i}" for i in range(60))
    arr = read_series(f"x,y\n{rows}".encode(), "with header.csv")
    assert arr.shape == (60, 2) and arr[1, 1] == 2.0
    with pytest.raises(ValueError, match="row 3 has a value that is not a number"):
        read_series(f"x,y\n0,0\n1,1\n2,abc\n{rows}".encode(), "bad.csv")


def test_pickled_objects_are_refused():
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}] * 60, dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="Python objects"):
        read_series(buf.getvalue(), "evil.npy")


def test_size_limit(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ValueError, match="at most"):
        read_series(b"1\n" * 200, "big.txt")


def test_data_folder_refuses_paths_out_of_it(tmp_path):
    (tmp_path / "a.csv").write_text("\n".join(str(i) for i in range(60)))
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / "out.npy").symlink_to("/etc/passwd")
    folder = DataFolder(tmp_path)
    assert folder.names() == ["a.csv"]
    assert folder.read("a.csv").shape == (60, 1)
    for name in ("out.npy", "../a.csv", "/etc/passwd", "", "."):
        with pytest.raises(ValueError):
            folder.read(name)
    with pytest.raises(ValueError, match="data-dir"):
        DataFolder(tmp_path / "missing")
