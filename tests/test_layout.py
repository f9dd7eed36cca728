"""Geometry on small hand-made pages: grids, spans, soft wraps, page-break joins."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.layout.grid import build_table, cluster, connected_groups, find_tables, place
from pipeline.layout.model import Char, Segment
from pipeline.layout.tables import continues, join
from pipeline.layout.text import join_lines, lines_of


def grid_segments(xs, ys, missing_v=(), missing_h=()):
    """Rulings of a grid; ``missing_v`` = {(col_boundary, row)} left out (merged across)."""
    segs = []
    for j, x in enumerate(xs):
        for i in range(len(ys) - 1):
            if (j, i) not in missing_v:
                segs.append(Segment(x, ys[i], x, ys[i + 1]))
    for i, y in enumerate(ys):
        for j in range(len(xs) - 1):
            if (i, j) not in missing_h:
                segs.append(Segment(xs[j], y, xs[j + 1], y))
    return segs


def text_chars(text, x, top, size=10.0, start=0):
    return [Char(x + k * size, top, x + (k + 1) * size, top + size, text=ch, size=size, index=start + k)
            for k, ch in enumerate(text)]


def table_with_text(xs, ys, texts, page=1, cut_at=None, **missing):
    """A table whose cells get ``texts[(row, col)]`` written at their top-left corner;
    ``cut_at``: its sides run on to there past the last ruling (a row cut by a page break)."""
    cut = [Segment(x, ys[-1], x, cut_at) for x in xs] if cut_at is not None else []
    table = build_table(grid_segments(xs, ys, **missing) + cut, page)
    ys = table.ys
    chars = []
    for (r, c), t in texts.items():
        chars += text_chars(t, xs[c] + 1, ys[r] + 2, start=len(chars))
    place(table, chars, [])
    for cell in table.cells:
        cell.text = join_lines(cell.lines, cell.x1 - 1)
    return table


def test_cluster_snaps_close_positions():
    assert cluster([10.0, 10.5, 11.2, 30.0, 31.0]) == [10.566666666666666, 30.5]


def test_plain_grid_has_one_cell_per_slot():
    t = build_table(grid_segments([0, 50, 100], [0, 20, 40, 60]))
    assert (t.n_rows, t.n_cols, len(t.cells)) == (3, 2, 6)
    assert all(c.rowspan == c.colspan == 1 for c in t.cells)


def test_vertically_merged_cell_is_one_cell_with_rowspan():
    # no horizontal ruling at y=20 and y=40 in column 0: rows 0-2 merge there
    t = build_table(grid_segments([0, 50, 100], [0, 20, 40, 60], missing_h={(1, 0), (2, 0)}))
    merged = [c for c in t.cells if c.col == 0]
    assert len(merged) == 1 and merged[0].rowspan == 3 and merged[0].height == 60
    assert [c.row for c in t.cells if c.col == 1] == [0, 1, 2]


def test_horizontally_merged_cell_has_colspan():
    t = build_table(grid_segments([0, 50, 100, 150], [0, 20, 40], missing_v={(1, 0), (2, 0)}))
    top = t.row(0)
    assert len(top) == 1 and top[0].colspan == 3
    assert len(t.row(1)) == 3


def test_separate_tables_and_stray_lines():
    a = grid_segments([0, 50], [0, 20])
    b = grid_segments([0, 50], [100, 120])
    stray = [Segment(0, 200, 300, 200)]  # an underline: no cell
    assert len(connected_groups(a + b + stray)) == 3
    assert [t.top for t in find_tables(a + b + stray)] == [0, 100]


def test_chars_land_in_their_cells_and_merged_text_is_kept_whole():
    t = table_with_text([0, 100, 200], [0, 20, 40], {(0, 0): "目標", (0, 1): "A", (1, 1): "B"},
                        missing_h={(1, 0)})
    assert [(c.row, c.rowspan, c.text) for c in t.cells if c.col == 0] == [(0, 2, "目標")]
    assert [c.text for c in t.cells if c.col == 1] == ["A", "B"]


def test_soft_wrap_joins_hard_break_kept():
    # a box 100pt wide: a full line wraps softly; a short line ends with a hard break
    full = text_chars("あいうえおかきくけこ", 0, 0)          # ends at x=100
    short = text_chars("さし", 0, 12, start=10)               # ends at x=20: hard break after
    last = text_chars("すせ", 0, 24, start=12)
    assert join_lines(lines_of(full + short + last), right=100) == "あいうえおかきくけこさし\nすせ"


def test_lines_are_grouped_by_baseline_even_when_touching():
    a = text_chars("上", 0, 0, size=6)
    b = text_chars("下", 0, 6, size=6, start=1)  # the next line starts where the first ends
    assert [ln.text for ln in lines_of(a + b)] == ["上", "下"]


def test_page_break_drops_repeated_header_and_continues_blank_label():
    xs, header = [0, 100, 200], {(0, 0): "目標", (0, 1): "項目"}
    first = table_with_text(xs, [0, 20, 40, 60], {**header, (1, 0): "1 目標A", (1, 1): "1", (2, 1): "2"},
                            missing_h={(2, 0)})
    second = table_with_text(xs, [0, 20, 40, 60], {**header, (2, 1): "3", (1, 1): "2b"},
                             page=2, missing_h={(2, 0)})
    assert continues(first, second)
    joined = join(first, second)
    goal = [c for c in joined.cells if c.col == 0 and c.row >= 1]
    assert len(goal) == 1 and goal[0].rowspan == 4 and goal[0].parts  # continued, not restarted
    assert [c.text for c in joined.cells if c.col == 1] == ["項目", "1", "2", "2b", "3"]
    assert sorted(c.text for c in joined.repeated) == ["目標", "項目"]  # kept for coverage


def test_a_new_record_of_the_same_kind_is_not_a_continuation():
    xs, ys = [0, 100, 300], [0, 20, 40]
    prev = table_with_text(xs, ys, {(0, 0): "事業", (0, 1): "A", (1, 0): "取組所属"})
    new = table_with_text(xs, ys, {(0, 0): "事業", (0, 1): "B", (1, 0): "取組所属"}, page=2)
    cont = table_with_text(xs, ys, {(0, 0): "取組内容", (1, 0): "関連情報"}, page=2)
    assert not continues(prev, new)
    assert continues(prev, cont)


def test_a_label_printed_again_after_the_break_starts_a_new_cell():
    xs = [0, 100, 200]
    first = table_with_text(xs, [0, 20, 40], {(0, 0): "計画", (0, 1): "a", (1, 1): "b"},
                            missing_h={(1, 0)})
    second = table_with_text(xs, [0, 20, 40], {(0, 0): "計画", (0, 1): "c", (1, 1): "d"},
                             page=2, missing_h={(1, 0)})
    joined = join(first, second)
    assert [(c.row, c.rowspan) for c in joined.cells if c.col == 0] == [(0, 2), (2, 2)]


def test_a_row_cut_by_a_page_break_is_closed_where_its_borders_end():
    sides = [Segment(x, 40, x, 100) for x in (0, 100, 200)]  # no ruling under them
    t = build_table(grid_segments([0, 100, 200], [0, 20, 40]) + sides)
    assert t.open_bottom and not t.open_top and t.bottom == 100
    assert [(c.row, c.top, c.bottom) for c in t.cells if c.col == 1] == [(0, 0, 20), (1, 20, 40), (2, 40, 100)]
    heading = [Segment(x, -30, x, 0) for x in (0, 200)]  # the rest of a row cut above
    t = build_table(grid_segments([0, 100, 200], [0, 20]) + heading)
    assert t.open_top and not t.open_bottom and t.ys == [-30, 0, 20]
    assert len(t.row(0)) == 1 and t.row(0)[0].colspan == 2


def test_closed_tables_and_uneven_sides_are_not_cut():
    assert not build_table(grid_segments([0, 100, 200], [0, 20, 40])).open_bottom
    one_side = [Segment(0, 40, 0, 100)]  # a stray line under the left border only
    assert not build_table(grid_segments([0, 100, 200], [0, 20, 40]) + one_side).open_bottom


def test_a_cut_row_continues_on_the_next_page_text_and_all():
    xs, header = [0, 100, 200], {(0, 0): "目標", (0, 1): "項目"}
    # page 1: the goal spans rows 1-2; row 2 is cut after its first line (9 glyphs fill it)
    first = table_with_text(xs, [0, 20, 40], {**header, (1, 0): "1 目標A", (1, 1): "1 短い",
                                               (2, 1): "2 あいうえおかき"},
                            missing_h={(2, 0)}, cut_at=100)
    # page 2: header again, the rest of row 2 (goal blank), then item 3 still under the goal
    second = table_with_text(xs, [0, 20, 40, 60], {**header, (1, 1): "くけこ", (2, 1): "3 さし"},
                             page=2, missing_h={(2, 0)})
    assert continues(first, second)
    joined = join(first, second)
    items = [c for c in joined.cells if c.col == 1]
    assert [(c.row, c.text) for c in items] == [(0, "項目"), (1, "1 短い"), (2, "2 あいうえおかきくけこ"),
                                               (3, "3 さし")]
    assert items[2].rowspan == 1 and [p.page for p in items[2].parts] == [2]
    assert [ln.text for ln in items[2].all_lines()] == ["2 あいうえおかき", "くけこ"]
    goal = [c for c in joined.cells if c.col == 0 and c.row >= 1]
    assert len(goal) == 1 and (goal[0].row, goal[0].rowspan) == (1, 3)
    assert not joined.open_bottom


def test_a_typed_break_at_the_cut_is_kept():
    xs = [0, 100, 200]
    first = table_with_text(xs, [0, 20], {(0, 0): "X", (0, 1): "Y", (1, 0): "A", (1, 1): "あい"},
                            cut_at=60)  # row 1 ends early on page 1: the break was typed
    second = table_with_text(xs, [0, 20], {(0, 1): "うえ"}, page=2)
    joined = join(first, second)
    assert [c.text for c in joined.cells] == ["X", "Y", "A", "あい\nうえ"]


def _dep_cell(lines: list[str], width: float):
    from pipeline.layout.model import Cell

    chars = []
    for k, text in enumerate(lines):
        chars += text_chars(text, 1, 2 + 12 * k, start=len(chars))
    cell = Cell(0, 0, width, 12 * len(lines) + 4)
    cell.lines = lines_of(chars)
    return cell


def test_department_cell_joins_wrapped_names_and_keeps_one_per_line():
    from pipeline.extract.overview import department_names
    from pipeline.vocabulary import DEFAULT

    # 12 chars fit a line: the first name wraps, the second ends short, the third fills
    # the line exactly and ends like a name, so the fourth is a name of its own
    cell = _dep_cell(["デジタルトランスフォーメ", "ーション課", "(総)総務課", "グリーンイノベーション課",
                      "市町村課"], width=123)
    assert department_names(cell, DEFAULT) == [
        "デジタルトランスフォーメーション課", "総務部総務課", "グリーンイノベーション課", "市町村課"]
    # a full line that is only a bureau continues on the next line
    narrow = _dep_cell(["教育委員会事務局", "総務課"], width=83)
    assert department_names(narrow, DEFAULT) == ["教育委員会事務局総務課"]


def spaced_chars(text, x, top, pitch, size=10.0):
    """Glyphs ``pitch`` apart (均等割付 spreads a short text across its cell so)."""
    return [Char(x + k * pitch, top, x + k * pitch + size, top + size, text=ch, size=size, index=k)
            for k, ch in enumerate(text)]


@given(st.text(st.sampled_from("事業参考指標デジタル人材の支援取組内容"), min_size=2, max_size=12),
       st.floats(12, 60))
def test_distributed_japanese_joins_without_spaces(text, pitch):
    [line] = lines_of(spaced_chars(text, 5, 5, pitch))
    assert line.text == text


@given(st.text(st.sampled_from("ABCXYZ0129"), min_size=1, max_size=5),
       st.text(st.sampled_from("ABCXYZ0129"), min_size=1, max_size=5), st.floats(0, 30))
def test_a_space_only_where_a_reader_sees_one(a, b, pitch_gap):
    """Latin words keep the wider gap between them as one space, however spread the line is."""
    chars = spaced_chars(a, 0, 0, 10 + pitch_gap)
    chars += spaced_chars(b, chars[-1].x0 + 10 + pitch_gap + 8, 0, 10 + pitch_gap)
    for k, ch in enumerate(chars):
        ch.index = k
    [line] = lines_of(chars)
    assert line.text == f"{a} {b}"


def test_japanese_beside_latin_gets_no_space_from_a_gap():
    chars = text_chars("DX", 0, 0) + text_chars("推進", 30, 0, start=2)
    assert lines_of(chars)[0].text == "DX推進"


def test_stacked_glyphs_are_one_word():
    """縦書き: one glyph under the other in a narrow cell; Latin letters are not spaced."""
    chars = [Char(5, 12 * k, 15, 12 * k + 10, text=ch, size=10, index=k) for k, ch in enumerate("1DX等の推進")]
    lines = lines_of(chars)
    assert len(lines) == 7
    assert join_lines(lines, 20) == "1DX等の推進"


def test_a_footer_inside_a_cut_row_stays_page_furniture():
    """A browser may run a cut row's sides to the paper's edge, over the page number: the
    row ends with the last content before it."""
    from pipeline.layout.model import PageLayout
    from pipeline.layout.pages import analyse_page, mark_furniture

    def page(n):
        xs, ys = [0, 100, 300], [0, 20, 40]
        sides = [Segment(x, 40, x, 200) for x in xs]  # no ruling under the last row
        chars = text_chars("本文の続き", 101, 42) + text_chars(f"-{n}-", 140, 185, start=5)
        return PageLayout(n, 300, 200, chars=chars, segments=grid_segments(xs, ys) + sides)

    pages = list(mark_furniture(analyse_page(page(n)) for n in (1, 2)))
    for pc in pages:
        (table,) = pc.tables
        assert [c.text for c in table.row(2)] == ["", "本文の続き"]
        assert [(fl.text, fl.role) for fl in pc.flow] == [(f"-{pc.number}-", "page_number")]


def test_a_distributed_line_ended_by_hand_keeps_its_break():
    """均等割付 spreads a short first line to the edge; set solid it would have left room."""
    first = spaced_chars("事業名", 0, 0, 45)  # spread over 100 pt
    second = [Char(k * 10, 14, k * 10 + 10, 24, text=ch, size=10, index=10 + k) for k, ch in enumerate("内容")]
    lines = lines_of(first + second)
    assert join_lines(lines, 100) == "事業名\n内容"


def test_a_distributed_line_that_was_full_still_wraps_softly():
    full = spaced_chars("あいうえおかきくけ", 0, 0, 11.2)  # 9 glyphs set solid take 90 of 100 pt
    rest = [Char(0, 14, 10, 24, text="こ", size=10, index=20)]
    assert join_lines(lines_of(full + rest), 100) == "あいうえおかきくけこ"


@given(st.lists(st.tuples(st.sampled_from("事業DX等の2025年度AB・("), st.floats(0, 40)), min_size=1, max_size=15))
def test_a_gap_is_never_a_space_beside_a_japanese_glyph(glyphs):
    """Whatever the spacing, a space only ever stands between Latin letters or digits."""
    chars, x = [], 0.0
    for k, (ch, gap) in enumerate(glyphs):
        chars.append(Char(x, 0, x + 10, 10, text=ch, size=10, index=k))
        x += 10 + gap
    [line] = lines_of(chars)
    assert line.text.replace(" ", "") == "".join(ch for ch, _ in glyphs)
    for k, ch in enumerate(line.text):
        if ch == " ":
            assert line.text[k - 1].isascii() and line.text[k - 1].isalnum()
            assert line.text[k + 1].isascii() and line.text[k + 1].isalnum()


def test_an_empty_end_of_a_cut_row_is_not_a_page_of_its_cells():
    xs = [0, 100, 200]
    first = table_with_text(xs, [0, 20], {(0, 0): "X", (0, 1): "Y", (1, 0): "A", (1, 1): "あい"},
                            cut_at=60)
    sliver = table_with_text(xs, [0, 3], {}, page=2)  # the browser pushed 3 pt of the row over
    joined = join(first, sliver)
    assert [(c.text, c.parts) for c in joined.cells] == [("X", []), ("Y", []), ("A", []), ("あい", [])]
    assert joined.n_rows == 2


def test_the_same_text_under_two_cuts_is_no_running_footer():
    from pipeline.layout.model import PageLayout
    from pipeline.layout.pages import analyse_page, mark_furniture

    def page(n):
        xs, ys = [0, 100, 300], [0, 20, 40]
        sides = [Segment(x, 40, x, 200) for x in xs]
        chars = text_chars("人事課", 101, 185)  # in the bottom margin, on both pages
        return PageLayout(n, 300, 200, chars=chars, segments=grid_segments(xs, ys) + sides)

    for pc in mark_furniture(analyse_page(page(n)) for n in (1, 2)):
        assert [c.text for c in pc.tables[0].row(2)] == ["", "人事課"] and pc.flow == []
