"""Lets `pytest training/tests` import firstframe_train from any working directory."""

import sys
from pathlib import Path

TRAINING = Path(__file__).resolve().parents[1]
if str(TRAINING) not in sys.path:
    sys.path.insert(0, str(TRAINING))
