"""Colours and marker shapes shared by every figure and explorer.

The palette is Okabe and Ito's ("Color Universal Design"), which stays
distinguishable with every common colour-vision deficiency; each class also
has its own marker shape, so that no figure depends on colour alone
(WCAG 2.1, success criterion 1.4.1).
"""
LABEL_COLORS = {0: "#D55E00", 1: "#0072B2"}        # vermillion: label 0, blue: label 1
LABEL_MARKERS = {0: "s", 1: "o"}                   # squares: label 0, discs: label 1
LABEL_REGIONS = ("#f7d9c6", "#cfe3f2")             # light shades of the two, for predicted regions

CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73")   # blue, orange, bluish green
CLASS_MARKERS = ("o", "s", "^")
CLASS_REGIONS = ("#cfe3f2", "#fbeacc", "#c7eadf")

# Lines that are not classes (curves, paths), still told apart by dash style as well as colour.
LINE_COLORS = ("#000000", "#CC79A7", "#56B4E9", "#E69F00")
