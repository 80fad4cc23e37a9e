"""The client performance report laid out as a PDF with ReportLab (pure Python, no system libraries).

Sections, in order: cover summary (figures of the period, return measures, returns by period against
the S&P 500), charts (growth of 10,000 against the benchmark, drawdown) with the risk panel,
allocation (donuts by asset class and by sector) and holdings, accounts (households), activity, and
the notes and methodology. Every page carries the firm, the subject and "page n of N".

Table cells are plain strings (ReportLab lays those out an order of magnitude faster than
paragraphs); text that must wrap is a Paragraph. Every text from the database is escaped.
"""

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .book import Slice
from .content import ReportContent
from .pdf_charts import LOSS_COLOR, donut_chart, line_chart, slice_color

PAGE_WIDTH, PAGE_HEIGHT = LETTER
MARGIN = 0.6 * inch
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_COLOR = colors.HexColor("#1f2937")
RULE_COLOR = colors.HexColor("#d1d5db")
STRIPE_COLOR = colors.HexColor("#f3f4f6")
MUTED = colors.HexColor("#6b7280")

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("ReportTitle", parent=_styles["Title"], fontSize=20, leading=24, alignment=0, spaceAfter=4)
H2 = ParagraphStyle("ReportH2", parent=_styles["Heading2"], fontSize=13, leading=16, spaceBefore=10, spaceAfter=6)
BODY = ParagraphStyle("ReportBody", parent=_styles["BodyText"], fontSize=9, leading=12)
SMALL = ParagraphStyle("ReportSmall", parent=BODY, fontSize=8, leading=10, textColor=MUTED)
CELL = ParagraphStyle("ReportCell", parent=BODY, fontSize=8, leading=10)
CELL_RIGHT = ParagraphStyle("ReportCellRight", parent=CELL, alignment=TA_RIGHT)


@dataclass
class RenderedReport:
    data: bytes
    pages: int


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(
    rows: list[list],
    *,
    header: bool = True,
    widths=None,
    align_right_from: int = 1,
    font_size: float = 8,
    total_row: bool = False,
) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", font_size),
        ("LEADING", (0, 0), (-1, -1), font_size + 2),
        ("ALIGN", (align_right_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE_COLOR),
    ]
    if header:
        style += [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", font_size),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_COLOR),
        ]
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE_COLOR]))
    if total_row:
        style += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", font_size),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, HEADER_COLOR),
        ]
    for row_index, row in enumerate(rows[1:] if header else rows, start=1 if header else 0):
        for col_index, value in enumerate(row):
            if isinstance(value, str) and value.startswith("-") and value[1:2].isdigit():
                style.append(("TEXTCOLOR", (col_index, row_index), (col_index, row_index), LOSS_COLOR))
    table.setStyle(TableStyle(style))
    return table


def _key_values(pairs, widths=(2.6 * inch, 1.4 * inch)) -> Table:
    return _table([list(pair) for pair in pairs], header=False, widths=widths, font_size=9)


def _legend(slices: list[Slice], width: float) -> Table:
    rows = [["", "Class", "Weight", "Value"]]
    for piece in slices:
        rows.append(["", piece.label[:28], f"{piece.weight * 100:.1f} %", piece.value])
    table = _table(rows, widths=[10, width - 10 - 1.3 * inch, 0.55 * inch, 0.75 * inch], align_right_from=2)
    table.setStyle(TableStyle([("BACKGROUND", (0, i), (0, i), slice_color(i - 1)) for i in range(1, len(rows))]))
    return table


class _NumberedCanvas(pdf_canvas.Canvas):
    """Defers each page until the end so the footer can say "page n of N" (ReportLab's usual recipe)."""

    def __init__(self, *args, content: ReportContent, counter: list, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_pages = []
        self._content = content
        self._counter = counter

    def showPage(self):
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        self._counter.append(total)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        content = self._content
        self.saveState()
        self.setFont("Helvetica", 7.5)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE_COLOR)
        self.line(MARGIN, PAGE_HEIGHT - MARGIN + 10, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN + 10)
        self.drawString(MARGIN, PAGE_HEIGHT - MARGIN + 14, f"{content.firm_name} · {content.subject_name}")
        self.drawRightString(
            PAGE_WIDTH - MARGIN,
            PAGE_HEIGHT - MARGIN + 14,
            f"{content.period_label}: {content.base_date.isoformat()} to {content.end_date.isoformat()}",
        )
        self.line(MARGIN, MARGIN - 14, PAGE_WIDTH - MARGIN, MARGIN - 14)
        self.drawString(
            MARGIN, MARGIN - 24, f"Prepared {content.generated_at:%Y-%m-%d %H:%M %Z} for {content.client_names}"
        )
        self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 24, f"Page {self._pageNumber} of {total}")
        self.restoreState()


def _cover(content: ReportContent) -> list:
    fees = "net of fees" if content.net else "gross of fees"
    story = [
        _p(content.title, TITLE),
        _p(
            f"{content.subject_kind.title()} of {content.household_name} · clients: {content.client_names} · "
            f"advisor: {content.advisor_name}",
            SMALL,
        ),
        _p(
            f"{content.period_label}: from the close of {content.base_date.isoformat()} to the close of "
            f"{content.end_date.isoformat()}, {fees}.",
            BODY,
        ),
        Spacer(1, 8),
    ]
    measures = [[label, value] for label, value, _ in content.measures]
    side = Table(
        [
            [_p("The period", H2), _p("Returns", H2)],
            [
                _key_values(content.summary, widths=(2.1 * inch, 1.4 * inch)),
                _key_values(measures, widths=(2.3 * inch, 1.0 * inch)),
            ],
        ],
        colWidths=[FRAME_WIDTH * 0.52, FRAME_WIDTH * 0.48],
        hAlign="LEFT",
    )
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(side)
    story.append(_p("Returns by period", H2))
    header = ["Period", "From close", "To close", "TWR", "TWR p.a.", "MWR", "MWR p.a.", "S&P 500", "Excess"]
    rows = [header]
    notes = []
    for row in content.returns_table:
        if len(row) > len(header):
            notes.append(f"{row[0]} is not measurable: {row[-1]}")
            row = row[: len(header)]
        rows.append(row)
    story.append(_table(rows, widths=[1.05 * inch] + [0.8 * inch] * 2 + [0.69 * inch] * 6))
    story.append(
        _p(
            "TWR: time-weighted, chained daily. MWR: money-weighted (XIRR) over the period; p.a.: annualised "
            "(annualised TWR only for a year or more). S&P 500: price index over the same sessions; excess: TWR "
            "minus S&P 500.",
            SMALL,
        )
    )
    for note in notes:
        story.append(_p(note, SMALL))
    return story


def _charts(content: ReportContent) -> list:
    growth = line_chart(
        content.growth, width=FRAME_WIDTH, height=215, format_value=lambda v: f"{v:,.0f}", baseline=10_000.0
    )
    drawdown = line_chart(
        [content.drawdown],
        width=FRAME_WIDTH,
        height=150,
        format_value=lambda v: f"{v * 100:.0f} %",
        baseline=0.0,
        fill_below=True,
        line_colors=(LOSS_COLOR,),
    )
    return [
        PageBreak(),
        _p("Growth of 10,000", H2),
        growth,
        _p("Drawdown from the previous high", H2),
        drawdown,
        _p("Risk", H2),
        _key_values(content.risk, widths=(3.2 * inch, 2.2 * inch)),
    ]


def _allocation(content: ReportContent) -> list:
    half = FRAME_WIDTH / 2 - 6
    donut = 118
    cells = []
    for title, slices in (("By asset class", content.allocation_asset_class), ("By sector", content.allocation_sector)):
        cells.append([_p(title, BODY), donut_chart(slices, size=donut), Spacer(1, 4), _legend(slices, half)])
    grid = Table([cells], colWidths=[half + 6, half + 6], hAlign="LEFT")
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    header = ["Symbol", "Name", "Quantity", "Price", "Value", "Cost", "Unrealised", "Gain %", "Weight"]
    holdings = [header, *content.holdings, content.holdings_total]
    widths = [
        0.5 * inch,
        1.6 * inch,
        0.65 * inch,
        0.6 * inch,
        0.85 * inch,
        0.85 * inch,
        0.85 * inch,
        0.65 * inch,
        0.55 * inch,
    ]
    return [
        PageBreak(),
        _p("Allocation", H2),
        grid,
        CondPageBreak(1.5 * inch),
        _p("Holdings", H2),
        _table(holdings, widths=widths, align_right_from=2, total_row=True),
    ]


def _accounts(content: ReportContent) -> list:
    if not content.accounts:
        return []
    rows = [["Account", "Type", "Ending value", "TWR", "Measured"], *content.accounts]
    return [
        CondPageBreak(2 * inch),
        _p("Accounts", H2),
        _table(rows, widths=[2.3 * inch, 1.1 * inch, 1.1 * inch, 0.8 * inch, 1.9 * inch], align_right_from=2),
    ]


def _activity(content: ReportContent) -> list:
    story = [PageBreak(), _p("Activity", H2)]
    if content.activity_summary:
        story.append(_key_values(content.activity_summary, widths=(2.6 * inch, 1.4 * inch)))
        story.append(Spacer(1, 6))
    story.append(_p(content.activity_note, SMALL))
    if content.activity:
        many = len(content.activity[0]) == 8
        header = ["Date", "Type", "Symbol", "Quantity", "Price", "Amount", "Description"]
        widths = [0.75 * inch, 1.35 * inch, 0.6 * inch, 0.8 * inch, 0.75 * inch, 0.95 * inch, 2.1 * inch]
        if many:
            header.insert(1, "Account")
            widths = [
                0.72 * inch,
                1.45 * inch,
                0.9 * inch,
                0.55 * inch,
                0.7 * inch,
                0.65 * inch,
                0.85 * inch,
                1.48 * inch,
            ]
        table = _table([header, *content.activity], widths=widths, align_right_from=99)
        right_from = 4 if many else 3
        table.setStyle(TableStyle([("ALIGN", (right_from, 0), (right_from + 2, -1), "RIGHT")]))
        story.append(table)
    return story


def _notes(content: ReportContent) -> list:
    story = [CondPageBreak(2 * inch), _p("Notes and methodology", H2)]
    for note in content.notes:
        story.append(_p(f"• {note}", BODY))
    for line in content.methodology:
        story.append(_p(line, SMALL))
    story.append(Spacer(1, 6))
    story.append(
        _p(
            "Past performance does not guarantee future results. Values are based on the custodial ledger and "
            "closing prices recorded by the firm; your custodian's statement is the official record.",
            SMALL,
        )
    )
    return [KeepTogether(story[:2]), *story[2:]]


def render_pdf(content: ReportContent) -> RenderedReport:
    """The report as PDF bytes and its page count."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6,
        bottomMargin=MARGIN + 4,
        title=content.title,
        author=content.firm_name,
        subject=f"{content.period_label} {content.base_date.isoformat()} to {content.end_date.isoformat()}",
        creator="Value Partner",
    )
    story = [*_cover(content), *_charts(content), *_allocation(content), *_accounts(content), *_activity(content)]
    story += _notes(content)
    counter: list[int] = []
    document.build(
        story,
        canvasmaker=lambda *args, **kwargs: _NumberedCanvas(*args, content=content, counter=counter, **kwargs),
    )
    return RenderedReport(data=buffer.getvalue(), pages=counter[-1])
