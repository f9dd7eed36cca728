"""Colours and sizes of the variant look (deliberately unlike the LibreOffice originals)."""

from reportlab.lib.colors import Color, white

LABEL = Color(0.90, 0.90, 0.88)
HEAD = Color(0.84, 0.88, 0.84)
BAR = Color(0.78, 0.87, 0.70)
GOAL_BAND = Color(0.16, 0.36, 0.33)
GOAL_TEXT = white
POLICY_BAND = Color(0.88, 0.93, 0.90)
GOAL_FILLS = (Color(0.93, 0.90, 0.97), Color(0.88, 0.96, 0.93), Color(0.97, 0.95, 0.86),
              Color(0.95, 0.91, 0.88))
OVERVIEW_SCALE = 0.8  # 体系図 text size relative to the detail pages
