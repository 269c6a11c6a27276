"""Turn a captured web page's text into the clean text that quotations are checked
against. The raw capture is always kept; this only derives from it."""

import re

# A UTF-8 non-breaking space read as Latin-1 and written back as UTF-8 again.
MISENCODED_NBSP = "\u00cc\u00fd"
NBSP = "\u00a0"

# Lines that are page furniture, not the document: image alt text, pull-quote icons,
# comment forms, author bios and site footers left by the capture.
BOILERPLATE_LINES = [
    re.compile(pattern)
    for pattern in [
        r"^Quote mark$",
        r"^Child and adult holding hands$",
        r"^Leave a Reply$",
        r"^Your email address will not be published\..*$",
        r"^This site uses Akismet to reduce spam\..*$",
        r"^Married to the amazing Sarah.*$",
        r"^© .* \d{4}$",
        r"^Website by \w+$",
    ]
]
BULLET = re.compile(r"^\s*•\s*")
SPACES = re.compile(r"[ \t]+")
BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace(MISENCODED_NBSP, " ").replace(NBSP, " ")
    lines = []
    for line in text.split("\n"):
        line = SPACES.sub(" ", BULLET.sub("", line)).strip()
        if any(pattern.match(line) for pattern in BOILERPLATE_LINES):
            continue
        lines.append(line)
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
