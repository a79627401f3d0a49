"""A slip (a service guide, a receipt) in ESC/POS bytes: laid out for 80 and 58 mm paper, the
same bytes for the same content, and refused when it would print a whole ID number or run on
for metres."""

from __future__ import annotations

import pytest

from devices.printer import layout
from devices.printer.errors import TicketContentError
from devices.printer.slip import MAX_LINES, SlipContent, SlipSection, render_slip
from devices.printer.ticket import laid_out

SLIP = SlipContent(
    title="办事指南 · 住房公积金提取", subtitle="Service guide · Housing fund withdrawal",
    sections=(SlipSection("申请材料 / What to bring",
                          ("1. 购房合同（原件 1 份）", "Home purchase contract (original, 1)")),
              SlipSection("法定时限 / Time limit", ("3 个工作日 / 3 working days",))),
    qr_url="https://zwfw.example.gov.cn/guide/C07", qr_caption="扫码查看 / Scan to read",
    footer=("福田区政务服务中心",))


@pytest.mark.parametrize("paper", [layout.PAPER_80MM_DOTS, layout.PAPER_58MM_DOTS])
def test_every_line_fits_the_paper(paper: int) -> None:
    stream = render_slip(SLIP, paper)
    width = layout.paper_columns(paper)
    for text in SLIP.texts():
        for line in laid_out(text, width):
            assert layout.columns(line) <= width
            assert layout.encode(line) in stream
    assert render_slip(SLIP, paper) == stream


def test_a_whole_id_number_is_never_printed() -> None:
    leaking = SlipContent(title="回执", sections=(SlipSection("申请人", ("440304199003071230",)),))
    with pytest.raises(TicketContentError, match="unmasked ID"):
        render_slip(leaking)


def test_a_slip_needs_a_title_and_ends() -> None:
    with pytest.raises(TicketContentError, match="title"):
        render_slip(SlipContent(title=" "))
    endless = SlipContent(title="指南", sections=(SlipSection("材料", ("一行",) * MAX_LINES),))
    with pytest.raises(TicketContentError, match="at most"):
        render_slip(endless)
