"""``python -m liqcalc``."""

from liqcalc.cli import main

if __name__ == "__main__":
    main()
