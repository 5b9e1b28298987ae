"""The line classifier's page-level shortcuts of the tenth speed round (issue 15)
against the plain code they replace, on the seeds and the test pages: the same arrays,
bit for bit."""
import numpy as np

from pipeline.linemodel.features import Page, _per_line
from pipeline.linemodel.shape import SHAPE_FEATURES

from test_speed_paths import _real_pages


def test_page_shape_rows_read_as_np_array_reads_them():
    """Page.shape from np.fromiter over the rows equals np.array of the rows (ints and
    NaN included), on every page's lines with its stoplist and without one."""
    pages = 0
    for texts, stop, _ in _real_pages():
        for stoplist in (stop, frozenset()):
            per_line = _per_line(texts, stoplist)
            rows = [row for row, _, _ in per_line]
            assert any(isinstance(v, int) for row in rows for v in row)  # the ints are read too
            page = Page(list(range(len(texts))), per_line, texts, stoplist)
            plain = np.array(rows, dtype=np.float64).reshape(len(texts), len(SHAPE_FEATURES))
            assert page.shape.shape == plain.shape and page.shape.tobytes() == plain.tobytes()
        pages += 1
    assert pages >= 16
