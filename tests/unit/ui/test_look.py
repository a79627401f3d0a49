"""Text fitting, QR codes and the look of a screen size."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QFontMetrics, QImage

from ui.look import HIGH_CONTRAST, NORMAL, Look, fit_text, qr_pixmap
from ui.qt import font


def test_fit_text_breaks_words_and_characters(qapp) -> None:
    qfont = font(30, True)
    width = QFontMetrics(qfont).horizontalAdvance("Employer social")
    fitted = fit_text("Employer social insurance registration", qfont, width)
    assert fitted == "Employer social\ninsurance…" or fitted.startswith("Employer social\n")
    assert all(QFontMetrics(qfont).horizontalAdvance(line) <= width
               for line in fitted.split("\n"))
    chinese = fit_text("社会保险单位登记社会保险单位登记", qfont,
                       QFontMetrics(qfont).horizontalAdvance("社会保险单位"), 2)
    assert chinese.split("\n")[0] == "社会保险单位" and chinese.endswith("…")


def test_look_scales_with_the_short_side_and_elderly_mode(qapp) -> None:
    landscape = Look.for_size(QSize(1920, 1080), "zh")
    portrait = Look.for_size(QSize(1080, 1920), "en", elderly=True)
    assert (landscape.scale, landscape.portrait, landscape.palette) == (1.0, False, NORMAL)
    assert (portrait.scale, portrait.portrait, portrait.palette) == (1.35, True, HIGH_CONTRAST)
    assert portrait.big(200) == 200 and portrait.px(200) == 270
    assert portrait.t("中文", "English") == "English"


def test_qr_pixmap_decodes_to_the_ticket_url(qapp) -> None:
    url = "http://127.0.0.1:8470/t/20250314-A001"
    image = qr_pixmap(url, 300).toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(np.ascontiguousarray(pixels[:, :width]))
    assert text == url


def test_buttons_of_pages_gone_leave_no_reference_to_their_model(qapp) -> None:
    import gc
    import weakref

    from PySide6.QtCore import QCoreApplication, QEvent

    from ui.look import Tile, button

    class Model:
        def act(self) -> None:
            self.acted = True

    model = Model()
    look = Look.for_size(QSize(1920, 1080), "zh")
    for _ in range(20):
        for widget in (button(look, "办理", model.act), Tile(look, "主题", [], model.act)):
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    left = [o for o in gc.get_objects() if type(o) is weakref.ReferenceType and o() is model]
    assert left == []
    pressed = button(look, "办理", model.act)
    pressed.click()
    assert model.acted
