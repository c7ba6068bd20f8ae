#!/usr/bin/env bash
# Rebuild the chart font: a subset of Noto Sans CJK SC (SIL Open Font
# License 1.1, see OFL.txt) holding printable ASCII, a few symbols and
# every Chinese character of the report's fixed vocabulary
# (reports/i18n.toml and the `zh` names of config/defaults.toml). Charts
# draw only with this embedded file, so the PNGs do not depend on the
# machine's fonts. Run it after adding Chinese text; the glyph test
# (`cargo test --release report_fonts`) says when it is needed.
#
# Needs Debian's fonts-noto-cjk (the source font) and fontTools from PyPI;
# both are installed here if missing. The OFL allows subsetting and
# embedding; the subset keeps the font's copyright and licence name
# records and is renamed, as the OFL asks of a modified version (its
# Reserved Font Name, 'Source', is not used).
set -euo pipefail
cd "$(dirname "$0")/../.."

SOURCE=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
if [ ! -f "$SOURCE" ]; then
    apt-get install -y fonts-noto-cjk
fi
VENV="${TMPDIR:-/tmp}/qfb-fonttools"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "fonttools==4.*"
fi

"$VENV/bin/python" - "$SOURCE" <<'PY'
import sys, tomllib
from fontTools import subset
from fontTools.ttLib import TTCollection

source = sys.argv[1]
text = set(chr(c) for c in range(0x20, 0x7F))
text |= set("×≤≥σβη′–—…·°%‰←↑→↓±≈₀₁₂₃₄₅₆₇₈₉")
with open("reports/i18n.toml", "rb") as f:
    for entry in tomllib.load(f).values():
        text |= set(entry["zh"])
with open("config/defaults.toml", "rb") as f:
    config = tomllib.load(f)
for group in config.values():
    if isinstance(group, list):
        for entry in group:
            if isinstance(entry, dict) and "zh" in entry:
                text |= set(entry["zh"])

# Index 2 of the collection is Noto Sans CJK SC.
font = TTCollection(source).fonts[2]
assert font["name"].getDebugName(4) == "Noto Sans CJK SC", font["name"].getDebugName(4)
options = subset.Options()
options.layout_features = ["kern", "palt"]
options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
options.notdef_outline = True
options.hinting = False
options.desubroutinize = True
sub = subset.Subsetter(options)
sub.populate(text="".join(sorted(text)))
sub.subset(font)
# A new family name: a modified version is not the original font.
for record in font["name"].names:
    if record.nameID in (1, 3, 4, 6):
        old = record.toUnicode()
        record.string = old.replace("Noto Sans CJK SC", "qfb Chart Sans").replace("NotoSansCJKsc", "qfbChartSans")
font.save("reports/fonts/qfb-chart-sans.otf")
print(f"reports/fonts/qfb-chart-sans.otf: {len(text)} characters")
PY
