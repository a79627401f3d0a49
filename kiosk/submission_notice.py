"""The personal-information notice of a self-service submission (个人信息处理告知, PIPL art. 17)
and the version of it a citizen agrees to, which the hall records with the submission.

Change the text → change :data:`CONSENT_VERSION`: a recorded consent must name the words the
citizen saw.
"""

from __future__ import annotations

CONSENT_VERSION = "kiosk-submission-notice-2026-12"

#: (heading, Chinese, English) of each part of the notice: what, why, how long, who.
NOTICE: tuple[tuple[str, str, str], ...] = (
    ("collected", "收集哪些信息：身份证上的姓名、证件号码、住址，您填写的表单内容，"
     "以及您拍摄的材料照片。",
     "What: the name, ID number and address on your ID card, what you fill in, and the "
     "photos of your documents."),
    ("why", "用途：仅用于办理您申请的本事项，并在您下次办理时供您选择复用已提交的材料。",
     "Why: only to handle this application, and to offer you the documents you gave when you "
     "apply again."),
    ("how_long", "保存：本机不保存；大厅服务器加密暂存，上传至市政务服务平台后即删除；平台按本市"
     "政务档案规定的期限保存，到期删除。",
     "How long: nothing stays on this kiosk; the hall's server keeps it encrypted until the "
     "city platform has it, then deletes it; the platform keeps it for the period the city "
     "sets, then erases it."),
    ("who", "谁能看到：受理本事项的工作人员；照片只向您本人和后台受理人员显示。"
     "屏幕和回执上的个人信息均已遮挡。",
     "Who sees it: the staff handling your application; photos are shown only to you and to "
     "them. Personal details on screens and receipts are masked."),
)

CONSENT_LINE = ("我已阅读并同意上述个人信息处理规则", "I have read and agree to the above")
